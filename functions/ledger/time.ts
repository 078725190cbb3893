import type { LedgerEvent } from '../../schemas/generated/ledger-event.ts';

/** `recent` hands out this many events unless asked for fewer, and never more than RECENT_MAX. */
export const RECENT_DEFAULT = 1000;
export const RECENT_MAX = 5000;

const DAY_MS = 24 * 3600 * 1000;

/**
 * A time as both ledgers compare, sort and key it: ISO 8601 in UTC with milliseconds, so that
 * text order is time order whatever offset or precision the event was written with.
 */
export function ledgerTime(at: string): string {
  const time = Date.parse(at);
  if (Number.isNaN(time))
    throw new RangeError(`A ledger event's "at" must be an ISO 8601 time, not "${at}".`);
  return new Date(time).toISOString();
}

/** What makes an event itself: the same lead, instant, kind, destination and attempt is the same event. */
export function ledgerEventKey(event: LedgerEvent): string {
  const destination = 'destination' in event ? event.destination : '-';
  const attempt = 'attempt' in event ? String(event.attempt) : '-';
  return `${ledgerTime(event.at)}#${event.leadId}#${event.kind}#${destination}#${attempt}`;
}

/** The page size `recent` uses: RECENT_DEFAULT when not given, between 1 and RECENT_MAX. */
export function recentLimit(limit: number | undefined): number {
  return Math.min(RECENT_MAX, Math.max(1, Math.trunc(limit ?? RECENT_DEFAULT)));
}

/** The oldest time still kept: ISO 8601, `retentionDays` before `now`. */
export function retentionHorizon(now: number, retentionDays: number): string {
  return new Date(now - retentionDays * DAY_MS).toISOString();
}
