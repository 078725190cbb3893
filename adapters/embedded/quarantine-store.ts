import { payloadMatches } from '../../functions/erasure/match.ts';
import {
  QUARANTINE_KEEP_SECONDS,
  type QuarantinedPayload,
  type QuarantineStore,
} from '../../functions/ports.ts';
import type { EmbeddedDatabase } from './database.ts';
import { write } from './write-scope.ts';

/**
 * The quarantine in the embedded database. A put inside an ingest invocation is staged and
 * committed with the delivery's idempotency record (write-scope.ts); expired entries are
 * skipped by reads and removed by `removeExpiredQuarantine`.
 */
export function createEmbeddedQuarantineStore(
  database: EmbeddedDatabase,
  now: () => number = Date.now,
): QuarantineStore {
  const nowSeconds = () => Math.floor(now() / 1000);
  return {
    async put(entry) {
      const expiresAt = nowSeconds() + QUARANTINE_KEEP_SECONDS;
      write(database, () => {
        database
          .statement(
            `INSERT INTO quarantine (lead_id, received_at, expires_at, entry) VALUES (?, ?, ?, ?)
           ON CONFLICT (lead_id) DO UPDATE SET received_at = excluded.received_at,
             expires_at = excluded.expires_at, entry = excluded.entry`,
          )
          .run(entry.leadId, entry.receivedAt, expiresAt, JSON.stringify(entry));
      });
    },
    async get(leadId) {
      const row = database
        .statement('SELECT entry FROM quarantine WHERE lead_id = ? AND expires_at >= ?')
        .get(leadId, nowSeconds()) as { entry: string } | undefined;
      return row ? (JSON.parse(row.entry) as QuarantinedPayload) : undefined;
    },
    async list() {
      const rows = database
        .statement('SELECT entry FROM quarantine WHERE expires_at >= ? ORDER BY received_at, lead_id')
        .all(nowSeconds()) as { entry: string }[];
      return rows.map((row) => JSON.parse(row.entry) as QuarantinedPayload);
    },
    async remove(leadId) {
      write(database, () => {
        database.statement('DELETE FROM quarantine WHERE lead_id = ?').run(leadId);
      });
    },
    async erase(match, phoneRegion) {
      // Expired entries too: they are still on disk until the sweep.
      return database.transaction(() => {
        const rows = database.statement('SELECT lead_id, entry FROM quarantine').all() as {
          lead_id: string;
          entry: string;
        }[];
        const remove = database.statement('DELETE FROM quarantine WHERE lead_id = ?');
        let removed = 0;
        for (const row of rows) {
          if (!payloadMatches(JSON.parse(row.entry) as QuarantinedPayload, match, phoneRegion)) continue;
          removed += Number(remove.run(row.lead_id).changes);
        }
        return removed;
      });
    },
  };
}

/** Removes quarantined payloads past their 30 days (DynamoDB's TTL does this on AWS). */
export function removeExpiredQuarantine(database: EmbeddedDatabase, now = Date.now()): number {
  return Number(
    database.transaction(() =>
      database.statement('DELETE FROM quarantine WHERE expires_at < ?').run(Math.floor(now / 1000)),
    ).changes,
  );
}
