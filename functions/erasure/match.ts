import { normaliseEmail, normalisePhone } from '../mapping/normalise.ts';
import { parseBody } from '../mapping/parse-body.ts';
import type { PersonKeys, QuarantinedPayload } from '../ports.ts';
import { LEAD_RECEIVED } from '../routing/rules.ts';

/** How deep a payload is walked for contact values: deeper than any sender nests a form. */
const MAX_DEPTH = 32;

/** Whether a lead (or a ledger contact) has the erased email or phone; both compared normalised. */
export function contactMatches(
  contact: { email?: string; phone?: string } | undefined,
  keys: PersonKeys,
): boolean {
  if (!contact) return false;
  if (keys.email !== undefined && contact.email !== undefined) {
    if ((normaliseEmail(contact.email) ?? contact.email.trim().toLowerCase()) === keys.email) return true;
  }
  return keys.phone !== undefined && contact.phone !== undefined && contact.phone === keys.phone;
}

/** Whether a queue message (a lead.received envelope, as the bus puts it on a queue) is a lead of this person. */
export function messageMatches(body: string, keys: PersonKeys): boolean {
  let envelope: { 'detail-type'?: unknown; detail?: { lead?: { email?: unknown; phone?: unknown } } };
  try {
    envelope = JSON.parse(body);
  } catch {
    return false;
  }
  if (envelope?.['detail-type'] !== LEAD_RECEIVED) return false;
  const lead = envelope.detail?.lead;
  if (typeof lead !== 'object' || lead === null) return false;
  return contactMatches(
    {
      ...(typeof lead.email === 'string' ? { email: lead.email } : {}),
      ...(typeof lead.phone === 'string' ? { phone: lead.phone } : {}),
    },
    keys,
  );
}

/**
 * Whether a quarantined payload carries the erased email or phone anywhere: it could not be
 * mapped, so there is no lead to compare, only the body the sender signed. Every string (and
 * number, for phones) in the parsed body is read as an email and as a phone in `phoneRegion`;
 * a body that does not parse is searched as text for the email and the phone's digits.
 */
export function payloadMatches(entry: QuarantinedPayload, keys: PersonKeys, phoneRegion = 'US'): boolean {
  const body = Buffer.from(entry.body, 'base64');
  let payload: unknown;
  try {
    payload = parseBody(entry.contentType, body);
  } catch {
    return textMentions(body.toString('utf8'), keys, phoneRegion);
  }
  return valueMentions(payload, keys, phoneRegion, 0);
}

function valueMentions(value: unknown, keys: PersonKeys, phoneRegion: string, depth: number): boolean {
  if (depth > MAX_DEPTH) return false;
  if (typeof value === 'string') {
    if (keys.email !== undefined && value.includes('@') && normaliseEmail(value) === keys.email) return true;
    if (keys.phone !== undefined && /\d/.test(value) && normalisePhone(value, phoneRegion) === keys.phone) {
      return true;
    }
    // Text that merely contains the key (a "message" field, a JSON string inside a field).
    return textMentions(value, keys, phoneRegion);
  }
  if (typeof value === 'number') {
    return keys.phone !== undefined && normalisePhone(value, phoneRegion) === keys.phone;
  }
  if (Array.isArray(value)) return value.some((item) => valueMentions(item, keys, phoneRegion, depth + 1));
  if (typeof value === 'object' && value !== null) {
    return Object.values(value).some((item) => valueMentions(item, keys, phoneRegion, depth + 1));
  }
  return false;
}

/** Runs of digits with the separators people type: each one a candidate phone number. */
const PHONE_RUNS = /\+?\d[\d\s().-]{5,}\d/g;

function textMentions(text: string, keys: PersonKeys, phoneRegion: string): boolean {
  if (keys.email !== undefined && emailIn(keys.email).test(text.normalize('NFC').toLowerCase())) return true;
  if (keys.phone === undefined) return false;
  for (const [run] of text.matchAll(PHONE_RUNS)) {
    if (normalisePhone(run, phoneRegion) === keys.phone) return true;
  }
  return false;
}

/**
 * The email as a whole address inside text: not the tail of a longer local part
 * (grace.ada@…) nor the head of a longer domain (…@example.com.au).
 */
function emailIn(email: string): RegExp {
  const escaped = email.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  return new RegExp(
    `(?<![\\p{L}\\p{N}!#$%&'*+/=?^_\`{|}~.-])${escaped}(?![\\p{L}\\p{N}_-]|\\.[\\p{L}\\p{N}])`,
    'u',
  );
}
