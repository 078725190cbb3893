import { DatabaseSync } from 'node:sqlite';

/** The tables of the embedded database that ingest writes to (adapters/embedded/database.ts). */
export const STORED_TABLES = ['idempotency', 'quarantine', 'shapes'] as const;

export type StoredRows = Record<(typeof STORED_TABLES)[number], number>;

/** Reads a local host's SQLite file through a read-only connection of its own, as another process would. */
export interface StoredRowCounter {
  /** Rows in each of STORED_TABLES now. */
  count(): StoredRows;
  close(): void;
}

/** A row counter over `database`, the file a host started with a `dataDir` reports (LocalHost.database). */
export function openStoredRowCounter(database: string): StoredRowCounter {
  if (database === ':memory:') {
    throw new Error('An in-memory host has no database file to read: start it with a dataDir');
  }
  const db = new DatabaseSync(database, { readOnly: true });
  const counts = STORED_TABLES.map(
    (table) => [table, db.prepare(`SELECT COUNT(*) AS rows FROM ${table}`)] as const,
  );
  return {
    count: () =>
      Object.fromEntries(
        counts.map(([table, statement]) => [table, (statement.get() as { rows: number }).rows]),
      ) as StoredRows,
    close: () => db.close(),
  };
}
