import { personKeyHashes, personKeysOf } from '../persons/keys.ts';
import type { PersonKeys, TombstoneStore } from '../ports.ts';

/**
 * The tombstones of a person's keys: the person directory's own key hashes (SHA-256 of
 * `email:<normalised>` / `phone:<E.164>`, functions/persons/keys.ts), so one hash names one key
 * everywhere and no tombstone holds the value.
 */
export function tombstoneHashes(keys: PersonKeys): string[] {
  return personKeyHashes(keys).map((key) => key.hash);
}

/**
 * When the person of this lead was erased, if that was at or after the lead was received: the
 * lead was sent under a consent that the erasure withdrew, so it must never reach a CRM again.
 * A lead received after the erasure is a new submission, a new consent: undefined, it goes on.
 */
export async function erasedBefore(
  tombstones: TombstoneStore,
  lead: { email?: string; phone?: string; receivedAt: string },
): Promise<string | undefined> {
  const keys = personKeysOf(lead);
  if (!keys) return undefined;
  const received = Date.parse(lead.receivedAt);
  const found = await Promise.all(tombstoneHashes(keys).map((hash) => tombstones.has(hash)));
  let latest: string | undefined;
  for (const erasedAt of found) {
    if (erasedAt === undefined) continue;
    // An unreadable receivedAt cannot prove the lead is newer: treat it as older.
    if (!(received > Date.parse(erasedAt)) && (latest === undefined || erasedAt > latest)) latest = erasedAt;
  }
  return latest;
}

/** The sentence a refused replay or redrive gives: no personal data, only the lead id and the time. */
export function erasedMessage(leadId: string, erasedAt: string): string {
  return `${leadId} belongs to a person erased at ${erasedAt} (leadpipe erase): it is never delivered again; a new submission from them is a new lead`;
}
