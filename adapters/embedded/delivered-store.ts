import { DELIVERED_KEEP_SECONDS, type DeliveredRef, type DeliveredStore } from '../../functions/ports.ts';
import type { EmbeddedDatabase } from './database.ts';

/** What each destination already received, in the embedded database (table `delivered`). */
export function createEmbeddedDeliveredStore(
  database: EmbeddedDatabase,
  now: () => number = Date.now,
): DeliveredStore {
  const nowSeconds = () => Math.floor(now() / 1000);
  return {
    async find(destination, leadIds) {
      const found = new Map<string, DeliveredRef | undefined>();
      const select = database.statement(
        'SELECT ref FROM delivered WHERE destination = ? AND lead_id = ? AND expires_at >= ?',
      );
      for (const leadId of leadIds) {
        const row = select.get(destination, leadId, nowSeconds()) as { ref: string | null } | undefined;
        if (row) found.set(leadId, row.ref === null ? undefined : (JSON.parse(row.ref) as DeliveredRef));
      }
      return found;
    },
    async record(destination, delivered) {
      if (delivered.length === 0) return;
      const expiresAt = nowSeconds() + DELIVERED_KEEP_SECONDS;
      // Durable at once: the message is already in front of people.
      database.transaction(() => {
        const upsert = database.statement(
          `INSERT INTO delivered (destination, lead_id, ref, expires_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (destination, lead_id) DO UPDATE SET ref = excluded.ref, expires_at = excluded.expires_at`,
        );
        for (const { leadId, ref } of delivered) {
          upsert.run(destination, leadId, ref ? JSON.stringify(ref) : null, expiresAt);
        }
      });
    },
  };
}

/** Removes deliveries past their keep time (DynamoDB's TTL does this on AWS). */
export function removeExpiredDeliveries(database: EmbeddedDatabase, now = Date.now()): number {
  return Number(
    database.transaction(() =>
      database.statement('DELETE FROM delivered WHERE expires_at < ?').run(Math.floor(now / 1000)),
    ).changes,
  );
}
