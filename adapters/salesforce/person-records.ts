import { type CurrentValues, type FieldPolicy, mergeForWrite } from '../../functions/crm/field-policy.ts';
import type { Lead } from '../../schemas/generated/lead.ts';
import {
  CONSENT_FIELDS,
  CONTACT_FIELDS,
  DEFAULT_FALLBACK_POLICY,
  FIRST_TOUCH_FIELDS,
  LATEST_TOUCH_FIELDS,
} from './field-defaults.ts';
import { readPath, salesforceEmail } from './records.ts';

/** How a lead with a person id becomes field values on the person's Lead (or its Contact). */
export interface PersonMapping {
  /** The sObject that holds a person: 'Lead' unless configured otherwise. */
  object: string;
  /** External ID + Unique field holding `lead.personId`. */
  personIdField: string;
  /** The email-key field of the upsert path; kept in step with Email so both paths find one record. */
  keyField: string;
  /** Extra lead fields (dotted paths) → Salesforce field names. */
  fields: Readonly<Record<string, string>>;
  /** Lead's required fields' values when the person gave none: used only on create. */
  placeholders: Readonly<Record<string, string>>;
  /** Effective per-field policy (vendor defaults overridden by config). */
  policy: Readonly<Record<string, FieldPolicy>>;
}

export type Values = Record<string, string | number | boolean | undefined>;
type Write = Record<string, string | number | boolean | null>;

/** What Salesforce holds for a person, as read before writing. */
export interface KnownRecord {
  id: string;
  values: Record<string, string | number | boolean | null | undefined>;
  converted: boolean;
  /** The Contact a converted Lead became; absent when it has none (or it was deleted). */
  contactId?: string;
  contact?: Record<string, string | number | boolean | null | undefined>;
}

/** Everything one submission says about the person, by Salesforce field (Lead). */
export function personValues(lead: Lead, mapping: PersonMapping): Values {
  const email = salesforceEmail(present(lead.email));
  const seen = lead.submittedAt ?? lead.receivedAt;
  const values: Values = {
    FirstName: present(lead.firstName),
    LastName: present(lead.lastName),
    Company: present(lead.company),
    Email: email,
    Phone: present(lead.phone),
    Description: present(lead.message),
    LeadSource: present(lead.source),
  };
  for (const [path, field] of Object.entries(mapping.fields)) values[field] = readPath(lead, path);
  Object.assign(values, touch(FIRST_TOUCH_FIELDS, lead, seen), touch(LATEST_TOUCH_FIELDS, lead, seen));
  Object.assign(values, consentValues(lead, seen));
  // Set last so a `fields` entry cannot overwrite the keys records are found by.
  values[mapping.keyField] = email?.toLowerCase();
  values[mapping.personIdField] = lead.personId;
  return values;
}

/**
 * Consent as Salesforce's standard opt-out box says it: opted out when the person refused
 * marketing, not opted out only when they gave it in this very submission, untouched otherwise —
 * so leadpipe never records an opt-in the person did not give.
 */
export function consentValues(lead: Lead, seen: string): Values {
  const consent = lead.consent;
  if (!consent) return {};
  const marketing = consent.marketing;
  const answered =
    marketing !== undefined || consent.terms !== undefined || present(consent.text) !== undefined;
  return {
    [CONSENT_FIELDS.optedOut]: marketing === false ? true : marketing === true ? false : undefined,
    [CONSENT_FIELDS.text]: present(consent.text),
    [CONSENT_FIELDS.at]: answered ? seen : undefined,
  };
}

/**
 * The fields to send for the person's Lead: everything (with placeholders) on create; on update,
 * what the policy allows given the Lead's current values. The first touch is one touch: once the
 * Lead has a first-seen time, none of its fields change (a later campaign cannot fill a gap in
 * it). The latest touch is one touch too: a latest-touch field this submission lacks is cleared.
 */
export function leadWrite(
  values: Values,
  current: KnownRecord['values'] | undefined,
  mapping: PersonMapping,
): Write {
  const incoming = { ...values };
  if (current && !isEmpty(current[FIRST_TOUCH_FIELDS.seen])) {
    // Only the fields that keep the default: a config `always` for one of them still applies.
    for (const field of Object.values(FIRST_TOUCH_FIELDS)) {
      if ((mapping.policy[field] ?? DEFAULT_FALLBACK_POLICY) === 'ifEmpty') delete incoming[field];
    }
  }
  const write: Write = mergeForWrite(incoming, current as CurrentValues | undefined, rules(mapping));
  if (current) clearStaleLatest(incoming, current, mapping, write);
  return write;
}

/** The fields to send for a converted Lead's Contact: the Contact fields that correspond, same policy. */
export function contactWrite(values: Values, current: KnownRecord['values'], mapping: PersonMapping): Write {
  const incoming: Values = {};
  for (const field of CONTACT_FIELDS) incoming[field] = values[field];
  const write: Write = mergeForWrite(incoming, current as CurrentValues, rules(mapping));
  clearStaleLatest(incoming, current, mapping, write);
  return write;
}

function rules(mapping: PersonMapping) {
  return { policy: mapping.policy, fallback: DEFAULT_FALLBACK_POLICY, placeholders: mapping.placeholders };
}

function clearStaleLatest(
  incoming: Values,
  current: KnownRecord['values'],
  mapping: PersonMapping,
  write: Write,
): void {
  for (const field of Object.values(LATEST_TOUCH_FIELDS)) {
    const policy = mapping.policy[field] ?? DEFAULT_FALLBACK_POLICY;
    if (policy === 'always' && isEmpty(incoming[field]) && !isEmpty(current[field])) write[field] = null;
  }
}

function touch(
  fields: typeof FIRST_TOUCH_FIELDS | typeof LATEST_TOUCH_FIELDS,
  lead: Lead,
  seen: string,
): Values {
  return {
    [fields.source]: present(lead.source),
    [fields.utmSource]: present(lead.utm?.source),
    [fields.utmMedium]: present(lead.utm?.medium),
    [fields.utmCampaign]: present(lead.utm?.campaign),
    [fields.seen]: seen,
  };
}

/** The Lead fields read before a write: every field a write may send, and what finds the person. */
export function leadSelectFields(mapping: PersonMapping, extra: readonly string[]): string[] {
  const fields = new Set([
    'Id',
    'CreatedDate',
    'FirstName',
    'LastName',
    'Company',
    'Email',
    'Phone',
    'Description',
    'LeadSource',
    ...Object.values(mapping.fields),
    ...Object.values(FIRST_TOUCH_FIELDS),
    ...Object.values(LATEST_TOUCH_FIELDS),
    ...Object.values(CONSENT_FIELDS),
    mapping.keyField,
    mapping.personIdField,
    ...extra,
  ]);
  return [...fields];
}

/** Conversion fields and the converted Contact's fields, read through the ConvertedContact relationship. */
export const CONVERSION_SELECT: readonly string[] = [
  'IsConverted',
  'ConvertedContactId',
  ...CONTACT_FIELDS.map((field) => `ConvertedContact.${field}`),
];

/** A SOQL string literal: backslash and quote escaped. */
export function soqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * A SOQL query as the `q` parameter, encoded no more than a query string needs (`,` and `@` are
 * allowed there, a space may be `+`, as Salesforce's own examples write it): the URI is what limits
 * how many persons one lookup can hold. `'` is sent as `%27`, as the WHATWG URL parser (fetch, and
 * so every HTTP client here) rewrites it in a query anyway: the length measured is the length sent.
 */
export function encodeSoql(soql: string): string {
  return encodeURIComponent(soql)
    .replace(/%2C/g, ',')
    .replace(/%40/g, '@')
    .replace(/%20/g, '+')
    .replace(/'/g, '%27');
}

export interface PersonKey {
  personId: string;
  email?: string | undefined;
}

/**
 * The queries that find every person of a batch: by person id, or by email for Leads made before
 * leadpipe or by hand. As few as fit: each stays under `maxUriChars` once URL-encoded, since
 * Salesforce refuses a URI and headers over 16,384 bytes (414 / 431).
 */
export function personQueries(
  persons: readonly PersonKey[],
  options: {
    object: string;
    personIdField: string;
    select: readonly string[];
    maxUriChars: number;
    path: string;
  },
): string[] {
  const build = (group: readonly PersonKey[]): string => {
    const ids = group.map((person) => soqlString(person.personId));
    const emails = [
      ...new Set(group.flatMap((person) => (person.email ? [person.email.toLowerCase()] : []))),
    ];
    const where = [`${options.personIdField} IN (${ids.join(',')})`];
    if (emails.length > 0) where.push(`Email IN (${emails.map(soqlString).join(',')})`);
    return `SELECT ${options.select.join(',')} FROM ${options.object} WHERE ${where.join(' OR ')}`;
  };
  const fits = (soql: string) => options.path.length + encodeSoql(soql).length <= options.maxUriChars;
  const queries: string[] = [];
  let group: PersonKey[] = [];
  for (const person of persons) {
    const next = [...group, person];
    if (group.length > 0 && !fits(build(next))) {
      queries.push(build(group));
      group = [person];
    } else {
      group = next;
    }
  }
  if (group.length > 0) queries.push(build(group));
  return queries;
}

/**
 * Which record each person has: the one holding their person id, else a Lead with their email that
 * no person has claimed yet (made before leadpipe or by hand; the oldest, so every run picks the
 * same one), which the write then adopts by setting the person id on it.
 */
export function matchPersons(
  persons: readonly PersonKey[],
  rows: readonly Record<string, unknown>[],
  personIdField: string,
): Map<string, KnownRecord> {
  const byPerson = new Map<string, Record<string, unknown>>();
  const byEmail = new Map<string, Record<string, unknown>[]>();
  for (const row of rows) {
    const personId = row[personIdField];
    if (typeof personId === 'string' && personId !== '') {
      byPerson.set(personId.toLowerCase(), row);
    } else if (typeof row.Email === 'string' && row.Email !== '') {
      const email = row.Email.toLowerCase();
      byEmail.set(email, [...(byEmail.get(email) ?? []), row]);
    }
  }
  for (const candidates of byEmail.values()) {
    candidates.sort((a, b) => String(a.CreatedDate ?? '').localeCompare(String(b.CreatedDate ?? '')));
  }
  const known = new Map<string, KnownRecord>();
  const adopted = new Set<unknown>();
  for (const person of persons) {
    if (known.has(person.personId)) continue;
    const own = byPerson.get(person.personId.toLowerCase());
    const row =
      own ??
      (person.email
        ? byEmail.get(person.email.toLowerCase())?.find((candidate) => !adopted.has(candidate))
        : undefined);
    if (!row || typeof row.Id !== 'string') continue;
    adopted.add(row);
    known.set(person.personId, toKnown(row));
  }
  return known;
}

function toKnown(row: Record<string, unknown>): KnownRecord {
  const contact = row.ConvertedContact;
  const contactId =
    typeof row.ConvertedContactId === 'string' && row.ConvertedContactId ? row.ConvertedContactId : undefined;
  return {
    id: String(row.Id),
    values: scalars(row),
    converted: row.IsConverted === true,
    ...(contactId ? { contactId } : {}),
    ...(contact && typeof contact === 'object'
      ? { contact: scalars(contact as Record<string, unknown>) }
      : {}),
  };
}

function scalars(row: Record<string, unknown>): KnownRecord['values'] {
  const values: KnownRecord['values'] = {};
  for (const [field, value] of Object.entries(row)) {
    if (
      value === null ||
      typeof value === 'string' ||
      typeof value === 'number' ||
      typeof value === 'boolean'
    ) {
      values[field] = value;
    }
  }
  return values;
}

function isEmpty(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

function present(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}
