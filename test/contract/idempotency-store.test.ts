import { randomUUID } from 'node:crypto';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import type { Context } from 'aws-lambda';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createIdempotencyStore } from '../../adapters/aws/idempotency-store.ts';
import { openDatabase } from '../../adapters/embedded/database.ts';
import { SqliteIdempotencyStore } from '../../adapters/embedded/idempotency-store.ts';
import { createEmbeddedQueues } from '../../adapters/embedded/queues.ts';
import { inWriteScope } from '../../adapters/embedded/write-scope.ts';
import { lambdaContext } from '../../local/http-server.ts';
import { startTestTable } from '../support/dynamo.ts';
import { idempotencyStoreContract } from './idempotency-store.contract.ts';

const TABLE = 'leadpipe-contract';

idempotencyStoreContract('embedded (SQLite)', async () => {
  const database = openDatabase();
  return { store: new SqliteIdempotencyStore({ database }), end: async () => database.close() };
});

idempotencyStoreContract('DynamoDB on dynalite', async () => {
  const table = await startTestTable(TABLE);
  return { store: createIdempotencyStore(table.client, TABLE), end: () => table.end() };
});

describe('the embedded idempotency store in a write scope (one transaction per accepted webhook)', () => {
  it.each([
    ['returns', false, { result: 'resolved', queued: 2, records: ['COMPLETED'] }],
    ['throws', true, { result: 'the mapping failed after publishing', queued: 0, records: [] }],
  ])(
    'commits the queue rows sent by a function that %s only together with its COMPLETED record',
    async (_, throws, expected) => {
      // Prepare
      const database = openDatabase();
      onTestFinished(() => database.close());
      const queues = createEmbeddedQueues(database);
      queues.ensure('hubspot', { maxReceiveCount: 3 });
      const queue = queues.deliveryQueue('hubspot');
      const records = () =>
        (database.db.prepare('SELECT status FROM idempotency').all() as { status: string }[]).map(
          (row) => row.status,
        );
      const during: { queued?: number; records?: string[] } = {};
      const accept = makeIdempotent(
        async (delivery: { id: string }, _context: Context) => {
          queues.send('hubspot', [`lead for ${delivery.id}`, `another lead for ${delivery.id}`]);
          during.queued = (await queue.depth()).queue.visible;
          during.records = records();
          if (throws) throw new Error('the mapping failed after publishing');
          return { leadId: delivery.id };
        },
        {
          persistenceStore: new SqliteIdempotencyStore({ database }),
          config: new IdempotencyConfig({ eventKeyJmesPath: 'id' }),
        },
      );

      // Act
      const result = await inWriteScope(database, () =>
        accept({ id: 'd-1' }, lambdaContext('leadpipe-ingest', randomUUID())),
      ).then(
        () => 'resolved',
        (error: Error) => error.message,
      );

      // Assess: staged while the function ran (the claim alone committed), then all or nothing.
      expect(during).toEqual({ queued: 0, records: ['INPROGRESS'] });
      expect(result).toBe(expected.result);
      expect((await queue.depth()).queue.visible).toBe(expected.queued);
      expect(records()).toEqual(expected.records);
    },
  );
});
