import { domainToASCII } from 'node:url';
import type { Lead } from '../../schemas/generated/lead.ts';

/** A Salesforce record as sObject Collections takes it: field values plus `attributes.type`. */
export interface SalesforceRecord {
  attributes: { type: string };
  /** null blanks a field on update (used only for the latest touch, which is one touch as a whole). */
  [field: string]: string | number | boolean | null | { type: string };
}

export const DEFAULT_FALLBACK = '[not provided]';

export interface RecordMapping {
  object: string;
  externalIdField: string;
  /** Extra lead fields (dotted paths such as `utm.campaign`) → Salesforce field names. */
  fields: Readonly<Record<string, string>>;
  fallbacks: { lastName: string; company: string };
}

/** Why a lead cannot become a record at all; the text names no personal data. */
export const NO_EXTERNAL_ID_REASON =
  'lead has no email: the Salesforce upsert matches on an external id derived from the email, so there is nothing to match on';

/**
 * Maps a lead to the record upserted by external id. Returns a reason instead when the lead has
 * no email, because without it there is no external id and an upsert cannot decide create vs update.
 */
export function toSalesforceRecord(
  lead: Lead,
  mapping: RecordMapping,
): { record: SalesforceRecord; key: string } | { reason: string } {
  const email = salesforceEmail(present(lead.email));
  if (email === undefined) return { reason: NO_EXTERNAL_ID_REASON };
  const key = email.toLowerCase();

  const record: SalesforceRecord = { attributes: { type: mapping.object } };
  const put = (field: string, value: string | number | boolean | undefined) => {
    if (value !== undefined) record[field] = value;
  };
  put('Email', email);
  put('FirstName', present(lead.firstName));
  // Lead requires LastName and Company; a form that never asked for them must not lose the lead.
  put('LastName', present(lead.lastName) ?? mapping.fallbacks.lastName);
  put('Company', present(lead.company) ?? mapping.fallbacks.company);
  put('Phone', present(lead.phone));
  put('Description', present(lead.message));
  put('LeadSource', present(lead.source));
  // Never an opt-in the person did not give: only an answer in this submission changes the box.
  const marketing = lead.consent?.marketing;
  put('HasOptedOutOfEmail', marketing === undefined ? undefined : !marketing);
  for (const [path, field] of Object.entries(mapping.fields)) put(field, readPath(lead, path));
  // Set last so a `fields` entry cannot overwrite the key the upsert matches on.
  record[mapping.externalIdField] = key;
  return { record, key };
}

/**
 * The address with its domain in A-labels (`zoë@bücher.example` → `zoë@xn--bcher-kva.example`). Salesforce's
 * Email fields take non-ASCII only in orgs that turned on Email Address Internationalization (off by
 * default), while the A-label domain is the same mailbox everywhere; the key uses it too, so a lead sent
 * with either spelling of the domain updates one record. A non-ASCII local part has no ASCII form and is
 * left as it is. HubSpot keeps the Unicode form (adapters/hubspot): its email validation reads Unicode
 * domains and TLDs.
 */
export function salesforceEmail(email: string | undefined): string | undefined {
  // An ASCII address is sent exactly as it came.
  if (email === undefined || /^[\x21-\x7e]*$/.test(email)) return email;
  const at = email.lastIndexOf('@');
  const ascii = at === -1 ? '' : domainToASCII(email.slice(at + 1));
  return ascii === '' ? email : `${email.slice(0, at + 1)}${ascii}`;
}

/** Reads a dotted path (`utm.campaign`, `custom.budget`) from a lead; only scalar values count. */
export function readPath(lead: Lead, path: string): string | number | boolean | undefined {
  let value: unknown = lead;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  if (typeof value === 'string') return present(value);
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  return undefined;
}

const EMAIL_LIKE = /[^\s@'"[\]():,;<>]+@[^\s@'"[\]():,;<>]+/g;

/**
 * Removes personal data from a vendor message before it becomes a reason: Salesforce echoes values
 * back ("Email: invalid email address: …", "Duplicate external id specified: …").
 */
export function redact(message: string, record?: SalesforceRecord): string {
  let text = message;
  if (record) {
    const values = Object.entries(record)
      .filter(([field, value]) => field !== 'attributes' && field !== 'LeadSource' && value !== null)
      .map(([, value]) => String(value))
      .filter((value) => value.length >= 3)
      .sort((a, b) => b.length - a.length);
    for (const value of values) text = text.split(value).join('[redacted]');
  }
  return text.replace(EMAIL_LIKE, '[redacted]');
}

function present(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

/**
 * The extra fields with the lead id added under `leadIdField` (config; off when unset), so a person
 * can go from a record to the lead's log timeline. It wins over an `id` entry in `fields`.
 */
export function withLeadIdField(
  fields: Readonly<Record<string, string>> | undefined,
  leadIdField: string | undefined,
): Record<string, string> | undefined {
  if (leadIdField === undefined) return fields === undefined ? undefined : { ...fields };
  return { ...fields, id: leadIdField };
}
