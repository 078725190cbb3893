import { domainToASCII, domainToUnicode } from 'node:url';
import type { CountryCode } from 'libphonenumber-js';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import type { DraftLead, MappedLead } from './types.ts';
import { MappingError } from './types.ts';

/**
 * Field limits, in code points, as schemas/lead.schema.json states them (a test holds the two together); the
 * schema explains how they keep a lead.received event under EventBridge's 256 KiB.
 */
export const LEAD_LIMITS = {
  email: 254,
  /** Octets of UTF-8 (RFC 5321 and 6531). */
  emailLocalPart: 64,
  firstName: 40,
  lastName: 80,
  company: 255,
  message: 16000,
  consentText: 2048,
  /** Each utm value. */
  utm: 255,
  /** attribution.referrer and attribution.landingPage. */
  url: 2048,
  /** attribution.formId, formName and externalId. */
  id: 255,
  customKeys: 50,
  customKey: 100,
  customValue: 300,
} as const;

/** RFC 5322 atext, plus (RFC 6531) any non-ASCII character that is neither a space nor a control. */
const ATOM = "(?:[a-z0-9!#$%&'*+/=?^_`{|}~-]|[^\\p{ASCII}\\p{Z}\\p{C}])+";
const DOT_ATOM = new RegExp(`^${ATOM}(?:\\.${ATOM})*$`, 'u');
const DOMAIN_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * A mail domain in A-labels (`bücher.example` → `xn--bcher-kva.example`), through WHATWG's IDNA (UTS #46)
 * processing, or undefined when it is not one: LDH labels of at most 63 octets, at least two, 253 octets in
 * all, and a top-level label that is not a number.
 */
export function asciiMailDomain(domain: string): string | undefined {
  if (domain === '' || /[\s\p{C}]/u.test(domain)) return undefined;
  const ascii = domainToASCII(domain);
  const labels = ascii.split('.');
  if (ascii === '' || labels.length < 2 || ascii.length > 253) return undefined;
  if (!labels.every((label) => DOMAIN_LABEL.test(label))) return undefined;
  // An A-label that does not decode comes back from domainToUnicode unchanged: it is no IDN label.
  if (
    domainToUnicode(ascii)
      .split('.')
      .some((label) => label.startsWith('xn--'))
  )
    return undefined;
  // A numeric top-level label is an IP address or a typo, never a mailbox domain.
  if (/^\d+$/.test(labels[labels.length - 1] as string)) return undefined;
  return ascii;
}

/**
 * Trims, lower-cases, composes (NFC) and checks an email address: one @, a dot-atom local part of at most 64
 * octets (RFC 6531 allows UTF-8 there), a domain that is valid as an IDN, 254 octets in all once the domain
 * is in A-labels (RFC 5321). The domain stays as the person typed it, in Unicode or in A-labels; a vendor that
 * needs ASCII converts it (asciiMailDomain). Returns undefined when it is not an address.
 */
export function normaliseEmail(raw: string): string | undefined {
  const email = raw
    .trim()
    .normalize('NFC')
    .toLowerCase()
    .replace(/^mailto:/, '');
  if (email.length > LEAD_LIMITS.email) return undefined;
  const at = email.indexOf('@');
  if (at <= 0 || at !== email.lastIndexOf('@')) return undefined;
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  if (Buffer.byteLength(local) > LEAD_LIMITS.emailLocalPart || !DOT_ATOM.test(local)) return undefined;
  const ascii = asciiMailDomain(domain);
  if (ascii === undefined || Buffer.byteLength(local) + 1 + ascii.length > LEAD_LIMITS.email)
    return undefined;
  // UTS #46 maps some characters (full-width dots and letters) to others: keep the typed form only when it
  // is the domain's own Unicode (or ASCII) spelling, else the mapped one, so every consumer reads one domain.
  const typedIsCanonical = domain === ascii || domainToUnicode(ascii) === domain;
  return `${local}@${typedIsCanonical ? domain : domainToUnicode(ascii)}`;
}

const E164 = /^\+[1-9][0-9]{6,14}$/;

/**
 * Formats a phone number as E.164, reading numbers without a country code in `region`. JSON numbers are
 * accepted (Webflow sends 15550000000). "Possible" (right length for the country) is the bar, not "valid":
 * number plans change faster than metadata, and test numbers such as 555 ones must still arrive.
 */
export function normalisePhone(raw: string | number, region: string): string | undefined {
  let text: string;
  if (typeof raw === 'number') {
    if (!Number.isSafeInteger(raw) || raw <= 0) return undefined;
    text = String(raw);
  } else {
    text = raw.trim();
  }
  if (text === '' || text.length > 64) return undefined;
  // "00" is the international prefix in most of the world; libphonenumber only knows it per region.
  if (/^00[1-9]/.test(text)) text = `+${text.slice(2)}`;
  const defaultCountry = /^[A-Z]{2}$/.test(region.toUpperCase())
    ? (region.toUpperCase() as CountryCode)
    : undefined;
  const parsed = safeParsePhone(text, defaultCountry);
  if ((parsed === undefined || !parsed.isPossible()) && typeof raw === 'number') {
    // A JSON number cannot carry a "+": an international number sent as digits, e.g. 32491223344.
    const withPlus = safeParsePhone(`+${text}`, undefined);
    return withPlus?.isPossible() && E164.test(withPlus.number) ? withPlus.number : undefined;
  }
  if (parsed === undefined || !parsed.isPossible()) return undefined;
  return E164.test(parsed.number) ? parsed.number : undefined;
}

function safeParsePhone(text: string, country: CountryCode | undefined) {
  try {
    return parsePhoneNumberFromString(text, country === undefined ? {} : { defaultCountry: country });
  } catch {
    return undefined;
  }
}

/**
 * Control characters other than tab, line feed and carriage return: JSON escapes a C0 control to six bytes,
 * and CRMs refuse them. (The schema refuses only C0; DEL and C1 go too, they are no text either.)
 */
const CONTROLS = /[^\P{Cc}\t\n\r]/gu;

/** Drops control characters and replaces lone surrogates with U+FFFD, as the lead schema's text pattern asks. */
export function cleanText(text: string): string {
  return text.toWellFormed().replace(CONTROLS, '');
}

/** Trims and collapses every run of whitespace (including newlines) to one space. */
export function collapseWhitespace(text: string): string {
  return cleanText(text).replace(/\s+/gu, ' ').trim();
}

/** Keeps line breaks (a message is prose) but trims lines and drops runs of blank lines. */
function tidyMessage(text: string): string {
  return cleanText(text)
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => line.replace(/[^\S\n]+/gu, ' ').trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** Cuts to at most `max` UTF-16 code units (so at most `max` code points), never splitting a surrogate pair. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, max);
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  return cut;
}

const truncationMarker = (cut: number) => `… [truncated: ${cut} characters]`;

/**
 * Cuts free text to at most `max` code points (what the schema's maxLength counts), ending with a marker that
 * says how many were cut, so a person reading the CRM record knows there was more: the lead is kept, not refused.
 */
export function truncateVisibly(text: string, max: number): string {
  if (text.length <= max) return text;
  const points = [...text];
  if (points.length <= max) return text;
  let kept = max - truncationMarker(points.length - max).length;
  while (kept > 0 && kept + truncationMarker(points.length - kept).length > max) kept--;
  if (kept <= 0) return points.slice(0, max).join('');
  return `${points.slice(0, kept).join('').trimEnd()}${truncationMarker(points.length - kept)}`;
}

/** Splits a full name at its first space: "Laura van der Berg" → "Laura" / "van der Berg". */
export function splitName(full: string): { firstName?: string; lastName?: string } {
  const name = collapseWhitespace(full);
  if (name === '') return {};
  const space = name.indexOf(' ');
  if (space === -1) return { firstName: name };
  return { firstName: name.slice(0, space), lastName: name.slice(space + 1) };
}

/** A scalar out of whatever a mapping produced: a one-element array counts as its element. */
export function scalar(value: unknown): string | number | boolean | undefined {
  if (Array.isArray(value)) return value.length === 1 ? scalar(value[0]) : undefined;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  return undefined;
}

/**
 * Text out of a scalar: numbers become their decimal form, booleans and empties are no text. Cut silently to
 * `max` (names, URLs, ids), or with a visible marker when `visibly` (free text a person wrote).
 */
export function text(value: unknown, max: number, visibly = false): string | undefined {
  const v = scalar(value);
  if (typeof v === 'number') return String(v);
  if (typeof v !== 'string') return undefined;
  const collapsed = collapseWhitespace(v);
  const cut = visibly ? truncateVisibly(collapsed, max) : truncate(collapsed, max).trim();
  return cut === '' ? undefined : cut;
}

const TRUE_WORDS = new Set([
  'true',
  'yes',
  'y',
  'on',
  '1',
  'checked',
  'accepted',
  'agree',
  'agreed',
  'opt-in',
]);
const FALSE_WORDS = new Set(['false', 'no', 'n', 'off', '0', 'unchecked', 'declined', 'opt-out', '']);

/** Booleans as forms send them: true, "on", "yes", 1, ... */
export function flag(value: unknown): boolean | undefined {
  const v = scalar(value);
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v === 1 ? true : v === 0 ? false : undefined;
  if (typeof v !== 'string') return undefined;
  const word = v.trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  return undefined;
}

/** Scores are integers 0-100: senders' scores are clamped into that range, not rejected. */
export function normaliseScore(value: unknown): number | undefined {
  const v = scalar(value);
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
  if (!Number.isFinite(n)) return undefined;
  return Math.min(100, Math.max(0, Math.round(n)));
}

/**
 * An ISO 8601 date-time in UTC. Numbers are epoch seconds (below 1e11) or milliseconds (HubSpot's
 * occurredAt, Meta's created_time). A date without a time is not a submission time and is dropped.
 */
export function normaliseTimestamp(value: unknown): string | undefined {
  const v = scalar(value);
  let ms: number;
  const epoch = typeof v === 'string' && /^\d{9,13}$/.test(v.trim()) ? Number(v) : v;
  if (typeof epoch === 'number') {
    ms = epoch < 1e11 ? epoch * 1000 : epoch;
  } else if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/.test(v.trim())) {
    ms = Date.parse(v.trim().replace(' ', 'T'));
  } else {
    return undefined;
  }
  if (!Number.isFinite(ms) || ms < 0 || ms > 8.64e15) return undefined;
  const date = new Date(ms);
  const year = date.getUTCFullYear();
  // The schema's date-time has a four-digit year.
  return year < 1000 || year > 9999 ? undefined : date.toISOString();
}

function customValues(custom: Record<string, unknown> | undefined): MappedLead['custom'] {
  if (custom === undefined || typeof custom !== 'object' || custom === null || Array.isArray(custom))
    return undefined;
  const out: Record<string, string | number | boolean> = {};
  let count = 0;
  for (const [rawKey, raw] of Object.entries(custom)) {
    if (count >= LEAD_LIMITS.customKeys) break;
    const key = truncate(collapseWhitespace(rawKey), LEAD_LIMITS.customKey);
    if (key === '' || Object.hasOwn(out, key)) continue;
    let value: string | number | boolean | undefined;
    if (Array.isArray(raw) && raw.length > 1) {
      const parts = raw
        .map((item) => text(item, LEAD_LIMITS.customValue))
        .filter((item) => item !== undefined);
      value = parts.length === 0 ? undefined : truncateVisibly(parts.join(', '), LEAD_LIMITS.customValue);
    } else {
      const v = scalar(raw);
      value = typeof v === 'string' ? text(v, LEAD_LIMITS.customValue, true) : v;
    }
    if (value === undefined) continue;
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
    count++;
  }
  return count === 0 ? undefined : out;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function compact<T extends object>(object: T): T | undefined {
  const entries = Object.entries(object).filter(([, v]) => v !== undefined);
  return entries.length === 0 ? undefined : (Object.fromEntries(entries) as T);
}

export interface NormaliseOptions {
  /** Region for phone numbers without a country code. */
  phoneRegion: string;
  /** Score given when the payload carries none (MappingConfig.score). */
  defaultScore?: number;
}

/**
 * Turns a draft into a lead that satisfies the Lead schema's field rules, or throws MappingError.
 * A phone that cannot become E.164 is dropped (and kept as custom.phoneRaw) when an email is present: the lead is
 * still reachable, and losing it over an optional field is worse. Without an email it is 'invalid_phone'.
 */
export function normaliseLead(draft: DraftLead, options: NormaliseOptions): MappedLead {
  const lead: MappedLead = {};
  const custom = customValues(record(draft.custom));

  const rawEmail = text(draft.email, 1000);
  if (rawEmail !== undefined) {
    const email = normaliseEmail(rawEmail);
    if (email === undefined)
      throw new MappingError('invalid_email', 'The email address is not a valid address');
    lead.email = email;
  }

  const phoneValue = scalar(draft.phone);
  const rawPhone = typeof phoneValue === 'number' ? phoneValue : text(phoneValue, 100);
  let phoneRaw: string | undefined;
  if (rawPhone !== undefined) {
    const phone = normalisePhone(rawPhone, options.phoneRegion);
    if (phone !== undefined) lead.phone = phone;
    else if (lead.email === undefined) {
      throw new MappingError(
        'invalid_phone',
        `The phone number cannot be read as an E.164 number (default region ${options.phoneRegion.slice(0, 8)})`,
      );
    } else phoneRaw = String(rawPhone);
  }

  if (lead.email === undefined && lead.phone === undefined) {
    throw new MappingError('no_contact', 'The payload has neither an email address nor a phone number');
  }

  let firstName = text(draft.firstName, LEAD_LIMITS.firstName);
  let lastName = text(draft.lastName, LEAD_LIMITS.lastName);
  const fullName = text(draft.name, 1000);
  if (fullName !== undefined && firstName === undefined && lastName === undefined) {
    const split = splitName(fullName);
    firstName = split.firstName === undefined ? undefined : truncate(split.firstName, LEAD_LIMITS.firstName);
    lastName = split.lastName === undefined ? undefined : truncate(split.lastName, LEAD_LIMITS.lastName);
  }
  if (firstName !== undefined) lead.firstName = firstName;
  if (lastName !== undefined) lead.lastName = lastName;

  const company = text(draft.company, LEAD_LIMITS.company);
  if (company !== undefined) lead.company = company;
  const messageValue = scalar(draft.message);
  if (typeof messageValue === 'string' || typeof messageValue === 'number') {
    const message = truncateVisibly(tidyMessage(String(messageValue)), LEAD_LIMITS.message);
    if (message !== '') lead.message = message;
  }

  const consentDraft = record(draft.consent);
  if (consentDraft !== undefined) {
    const consent = compact({
      marketing: flag(consentDraft.marketing),
      terms: flag(consentDraft.terms),
      text: text(consentDraft.text, LEAD_LIMITS.consentText, true),
    });
    if (consent !== undefined) lead.consent = consent;
  }

  const utmDraft = record(draft.utm);
  if (utmDraft !== undefined) {
    const utm = compact({
      source: text(utmDraft.source, LEAD_LIMITS.utm),
      medium: text(utmDraft.medium, LEAD_LIMITS.utm),
      campaign: text(utmDraft.campaign, LEAD_LIMITS.utm),
      term: text(utmDraft.term, LEAD_LIMITS.utm),
      content: text(utmDraft.content, LEAD_LIMITS.utm),
    });
    if (utm !== undefined) lead.utm = utm;
  }

  const attributionDraft = record(draft.attribution);
  if (attributionDraft !== undefined) {
    const attribution = compact({
      referrer: text(attributionDraft.referrer, LEAD_LIMITS.url),
      landingPage: text(attributionDraft.landingPage, LEAD_LIMITS.url),
      formId: text(attributionDraft.formId, LEAD_LIMITS.id),
      formName: text(attributionDraft.formName, LEAD_LIMITS.id),
      externalId: text(attributionDraft.externalId, LEAD_LIMITS.id),
    });
    if (attribution !== undefined) lead.attribution = attribution;
  }

  const score = normaliseScore(draft.score) ?? normaliseScore(options.defaultScore);
  if (score !== undefined) lead.score = score;

  const submittedAt = normaliseTimestamp(draft.submittedAt);
  if (submittedAt !== undefined) lead.submittedAt = submittedAt;

  const finalCustom = phoneRaw === undefined ? custom : { ...custom, phoneRaw: truncate(phoneRaw, 100) };
  if (finalCustom !== undefined) lead.custom = finalCustom;

  const deliveryId = text(draft.deliveryId, 512);
  if (deliveryId !== undefined) lead.deliveryId = deliveryId;
  return lead;
}
