import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../../adapters/embedded/database.ts';
import { createEmbeddedLedger } from '../../../../adapters/embedded/ledger.ts';
import { createEmbeddedQuarantineStore } from '../../../../adapters/embedded/quarantine-store.ts';
import { createEmbeddedQueues } from '../../../../adapters/embedded/queues.ts';
import { createEmbeddedTombstones } from '../../../../adapters/embedded/tombstones.ts';
import { type ErasureTargets, erasePerson } from '../../../../functions/erasure/erase.ts';
import type { CrmEraser, LeadLedger, PersonDirectory, PersonKeys } from '../../../../functions/ports.ts';
import { deliveredLife, ledgerLeadId } from '../../../support/ledger-events.ts';

const KEYS: PersonKeys = { email: `${ledgerLeadId(1)}@example.com` };
const AT = new Date('2026-04-01T10:00:00.000Z');

async function targets(overrides: Partial<ErasureTargets> = {}) {
  const database = openDatabase();
  const ledger = createEmbeddedLedger(database, { now: () => AT.getTime() });
  await ledger.append(deliveredLife(ledgerLeadId(1), '2026-03-30T09:00:00.000Z'));
  const queues = createEmbeddedQueues(database);
  queues.ensure('hubspot', { maxReceiveCount: 5 });
  const calls: { keys: PersonKeys; ids: readonly string[] }[] = [];
  const hubspot: CrmEraser = {
    method: 'GDPR delete',
    erase: async (keys, ids) => {
      calls.push({ keys, ids });
      return [];
    },
  };
  const forgotten: PersonKeys[] = [];
  const persons: PersonDirectory = {
    resolve: async () => ({ personId: 'person_x', created: true }),
    forget: async (keys) => {
      forgotten.push(keys);
      return { personIds: ['person_x'] };
    },
  };
  const all: ErasureTargets = {
    tombstones: createEmbeddedTombstones(database),
    ledger,
    quarantine: createEmbeddedQuarantineStore(database),
    queues: [queues.deliveryQueue('hubspot')],
    persons,
    crms: new Map([['hubspot', hubspot]]),
    phoneRegion: 'US',
    now: () => AT,
    ...overrides,
  };
  return { all, ledger, calls, forgotten };
}

describe('erasePerson', () => {
  it('runs every step when the tombstone cannot be written, and says the erasure failed', async () => {
    // Prepare
    const { all, ledger } = await targets();
    const failing = {
      ...all,
      tombstones: {
        add: async () => Promise.reject(new Error('disk I/O error')),
        has: async () => undefined,
      },
    };

    // Act
    const report = await erasePerson(KEYS, failing);

    // Assess
    expect(report.ok).toBe(false);
    expect(report.steps[0]).toEqual({ system: 'tombstone', ok: false, error: 'Error: disk I/O error' });
    expect(report.steps.filter((step) => step.ok).map((step) => step.system)).toEqual([
      'crm',
      'ledger',
      'quarantine',
      'queue',
      'persons',
    ]);
    expect(await ledger.timeline(ledgerLeadId(1))).toBeUndefined();
  });

  it('keeps the ledger when it cannot read the CRM ids from it first, so that erasing again finds them', async () => {
    // Prepare
    const { all, ledger, calls } = await targets();
    const unreadable: LeadLedger = {
      ...ledger,
      search: async () => Promise.reject(new Error('database is locked')),
    };

    // Act
    const report = await erasePerson(KEYS, { ...all, ledger: unreadable });

    // Assess
    expect(calls).toEqual([{ keys: KEYS, ids: [] }]);
    expect(report.steps).toContainEqual({
      system: 'ledger',
      ok: false,
      error: 'Error: could not read the ledger first: Error: database is locked',
    });
    expect(await ledger.timeline(ledgerLeadId(1))).toBeDefined();
  });

  it('forgets the person in the directory with the same keys', async () => {
    // Prepare
    const { all, forgotten } = await targets();

    // Act
    const report = await erasePerson(KEYS, all);

    // Assess
    expect(forgotten).toEqual([KEYS]);
    expect(report.steps).toContainEqual({ system: 'persons', ok: true, forgotten: 1 });
    expect(report).toMatchObject({ ok: true, erasedAt: AT.toISOString() });
  });
});
