import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type EmbeddedDatabase, openDatabase } from '../../../../adapters/embedded/database.ts';
import {
  appendLedgerEvents,
  createEmbeddedLedger,
  removeExpiredLedger,
  searchStatement,
} from '../../../../adapters/embedded/ledger.ts';
import { normaliseQuery } from '../../../../functions/ledger/search-terms.ts';
import { ledgerEventKey, ledgerTime, retentionHorizon } from '../../../../functions/ledger/time.ts';
import type { LedgerQuery } from '../../../../functions/ports.ts';
import type { LedgerEvent } from '../../../../schemas/generated/ledger-event.ts';
import { deliveredLife, ledgerEvent, ledgerLeadId } from '../../../support/ledger-events.ts';

const NOW = Date.parse('2026-03-31T12:00:00.000Z');
const DAY_MS = 24 * 3600 * 1000;
const daysBefore = (days: number) => new Date(NOW - days * DAY_MS).toISOString();

let database: EmbeddedDatabase;
beforeEach(() => {
  database = openDatabase();
});
afterEach(() => {
  database.close();
});

const rows = (table: 'ledger_leads' | 'ledger_events') =>
  (database.statement(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
const leadIds = () =>
  (
    database.statement('SELECT lead_id FROM ledger_leads ORDER BY lead_id').all() as { lead_id: string }[]
  ).map((row) => row.lead_id);

describe('removeExpiredLedger', () => {
  it('removes leads received before the retention with every event of theirs, and keeps the rest', async () => {
    // Prepare: lead 1 is 31 days old but was still retried 2 days ago; lead 2 is 29 days old.
    const expired = [
      ...deliveredLife(ledgerLeadId(1), daysBefore(31)),
      ledgerEvent.attempt(ledgerLeadId(1), daysBefore(2), 'hubspot', 9, 'retry'),
    ];
    const kept = deliveredLife(ledgerLeadId(2), daysBefore(29));
    appendLedgerEvents(database, [...expired, ...kept]);

    // Act
    const removed = removeExpiredLedger(database, 30, NOW);

    // Assess
    expect(removed).toEqual({ leads: 1, events: expired.length });
    expect(leadIds()).toEqual([ledgerLeadId(2)]);
    expect(rows('ledger_events')).toBe(kept.length);
    const timeline = await createEmbeddedLedger(database, { now: () => NOW }).timeline(ledgerLeadId(2));
    expect(timeline?.events).toHaveLength(kept.length);
  });

  it.each([
    ['30 days by default', undefined, 31, 29],
    ['the days it is given', 7, 8, 6],
  ])('keeps %s', (_, retentionDays, expiredDays, keptDays) => {
    // Prepare
    appendLedgerEvents(database, [
      ledgerEvent.received(ledgerLeadId(1), daysBefore(expiredDays)),
      ledgerEvent.received(ledgerLeadId(2), daysBefore(keptDays)),
    ]);

    // Act
    const removed = removeExpiredLedger(database, retentionDays, NOW);

    // Assess
    expect(removed).toEqual({ leads: 1, events: 1 });
    expect(leadIds()).toEqual([ledgerLeadId(2)]);
  });

  it('removes old events of a lead it holds no received event for, and keeps its new ones', () => {
    // Prepare: events may come before their lead's received event; only old ones go.
    appendLedgerEvents(database, [
      ledgerEvent.attempt(ledgerLeadId(1), daysBefore(40), 'hubspot', 1, 'retry'),
      ledgerEvent.attempt(ledgerLeadId(1), daysBefore(1), 'hubspot', 2, 'retry'),
    ]);

    // Act
    const removed = removeExpiredLedger(database, 30, NOW);

    // Assess
    expect(removed).toEqual({ leads: 0, events: 1 });
    expect(rows('ledger_events')).toBe(1);
  });

  it('removes a backlog larger than one transaction takes, and nothing on the next run', () => {
    // Prepare: 12,000 expired leads (the sweep deletes 5,000 a transaction) and one kept.
    appendLedgerEvents(database, [
      ...Array.from({ length: 12_000 }, (_, i) =>
        ledgerEvent.received(ledgerLeadId(i + 10), new Date(NOW - 40 * DAY_MS + i * 1000).toISOString()),
      ),
      ledgerEvent.received(ledgerLeadId(1), daysBefore(1)),
    ]);

    // Act
    const first = removeExpiredLedger(database, 30, NOW);
    const second = removeExpiredLedger(database, 30, NOW);

    // Assess
    expect(first).toEqual({ leads: 12_000, events: 12_000 });
    expect(second).toEqual({ leads: 0, events: 0 });
    expect(leadIds()).toEqual([ledgerLeadId(1)]);
    expect(rows('ledger_events')).toBe(1);
  });
});

describe('searchStatement', () => {
  const horizon = retentionHorizon(NOW, 30);
  const cursorOf = (receivedAt: string, leadId: string) =>
    Buffer.from(`${receivedAt}|${leadId}`, 'utf8').toString('base64url');

  it.each<[string, LedgerQuery, string]>([
    ['no criteria', {}, 'ledger_leads_received'],
    ['an email', { email: 'a@example.com' }, 'ledger_leads_email'],
    ['a phone', { phone: '+14155550101' }, 'ledger_leads_phone'],
    ['a correlation id', { correlationId: 'c-1' }, 'ledger_leads_correlation'],
    ['a source', { source: 'typeform' }, 'ledger_leads_source'],
    ['a lead id', { leadId: ledgerLeadId(1) }, 'sqlite_autoindex_ledger_leads_1'],
    ['since and until', { since: daysBefore(3), until: daysBefore(1) }, 'ledger_leads_received'],
    [
      'a source, until and a cursor',
      { source: 'typeform', until: daysBefore(1), cursor: cursorOf(daysBefore(2), ledgerLeadId(5)) },
      'ledger_leads_source',
    ],
    ['an email and a source', { email: 'a@example.com', source: 'typeform' }, 'ledger_leads_email'],
  ])('searches by %s on an index, in its order, without sorting', (_, query, index) => {
    // Prepare
    const { sql, params } = searchStatement(normaliseQuery(query), horizon, 51);

    // Act
    const plan = (
      database.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]
    ).map((step) => step.detail);

    // Assess
    expect(plan).toHaveLength(1);
    expect(plan[0]).toMatch(new RegExp(`^SEARCH ledger_leads USING (COVERING )?INDEX ${index} `));
  });

  it('never reaches back past the retention, even when since does', () => {
    // Act
    const { params } = searchStatement(normaliseQuery({ since: daysBefore(60) }), horizon, 51);

    // Assess
    expect(params).toEqual([horizon, 51]);
  });
});

describe('event identity', () => {
  it('is the same for one instant written in two ways, and differs by destination and attempt', () => {
    // Prepare
    const lead = ledgerLeadId(1);
    const utc = ledgerEvent.attempt(lead, '2026-03-20T09:00:00Z', 'hubspot', 1, 'retry');
    const offset = ledgerEvent.attempt(lead, '2026-03-20T10:00:00.000+01:00', 'hubspot', 1, 'retry');
    const others: LedgerEvent[] = [
      ledgerEvent.attempt(lead, '2026-03-20T09:00:00Z', 'slack', 1, 'retry'),
      ledgerEvent.attempt(lead, '2026-03-20T09:00:00Z', 'hubspot', 2, 'retry'),
      ledgerEvent.deadLettered(lead, '2026-03-20T09:00:00Z', 'hubspot'),
    ];

    // Act
    const key = ledgerEventKey(utc);
    const keys = new Set([key, ledgerEventKey(offset), ...others.map(ledgerEventKey)]);

    // Assess
    expect(key).toBe(`2026-03-20T09:00:00.000Z#${lead}#attempt#hubspot#1`);
    expect(keys.size).toBe(1 + others.length);
  });

  it('refuses a time that is not one, naming it', () => {
    expect(() => ledgerTime('next tuesday')).toThrow(/"next tuesday"/);
  });
});
