import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { createDynamoLedger, LEDGER_TABLE } from '../../adapters/aws/ledger.ts';
import { openDatabase } from '../../adapters/embedded/database.ts';
import { createEmbeddedLedger } from '../../adapters/embedded/ledger.ts';
import { inWriteScope, takeStaged, write } from '../../adapters/embedded/write-scope.ts';
import { LEDGER_KEEP_DAYS } from '../../functions/ports.ts';
import { createLedgerTable, startTestTable, type TestTable } from '../support/dynamo.ts';
import { deliveredLife, ledgerLeadId } from '../support/ledger-events.ts';
import { waitUntil } from '../support/wait.ts';
import { ledgerContract, NOW } from './ledger.contract.ts';

const TABLE = 'leadpipe-contract';
const LEDGER = 'leadpipe-ledger-contract';
const T0 = '2026-03-20T09:00:00.000Z';

ledgerContract('embedded (SQLite, in memory)', async (options) => {
  const database = openDatabase();
  return {
    ledger: createEmbeddedLedger(database, { ...options, now: () => options.now }),
    end: async () => database.close(),
  };
});

ledgerContract('embedded (SQLite file)', async (options) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'leadpipe-ledger-'));
  const database = openDatabase({ dataDir, durability: 'normal' });
  return {
    ledger: createEmbeddedLedger(database, { ...options, now: () => options.now }),
    end: async () => {
      database.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
});

ledgerContract('DynamoDB on dynalite', async (options) => {
  const table = await startLedgerTable();
  return {
    ledger: createDynamoLedger({
      client: table.documents,
      tableName: LEDGER,
      ...options,
      now: () => options.now,
    }),
    end: () => table.end(),
  };
});

/** dynalite with the ledger's table, built from the key design the CDK stack builds it from. */
async function startLedgerTable(): Promise<TestTable & { documents: DynamoDBDocumentClient }> {
  const table = await startTestTable(TABLE);
  await createLedgerTable(table.client, LEDGER);
  return { ...table, documents: DynamoDBDocumentClient.from(table.client) };
}

describe('embedded ledger in a write scope', () => {
  const databases: ReturnType<typeof openDatabase>[] = [];
  afterEach(() => {
    for (const database of databases.splice(0)) database.close();
  });
  function ledgerOnNewDatabase() {
    const database = openDatabase();
    databases.push(database);
    return { database, ledger: createEmbeddedLedger(database, { now: () => NOW }) };
  }

  it('stages an append made in a scope and commits it with the scope', async () => {
    // Prepare
    const { database, ledger } = ledgerOnNewDatabase();
    const life = deliveredLife(ledgerLeadId(1), T0);

    // Act
    const seenInside = await inWriteScope(database, async () => {
      await ledger.append(life);
      return ledger.timeline(ledgerLeadId(1));
    });
    const after = await ledger.timeline(ledgerLeadId(1));

    // Assess
    expect(seenInside).toBeUndefined();
    expect(after?.events).toHaveLength(life.length);
  });

  it('appends nothing when the scope’s transaction rolls back (another staged write failed)', async () => {
    // Prepare
    const { database, ledger } = ledgerOnNewDatabase();

    // Act
    const invocation = inWriteScope(database, async () => {
      await ledger.append(deliveredLife(ledgerLeadId(1), T0));
      write(database, () => {
        throw new Error('the idempotency record could not be written');
      });
    });

    // Assess
    await expect(invocation).rejects.toThrow('the idempotency record could not be written');
    expect(await ledger.timeline(ledgerLeadId(1))).toBeUndefined();
    expect(await ledger.search({})).toEqual({ leads: [] });
    expect(await ledger.recent({ since: T0 })).toEqual([]);
  });

  it('appends nothing when the staged writes are dropped (the handler failed and its record was deleted)', async () => {
    // Prepare
    const { database, ledger } = ledgerOnNewDatabase();

    // Act
    await inWriteScope(database, async () => {
      await ledger.append(deliveredLife(ledgerLeadId(1), T0));
      takeStaged();
    });

    // Assess
    expect(await ledger.timeline(ledgerLeadId(1))).toBeUndefined();
    expect(await ledger.recent({ since: T0 })).toEqual([]);
  });

  it('keeps what it appended through a close and a reopen of the file', async () => {
    // Prepare
    const dataDir = mkdtempSync(join(tmpdir(), 'leadpipe-ledger-'));
    const life = deliveredLife(ledgerLeadId(1), T0);
    try {
      const first = openDatabase({ dataDir });
      await createEmbeddedLedger(first, { now: () => NOW }).append(life);
      first.close();

      // Act
      const second = openDatabase({ dataDir });
      databases.push(second);
      const timeline = await createEmbeddedLedger(second, { now: () => NOW }).timeline(ledgerLeadId(1));

      // Assess
      expect(timeline?.events).toHaveLength(life.length);
      expect(timeline?.lead.status).toBe('delivered');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('DynamoDB ledger expiry', () => {
  let table: (TestTable & { documents: DynamoDBDocumentClient }) | undefined;
  afterEach(async () => {
    await table?.end();
    table = undefined;
  });

  it.each([
    ['the default retention', undefined, LEDGER_KEEP_DAYS],
    ['a configured retention', 7, 7],
  ])('sets the TTL attribute of every item to its own time plus %s', async (_, retentionDays, days) => {
    // Prepare
    table = await startLedgerTable();
    const ledger = createDynamoLedger({
      client: table.client,
      tableName: LEDGER,
      now: () => NOW,
      ...(retentionDays === undefined ? {} : { retentionDays }),
    });
    const life = deliveredLife(ledgerLeadId(1), T0);

    // Act
    await ledger.append(life);
    const { Items = [] } = await table.documents.send(new ScanCommand({ TableName: LEDGER }));

    // Assess: one item per event, and the lead's own, expiring with its received event.
    const expiry = (at: string) => Math.floor(Date.parse(at) / 1000) + days * 24 * 3600;
    expect(Items).toHaveLength(life.length + 1);
    for (const item of Items) {
      const event = JSON.parse(String(item.body)) as { at: string };
      expect(item[LEDGER_TABLE.ttl]).toBe(expiry(event.at));
    }
    const leadItem = Items.find((item) => item[LEDGER_TABLE.sortKey] === 'LEAD');
    expect(leadItem?.[LEDGER_TABLE.ttl]).toBe(expiry(T0));
  });
});
