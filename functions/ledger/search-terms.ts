import { normaliseEmail, normalisePhone } from '../mapping/normalise.ts';
import type { LedgerQuery } from '../ports.ts';

export const DEFAULT_PAGE = 50;
export const MAX_PAGE = 200;

/** A search term that can match nothing the ledger holds: said as such, never silently an empty page. */
export class LedgerQueryError extends Error {
  override readonly name = 'LedgerQueryError';
}

/**
 * The query as the ledgers compare it: the email as mapping stores it (trimmed, lower-cased,
 * NFC), the phone in E.164 (read in `phoneRegion` without a country code), times as ISO 8601,
 * the page size bounded. What a person types into the console's search box works as typed.
 */
export function normaliseQuery(query: LedgerQuery, phoneRegion = 'US'): LedgerQuery {
  const out: LedgerQuery = {
    limit: Math.min(MAX_PAGE, Math.max(1, Math.trunc(query.limit ?? DEFAULT_PAGE))),
  };
  if (query.leadId) out.leadId = query.leadId.trim();
  if (query.correlationId) out.correlationId = query.correlationId.trim();
  if (query.source) out.source = query.source.trim();
  if (query.cursor) out.cursor = query.cursor;
  if (query.email) {
    const email = normaliseEmail(query.email);
    if (!email) throw new LedgerQueryError(`"${query.email}" is not an email address.`);
    out.email = email;
  }
  if (query.phone) {
    const phone = normalisePhone(query.phone, phoneRegion);
    if (!phone)
      throw new LedgerQueryError(`"${query.phone}" is not a phone number (try it with its country code).`);
    out.phone = phone;
  }
  for (const key of ['since', 'until'] as const) {
    const value = query[key];
    if (value === undefined || value === '') continue;
    const time = Date.parse(value);
    if (Number.isNaN(time)) throw new LedgerQueryError(`${key} "${value}" is not a date or time (ISO 8601).`);
    out[key] = new Date(time).toISOString();
  }
  return out;
}

/**
 * One search box for people: an email, a phone number, a lead id or a correlation id, told apart
 * by their shape. Anything else is a correlation id (a sender's delivery id can be any string).
 */
export function queryFromText(text: string, phoneRegion = 'US'): LedgerQuery {
  const term = text.trim();
  if (term === '') return {};
  if (term.includes('@')) return { email: term };
  if (/^lead_[0-9a-f]{32}$/.test(term)) return { leadId: term };
  if (/^\+?[\d\s().-]{6,}$/.test(term) && normalisePhone(term, phoneRegion)) return { phone: term };
  return { correlationId: term };
}
