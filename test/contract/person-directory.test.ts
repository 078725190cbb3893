import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ScanCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { createDynamoPersonDirectory, PERSON_ITEM_PREFIX } from '../../adapters/aws/person-directory.ts';
import { type EmbeddedDatabase, openDatabase } from '../../adapters/embedded/database.ts';
import { createEmbeddedPersonDirectory } from '../../adapters/embedded/person-directory.ts';
import { inWriteScope, takeStaged } from '../../adapters/embedded/write-scope.ts';
import { startTestTable } from '../support/dynamo.ts';
import { personDirectoryContract } from './person-directory.contract.ts';

const TABLE = 'leadpipe-contract';
const T0 = '2026-04-01T09:00:00.000Z';
const T1 = '2026-04-01T10:00:00.000Z';

const dumpTables = (database: EmbeddedDatabase) =>
  JSON.stringify([
    database.db.prepare('SELECT * FROM persons').all(),
    database.db.prepare('SELECT * FROM person_keys').all(),
  ]);

personDirectoryContract('embedded (SQLite, in memory)', async () => {
  const database = openDatabase();
  return {
    directory: createEmbeddedPersonDirectory(database),
    stored: async () => dumpTables(database),
    end: async () => database.close(),
  };
});

personDirectoryContract('embedded (SQLite file)', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'leadpipe-persons-'));
  const database = openDatabase({ dataDir, durability: 'normal' });
  return {
    directory: createEmbeddedPersonDirectory(database),
    stored: async () => dumpTables(database),
    end: async () => {
      database.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
});

personDirectoryContract('DynamoDB on dynalite', async () => {
  const table = await startTestTable(TABLE);
  return {
    directory: createDynamoPersonDirectory(table.client, TABLE),
    stored: async () =>
      JSON.stringify((await table.client.send(new ScanCommand({ TableName: TABLE }))).Items),
    end: () => table.end(),
  };
});

describe('embedded person directory in write scopes (one ingest invocation each)', () => {
  const databases: EmbeddedDatabase[] = [];
  afterEach(() => {
    for (const database of databases.splice(0)) database.close();
  });
  const fresh = () => {
    const database = openDatabase();
    databases.push(database);
    return { database, directory: createEmbeddedPersonDirectory(database) };
  };

  it('gives ten concurrent invocations, none committed yet, one id for one new person', async () => {
    // Prepare
    const { database, directory } = fresh();

    // Act: every invocation resolves, then waits (publishing, say) before its scope commits.
    const resolutions = await Promise.all(
      Array.from({ length: 10 }, (_, n) =>
        inWriteScope(database, async () => {
          const resolution = await directory.resolve({ email: 'ada@example.com', phone: '+14155550101' }, T0);
          await sleep(10 - n);
          return resolution;
        }),
      ),
    );
    const later = await directory.resolve({ phone: '+14155550101' }, T1);

    // Assess
    expect(new Set(resolutions.map((resolution) => resolution.personId)).size).toBe(1);
    expect(resolutions.filter((resolution) => resolution.created)).toHaveLength(1);
    expect(later).toEqual({ personId: resolutions[0]?.personId, created: false });
  });

  it('stages the claim: nothing is committed until the scope is', async () => {
    // Prepare
    const { database, directory } = fresh();

    // Act
    const inside = await inWriteScope(database, async () => {
      const resolution = await directory.resolve({ email: 'ada@example.com' }, T0);
      return { resolution, rows: database.db.prepare('SELECT COUNT(*) AS n FROM person_keys').get() };
    });
    const after = database.db.prepare('SELECT person_id FROM person_keys').all();

    // Assess
    expect(inside.rows).toEqual({ n: 0 });
    expect(after).toEqual([{ person_id: inside.resolution.personId }]);
  });

  it('keeps nothing of an invocation whose staged writes were dropped (its delivery failed)', async () => {
    // Prepare
    const { database, directory } = fresh();

    // Act
    await inWriteScope(database, async () => {
      await directory.resolve({ email: 'ada@example.com' }, T0);
      takeStaged();
    });

    // Assess
    expect(database.db.prepare('SELECT COUNT(*) AS n FROM persons').get()).toEqual({ n: 0 });
    expect(database.db.prepare('SELECT COUNT(*) AS n FROM person_keys').get()).toEqual({ n: 0 });
  });

  it('makes an id handed out by a scope an alias when another process claimed the key first', async () => {
    // Prepare: two directories over one file, as the host and a CLI replay are.
    const dataDir = mkdtempSync(join(tmpdir(), 'leadpipe-persons-'));
    try {
      const host = openDatabase({ dataDir, durability: 'normal' });
      const cli = openDatabase({ dataDir, durability: 'normal' });
      databases.push(host, cli);
      const hostDirectory = createEmbeddedPersonDirectory(host);
      const cliDirectory = createEmbeddedPersonDirectory(cli);

      // Act
      const [fromHost, fromCli] = await Promise.all([
        inWriteScope(host, async () => {
          const resolution = await hostDirectory.resolve({ email: 'ada@example.com' }, T1);
          await sleep(20);
          return resolution;
        }),
        (async () => {
          await sleep(5);
          return cliDirectory.resolve({ email: 'ada@example.com' }, T0);
        })(),
      ]);
      const forgotten = await cliDirectory.forget({ email: 'ada@example.com' });

      // Assess: the CLI committed first; the host's id resolves to it and is erased with it.
      expect(fromHost.personId).not.toBe(fromCli.personId);
      expect(forgotten.personIds).toEqual([fromHost.personId, fromCli.personId].sort());
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('DynamoDB person directory: a merge that stopped at its commit point', () => {
  it('resolves the loser’s keys, still pointing at it, to the winner, and erases both', async () => {
    // Prepare: A by email, B by phone; then what a merge writes up to its commit point and no further
    // (A adopts B, B is marked aliasOf A), leaving B's key item pointing at B.
    const table = await startTestTable(TABLE);
    try {
      const directory = createDynamoPersonDirectory(table.client, TABLE);
      const a = await directory.resolve({ email: 'ada@example.com' }, T0);
      const b = await directory.resolve({ phone: '+14155550101' }, T1);
      const update = (
        id: string,
        expression: string,
        values: Record<string, { S: string } | { SS: string[] }>,
      ) =>
        table.client.send(
          new UpdateItemCommand({
            TableName: TABLE,
            Key: { id: { S: PERSON_ITEM_PREFIX + id } },
            UpdateExpression: expression,
            ExpressionAttributeValues: values,
          }),
        );
      await update(a.personId, 'ADD aliases :b', { ':b': { SS: [b.personId] } });
      await update(b.personId, 'SET aliasOf = :a', { ':a': { S: a.personId } });

      // Act
      const byPhone = await directory.resolve({ phone: '+14155550101' }, T1);
      const forgotten = await directory.forget({ email: 'ada@example.com' });
      const after = await directory.resolve({ phone: '+14155550101' }, T1);

      // Assess
      expect(byPhone).toEqual({ personId: a.personId, created: false });
      expect(forgotten.personIds).toEqual([a.personId, b.personId].sort());
      expect(after.created).toBe(true);
    } finally {
      await table.end();
    }
  });
});
