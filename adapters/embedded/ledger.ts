import { LedgerQueryError, normaliseQuery } from '../../functions/ledger/search-terms.ts';
import { inTimelineOrder, summariseLead } from '../../functions/ledger/status.ts';
import { ledgerEventKey, ledgerTime, recentLimit, retentionHorizon } from '../../functions/ledger/time.ts';
import { normaliseEmail } from '../../functions/mapping/normalise.ts';
import {
  LEDGER_KEEP_DAYS,
  type LeadLedger,
  type LedgerLead,
  type LedgerPage,
  type LedgerQuery,
  type LedgerTimeline,
} from '../../functions/ports.ts';
import type { LedgerEvent, LedgerReceived } from '../../schemas/generated/ledger-event.ts';
import type { EmbeddedDatabase } from './database.ts';
import { write } from './write-scope.ts';

/** Leads and events removed per transaction, so a large sweep never holds the write lock for long. */
const REMOVE_CHUNK = 5000;

export interface EmbeddedLedgerOptions {
  /** Days a lead's timeline is readable (settings.ledger.retentionDays); `removeExpiredLedger` deletes older rows. @default LEDGER_KEEP_DAYS */
  retentionDays?: number;
  /** Epoch ms. @default Date.now */
  now?: () => number;
}

/**
 * The lead ledger in the embedded database: tables `ledger_leads` (one row per `received` event,
 * indexed by every search key and receivedAt) and `ledger_events`. An append inside an ingest
 * invocation is staged and commits with its idempotency record (write-scope.ts). Reads skip what
 * is older than the retention; `removeExpiredLedger` deletes it.
 */
export function createEmbeddedLedger(
  database: EmbeddedDatabase,
  options: EmbeddedLedgerOptions = {},
): LeadLedger {
  const retentionDays = options.retentionDays ?? LEDGER_KEEP_DAYS;
  const now = options.now ?? Date.now;
  const horizon = () => retentionHorizon(now(), retentionDays);
  return {
    async append(events) {
      appendLedgerEvents(database, events);
    },
    async timeline(leadId) {
      return readTimeline(database, leadId, horizon());
    },
    async search(query) {
      return searchLedger(database, query, horizon());
    },
    async recent({ since, limit }) {
      return readRecent(database, since, limit, horizon());
    },
    async erase(match) {
      return eraseFromLedger(database, match);
    },
  };
}

/**
 * Erasure: deletes the leads whose `received` contact has the email or phone (whatever their
 * age: an expired row is personal data too) and every event of theirs, in one transaction.
 */
export function eraseFromLedger(
  database: EmbeddedDatabase,
  match: { email?: string; phone?: string },
): { leads: number; events: number } {
  if (match.email === undefined && match.phone === undefined) return { leads: 0, events: 0 };
  return database.transaction(() => {
    const rows = database
      .statement('SELECT lead_id FROM ledger_leads WHERE email = ? OR phone = ?')
      .all(match.email ?? null, match.phone ?? null) as unknown as { lead_id: string }[];
    return deleteLeads(
      database,
      rows.map((row) => row.lead_id),
    );
  });
}

/** Deletes these leads and every event of theirs; in the caller's transaction. */
function deleteLeads(
  database: EmbeddedDatabase,
  leadIds: readonly string[],
): { leads: number; events: number } {
  const ids = JSON.stringify(leadIds);
  const events = database
    .statement('DELETE FROM ledger_events WHERE lead_id IN (SELECT value FROM json_each(?))')
    .run(ids).changes;
  const leads = database
    .statement('DELETE FROM ledger_leads WHERE lead_id IN (SELECT value FROM json_each(?))')
    .run(ids).changes;
  return { leads: Number(leads), events: Number(events) };
}

interface EventRow {
  key: string;
  leadId: string;
  at: string;
  kind: string;
  body: string;
  lead?: {
    source: string;
    correlationId: string;
    email: string | null;
    phone: string | null;
  };
}

function toRow(event: LedgerEvent): EventRow {
  const row: EventRow = {
    key: ledgerEventKey(event),
    leadId: event.leadId,
    at: ledgerTime(event.at),
    kind: event.kind,
    body: JSON.stringify(event),
  };
  if (event.kind === 'received') {
    const email = event.contact?.email;
    row.lead = {
      source: event.source,
      correlationId: event.correlationId,
      email: email === undefined ? null : (normaliseEmail(email) ?? email),
      phone: event.contact?.phone ?? null,
    };
  }
  return row;
}

/**
 * Writes events (an event already there is replaced by its repeat, so it is kept once) and a
 * `ledger_leads` row per `received` event. Joins the current write scope when one is open.
 */
export function appendLedgerEvents(database: EmbeddedDatabase, events: readonly LedgerEvent[]): void {
  if (events.length === 0) return;
  // Serialised now: a staged write must commit what was appended, not what the objects became.
  const rows = events.map(toRow);
  write(database, () => {
    const upsertEvent = database.statement(
      `INSERT INTO ledger_events (event_key, lead_id, at, kind, body) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (event_key) DO UPDATE SET body = excluded.body`,
    );
    const upsertLead = database.statement(
      `INSERT INTO ledger_leads (lead_id, source, received_at, correlation_id, email, phone, received)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (lead_id) DO UPDATE SET source = excluded.source, received_at = excluded.received_at,
         correlation_id = excluded.correlation_id, email = excluded.email, phone = excluded.phone,
         received = excluded.received`,
    );
    for (const row of rows) {
      upsertEvent.run(row.key, row.leadId, row.at, row.kind, row.body);
      if (row.lead) {
        const { source, correlationId, email, phone } = row.lead;
        upsertLead.run(row.leadId, source, row.at, correlationId, email, phone, row.body);
      }
    }
  });
}

/** The lead and its whole timeline; undefined when there is no `received` event for it within the retention. */
export function readTimeline(
  database: EmbeddedDatabase,
  leadId: string,
  horizon: string,
): LedgerTimeline | undefined {
  const row = database
    .statement('SELECT received FROM ledger_leads WHERE lead_id = ? AND received_at >= ?')
    .get(leadId, horizon) as { received: string } | undefined;
  if (!row) return undefined;
  const events = eventsOf(database, leadId, horizon);
  return {
    lead: summariseLead(JSON.parse(row.received) as LedgerReceived, events),
    events: inTimelineOrder(events),
  };
}

function eventsOf(database: EmbeddedDatabase, leadId: string, horizon: string): LedgerEvent[] {
  const rows = database
    .statement('SELECT body FROM ledger_events WHERE lead_id = ? AND event_key >= ? ORDER BY event_key')
    .all(leadId, horizon) as unknown as { body: string }[];
  return rows.map((row) => JSON.parse(row.body) as LedgerEvent);
}

/** The columns a criterion compares, in the order they are written into the query. */
const CRITERIA = [
  ['leadId', 'lead_id'],
  ['email', 'email'],
  ['phone', 'phone'],
  ['correlationId', 'correlation_id'],
  ['source', 'source'],
] as const;

/**
 * One page of leads, newest received first; every criterion given must hold. The cursor (the
 * last lead's receivedAt and id) continues the index range, so pages never repeat or skip a
 * lead, even among leads received at one instant.
 */
export function searchLedger(database: EmbeddedDatabase, query: LedgerQuery, horizon: string): LedgerPage {
  const q = normaliseQuery(query);
  const limit = q.limit ?? 0;
  const { sql, params } = searchStatement(q, horizon, limit + 1);
  const rows = database.statement(sql).all(...params) as unknown as {
    lead_id: string;
    received_at: string;
    received: string;
  }[];
  const page = rows.slice(0, limit);
  const leads: LedgerLead[] = page.map((row) =>
    summariseLead(JSON.parse(row.received) as LedgerReceived, eventsOf(database, row.lead_id, horizon)),
  );
  const last = page.at(-1);
  return rows.length > limit && last
    ? { leads, next: encodeCursor(last.received_at, last.lead_id) }
    : { leads };
}

/**
 * The SELECT a normalised query runs: one equality per criterion, the receivedAt range (never
 * before `horizon`) and the cursor as a row-value bound, so SQLite walks one index (that of the
 * most selective key, or receivedAt's) backwards and stops after `rows`.
 */
export function searchStatement(
  q: LedgerQuery,
  horizon: string,
  rows: number,
): { sql: string; params: (string | number)[] } {
  const where: string[] = [];
  const params: (string | number)[] = [];
  for (const [field, column] of CRITERIA) {
    const value = q[field];
    if (value === undefined) continue;
    where.push(`${column} = ?`);
    params.push(value);
  }
  where.push('received_at >= ?');
  params.push(q.since !== undefined && q.since > horizon ? q.since : horizon);
  if (q.until !== undefined) {
    where.push('received_at < ?');
    params.push(q.until);
  }
  if (q.cursor !== undefined) {
    const after = decodeCursor(q.cursor);
    where.push('(received_at, lead_id) < (?, ?)');
    params.push(after.receivedAt, after.leadId);
  }
  params.push(rows);
  return {
    sql: `SELECT lead_id, received_at, received FROM ledger_leads WHERE ${where.join(' AND ')}
       ORDER BY received_at DESC, lead_id DESC LIMIT ?`,
    params,
  };
}

function encodeCursor(receivedAt: string, leadId: string): string {
  return Buffer.from(`${receivedAt}|${leadId}`, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): { receivedAt: string; leadId: string } {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const bar = text.indexOf('|');
  const receivedAt = text.slice(0, bar);
  const leadId = text.slice(bar + 1);
  if (bar < 0 || leadId === '' || Number.isNaN(Date.parse(receivedAt))) {
    throw new LedgerQueryError(
      'The cursor is not one this ledger gave out: start the search again without it.',
    );
  }
  return { receivedAt, leadId };
}

/** Events of every lead at or after `since`, oldest first, at most `limit` (bounded by RECENT_MAX). */
export function readRecent(
  database: EmbeddedDatabase,
  since: string,
  limit: number | undefined,
  horizon: string,
): LedgerEvent[] {
  const from = ledgerTime(since);
  const rows = database
    .statement('SELECT body FROM ledger_events WHERE event_key >= ? ORDER BY event_key LIMIT ?')
    .all(from > horizon ? from : horizon, recentLimit(limit)) as unknown as { body: string }[];
  return inTimelineOrder(rows.map((row) => JSON.parse(row.body) as LedgerEvent));
}

/**
 * Deletes what the retention no longer keeps: leads received more than `retentionDays` ago with
 * all their events, and any event older than that (DynamoDB's TTL does this on AWS). The host
 * runs it at start and hourly. Returns how many leads and events went.
 */
export function removeExpiredLedger(
  database: EmbeddedDatabase,
  retentionDays: number = LEDGER_KEEP_DAYS,
  now: number = Date.now(),
): { leads: number; events: number } {
  const cutoff = retentionHorizon(now, retentionDays);
  const removed = { leads: 0, events: 0 };
  for (;;) {
    const pass = database.transaction(() => {
      const expired = database
        .statement('SELECT lead_id FROM ledger_leads WHERE received_at < ? ORDER BY received_at LIMIT ?')
        .all(cutoff, REMOVE_CHUNK) as unknown as { lead_id: string }[];
      const { leads, events: theirEvents } = deleteLeads(
        database,
        expired.map((row) => row.lead_id),
      );
      const olderEvents = database
        .statement(
          'DELETE FROM ledger_events WHERE event_key IN (SELECT event_key FROM ledger_events WHERE event_key < ? ORDER BY event_key LIMIT ?)',
        )
        .run(cutoff, REMOVE_CHUNK).changes;
      return { leads, theirEvents, olderEvents: Number(olderEvents) };
    });
    removed.leads += pass.leads;
    removed.events += pass.theirEvents + pass.olderEvents;
    if (pass.leads < REMOVE_CHUNK && pass.olderEvents < REMOVE_CHUNK) return removed;
  }
}
