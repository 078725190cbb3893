import type {
  CrmEraser,
  DeliveryQueue,
  ErasedRecord,
  LeadLedger,
  PersonDirectory,
  PersonKeys,
  QuarantineStore,
  TombstoneStore,
} from '../ports.ts';
import { tombstoneHashes } from './tombstones.ts';

/** Where a person's data is, on one host: every store the erasure visits. */
export interface ErasureTargets {
  tombstones: TombstoneStore;
  ledger: LeadLedger;
  quarantine: QuarantineStore;
  /** One per destination. */
  queues: readonly DeliveryQueue[];
  /** The person directory, when the host keeps one. */
  persons?: PersonDirectory;
  /** One per CRM destination, by destination name. */
  crms: ReadonlyMap<string, CrmEraser>;
  /** How phones in quarantined bodies are read (settings.phoneRegion). */
  phoneRegion: string;
  now?: () => Date;
}

/** What one step did, in numbers a script can read; `error` when it failed. */
export type ErasureStep =
  | { system: 'tombstone'; ok: true; hashes: number }
  | { system: 'ledger'; ok: true; leads: number; events: number }
  | { system: 'quarantine'; ok: true; removed: number }
  | { system: 'queue'; destination: string; ok: true; queued: number; deadLetters: number }
  | { system: 'persons'; ok: true; forgotten: number }
  | { system: 'crm'; destination: string; ok: true; method: string; deleted: ErasedRecord[] }
  | {
      system: 'tombstone' | 'ledger' | 'quarantine' | 'queue' | 'persons' | 'crm';
      destination?: string;
      ok: false;
      error: string;
    };

export interface ErasureReport {
  /** ISO 8601: the tombstones' time; leads received at or before it are never delivered again. */
  erasedAt: string;
  ok: boolean;
  steps: ErasureStep[];
}

/** Record ids the ledger's attempts give, per destination: looked at this many of the person's newest leads. */
const LEDGER_LOOKUP_LEADS = 200;

/**
 * Erases one person (keys already normalised) everywhere the host keeps them, each step on its
 * own, so one that fails is reported and the others still run. The order matters: the tombstone
 * first, so that a delivery in flight meanwhile is dropped; then the CRM record ids are read from
 * the ledger (a phone-only contact is found only there), the CRMs asked to delete, and only then
 * the ledger, quarantine, queues and person directory emptied.
 */
export async function erasePerson(keys: PersonKeys, targets: ErasureTargets): Promise<ErasureReport> {
  const erasedAt = (targets.now?.() ?? new Date()).toISOString();
  const steps: ErasureStep[] = [];
  const run = async (
    failed: Omit<Extract<ErasureStep, { ok: false }>, 'ok' | 'error'>,
    work: () => Promise<ErasureStep>,
  ) => {
    try {
      steps.push(await work());
    } catch (error) {
      steps.push({ ...failed, ok: false, error: describe(error) });
    }
  };

  const hashes = tombstoneHashes(keys);
  await run({ system: 'tombstone' }, async () => {
    await targets.tombstones.add(hashes, erasedAt);
    return { system: 'tombstone', ok: true, hashes: hashes.length };
  });

  let recordIds = new Map<string, string[]>();
  let ledgerUnread: string | undefined;
  try {
    recordIds = await crmRecordIds(targets.ledger, keys);
  } catch (error) {
    ledgerUnread = describe(error);
  }
  for (const [destination, eraser] of targets.crms) {
    await run({ system: 'crm', destination }, async () => ({
      system: 'crm',
      destination,
      ok: true,
      method: eraser.method,
      deleted: await eraser.erase(keys, recordIds.get(destination) ?? []),
    }));
  }

  await run({ system: 'ledger' }, async () => {
    // The CRM ids could not be read: the ledger is kept, so that erasing again finds them.
    if (ledgerUnread !== undefined) throw new Error(`could not read the ledger first: ${ledgerUnread}`);
    return { system: 'ledger', ok: true, ...(await targets.ledger.erase(keys)) };
  });
  await run({ system: 'quarantine' }, async () => ({
    system: 'quarantine',
    ok: true,
    removed: await targets.quarantine.erase(keys, targets.phoneRegion),
  }));
  for (const queue of targets.queues) {
    await run({ system: 'queue', destination: queue.destination }, async () => ({
      system: 'queue',
      destination: queue.destination,
      ok: true,
      ...(await queue.erase(keys)),
    }));
  }
  const persons = targets.persons;
  if (persons) {
    await run({ system: 'persons' }, async () => ({
      system: 'persons',
      ok: true,
      forgotten: (await persons.forget(keys)).personIds.length,
    }));
  }
  return { erasedAt, ok: steps.every((step) => step.ok), steps };
}

/** The CRM record ids the ledger's delivered attempts recorded for the person's leads, per destination. */
export async function crmRecordIds(ledger: LeadLedger, keys: PersonKeys): Promise<Map<string, string[]>> {
  const leadIds = new Set<string>();
  for (const criterion of [{ email: keys.email }, { phone: keys.phone }]) {
    const value = criterion.email ?? criterion.phone;
    if (value === undefined) continue;
    const page = await ledger.search({ ...criterion, limit: LEDGER_LOOKUP_LEADS });
    for (const lead of page.leads) leadIds.add(lead.leadId);
  }
  const ids = new Map<string, Set<string>>();
  for (const leadId of leadIds) {
    const timeline = await ledger.timeline(leadId);
    for (const event of timeline?.events ?? []) {
      if (event.kind !== 'attempt' || event.outcome !== 'delivered' || !event.recordId) continue;
      const set = ids.get(event.destination) ?? new Set<string>();
      set.add(event.recordId);
      ids.set(event.destination, set);
    }
  }
  return new Map([...ids].map(([destination, set]) => [destination, [...set]]));
}

/** An error as one line for the report: its name and message (adapters keep PII out of both). */
function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`.replace(/\s+/g, ' ').slice(0, 500);
  return String(error).slice(0, 500);
}
