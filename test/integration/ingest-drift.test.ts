// The shape store against dynalite (the DynamoDB API): conditional saves by version, as the drift
// observer relies on them to report one change once across instances.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createShapeStore } from '../../adapters/aws/shape-store.ts';
import { createShapeObserver } from '../../functions/drift/observer.ts';
import { createLogger } from '../../functions/observability/logger.ts';
import type { OpsAlert } from '../../schemas/generated/ops-alert-event.ts';
import { startTestTable, type TestTable } from '../support/dynamo.ts';

const TABLE = 'leadpipe-drift-test';
let table: TestTable;
let client: DynamoDBClient;

beforeAll(async () => {
  table = await startTestTable(TABLE);
  client = table.client;
});

afterAll(async () => {
  await table?.end();
});

describe('createShapeStore on the DynamoDB API', () => {
  it('creates a shape once, then saves only over the version it read', async () => {
    // Prepare
    const store = createShapeStore(client, TABLE);
    // Act
    const missing = await store.load('form');
    const created = await store.save('form', { email: 'present' }, undefined);
    const createdAgain = await store.save('form', { name: 'present' }, undefined);
    const updated = await store.save('form', { email: 'present', utm: 'present' }, 1);
    const stale = await store.save('form', { other: 'present' }, 1);
    const loaded = await store.load('form');
    // Assess
    expect(missing).toBeUndefined();
    expect([created, createdAgain, updated, stale]).toEqual([1, undefined, 2, undefined]);
    expect(loaded).toEqual({ paths: { email: 'present', utm: 'present' }, version: 2 });
  });

  it('lets two observers over one table report a new field once', async () => {
    // Prepare
    const store = createShapeStore(client, TABLE);
    const alerts: OpsAlert[] = [];
    const options = {
      store,
      logger: createLogger({ logLevel: 'SILENT' }),
      raiseAlerts: async (batch: readonly OpsAlert[]) => void alerts.push(...batch),
    };
    const first = createShapeObserver(options);
    const second = createShapeObserver(options);
    await first('typeform', { email: 'a@example.com' });
    await second('typeform', { email: 'b@example.com' });
    // Act
    await Promise.all([
      first('typeform', { email: 'c@example.com', phone: '+1' }),
      second('typeform', { email: 'd@example.com', phone: '+1' }),
    ]);
    // Assess
    expect(alerts).toEqual([{ kind: 'schema-drift', source: 'typeform', added: ['phone'], removed: [] }]);
  });
});
