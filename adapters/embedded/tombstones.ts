import type { TombstoneStore } from '../../functions/ports.ts';
import type { EmbeddedDatabase } from './database.ts';
import { write } from './write-scope.ts';

/** The table is this adapter's own: created here, so the rest of the schema need not know it. */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS tombstones (
  key_hash TEXT PRIMARY KEY,          -- SHA-256 of email:<normalised> / phone:<E.164>: never the value
  erased_at TEXT NOT NULL             -- ISO 8601
) STRICT;
`;

/** Erasure tombstones in the embedded database (table `tombstones`), kept forever. */
export function createEmbeddedTombstones(database: EmbeddedDatabase): TombstoneStore {
  database.db.exec(SCHEMA);
  return {
    async add(hashes, erasedAt) {
      write(database, () => {
        const upsert = database.statement(
          `INSERT INTO tombstones (key_hash, erased_at) VALUES (?, ?)
           ON CONFLICT (key_hash) DO UPDATE SET erased_at = MAX(erased_at, excluded.erased_at)`,
        );
        for (const hash of hashes) upsert.run(hash, erasedAt);
      });
    },
    async has(hash) {
      const row = database.statement('SELECT erased_at FROM tombstones WHERE key_hash = ?').get(hash) as
        | { erased_at: string }
        | undefined;
      return row?.erased_at;
    },
  };
}
