import type { DestinationAdapter, Outcome } from '../../functions/ports.ts';
import type { FieldPolicy } from '../../schemas/generated/config.ts';
import type { Lead } from '../../schemas/generated/lead.ts';
import { type RateLimiter, RollingWindowLimiter } from '../rate-limit.ts';
import { clientCredentialsSession, fixedSession, type SessionSource } from './auth.ts';
import { type Caller, createCaller } from './caller.ts';
import { recordOutcome, sendRecords } from './collections.ts';
import { DEFAULT_FIELD_POLICY, DEFAULT_PERSON_ID_FIELD } from './field-defaults.ts';
import { SALESFORCE_BATCH_LIMIT } from './limits.ts';
import { deliverPersons } from './person-flow.ts';
import type { PersonMapping } from './person-records.ts';
import { planCalls } from './plan-calls.ts';
import {
  DEFAULT_FALLBACK,
  type RecordMapping,
  type SalesforceRecord,
  toSalesforceRecord,
} from './records.ts';

export { CONCURRENCY_LIMIT_RETRY_AFTER_MS, DAILY_LIMIT_RETRY_AFTER_MS } from './caller.ts';
export { TRANSIENT_RECORD_ERRORS } from './collections.ts';
export { planCalls, SALESFORCE_BATCH_LIMIT };
export const DEFAULT_API_VERSION = '62.0';
export const DEFAULT_OBJECT = 'Lead';
export const DEFAULT_EXTERNAL_ID_FIELD = 'Email_Key__c';
export { DEFAULT_PERSON_ID_FIELD };
export const DEFAULT_TIMEOUT_MS = 30_000;

/** The adapter was configured with values it cannot work with; thrown at creation, never at delivery. */
export class SalesforceConfigError extends Error {
  override readonly name = 'SalesforceConfigError';
}

export interface SalesforceAdapterOptions {
  /** Secrets already resolved. */
  auth:
    | { accessToken: string; instanceUrl: string }
    | { clientId: string; clientSecret: string; loginUrl: string };
  /** Default '62.0'; always set on the jsforce Connection, whose own default is 50.0. */
  apiVersion?: string;
  /** Default 'Lead'. */
  object?: string;
  /** Default 'Email_Key__c': a unique External ID field holding the lower-cased email. */
  externalIdField?: string;
  /** Default 'Leadpipe_Person_Id__c': a unique External ID field holding `lead.personId`. */
  personIdField?: string;
  /** Per-field merge policy over the defaults in field-defaults.ts (leads with a person id only). */
  fieldPolicy?: Readonly<Record<string, FieldPolicy>>;
  /** Extra lead fields → Salesforce fields, e.g. { 'utm.campaign': 'UTM_Campaign__c' }. */
  fields?: Record<string, string>;
  /**
   * Values for Lead's required LastName and Company when the lead has none. Default '[not provided]'.
   * For leads with a person id they are used only when creating the Lead.
   */
  fallbacks?: { lastName?: string; company?: string };
  /** Calls allowed per window; ignored when `limiter` is given. */
  rateLimit?: { requests: number; perSeconds: number };
  /** Per HTTP call (token and upsert). Default 30 000 ms; an upsert's is capped at what a deadline leaves. */
  timeoutMs?: number;
  /** Share one limiter between adapters that use the same org. */
  limiter?: RateLimiter;
}

interface Pending {
  lead: Lead;
  record: SalesforceRecord;
  key: string;
}

/**
 * Writes leads into Salesforce with jsforce and classifies every lead; never throws for vendor
 * errors. A lead with a person id goes to the person's one Lead (read first, then created or
 * updated as the field policy allows, or its Contact once converted: person-flow.ts); a lead
 * without one is upserted by the email key through sObject Collections
 * (`PATCH /services/data/vXX.X/composite/sobjects/{object}/{externalIdField}`, allOrNone false).
 */
export function createSalesforceAdapter(options: SalesforceAdapterOptions): DestinationAdapter {
  const apiVersion = options.apiVersion ?? DEFAULT_API_VERSION;
  const object = options.object ?? DEFAULT_OBJECT;
  const externalIdField = options.externalIdField ?? DEFAULT_EXTERNAL_ID_FIELD;
  const personIdField = options.personIdField ?? DEFAULT_PERSON_ID_FIELD;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  checkOptions(options, { apiVersion, object, externalIdField, personIdField, timeoutMs });

  const fallbacks = {
    lastName: options.fallbacks?.lastName ?? DEFAULT_FALLBACK,
    company: options.fallbacks?.company ?? DEFAULT_FALLBACK,
  };
  const mapping: RecordMapping = { object, externalIdField, fields: options.fields ?? {}, fallbacks };
  const personMapping = personMappingOf(options, { object, externalIdField, personIdField, fallbacks });
  const limiter =
    options.limiter ?? (options.rateLimit ? new RollingWindowLimiter(options.rateLimit) : undefined);
  // Salesforce counts API requests per 24 h, not per arrival window: counting a call from when it
  // is sent is exact enough, so the slot is never released early or late.
  const beforeRequest = limiter
    ? async () => {
        await limiter.acquire();
      }
    : undefined;
  const sessions: SessionSource =
    'accessToken' in options.auth
      ? fixedSession({ accessToken: options.auth.accessToken, instanceUrl: options.auth.instanceUrl })
      : clientCredentialsSession({ ...options.auth, timeoutMs, ...(beforeRequest ? { beforeRequest } : {}) });
  const call = createCaller({ sessions, apiVersion, timeoutMs, limiter });
  const upsertPath = `/services/data/v${apiVersion}/composite/sobjects/${encodeURIComponent(object)}/${encodeURIComponent(externalIdField)}`;

  return {
    maxBatchSize: SALESFORCE_BATCH_LIMIT,
    async deliver(leads, { deadline } = {}) {
      const outcomes = new Map<string, Outcome>();
      // The person flow is Lead's (conversion, Company, LeadSource); another object keeps the upsert.
      const byPerson = (lead: Lead) => object === DEFAULT_OBJECT && lead.personId !== undefined;
      const persons = leads.filter(byPerson);
      const others = leads.filter((lead) => !byPerson(lead));
      const stop =
        persons.length > 0
          ? await deliverPersons(persons, { call, apiVersion, mapping: personMapping }, outcomes, deadline)
          : undefined;
      if (stop) {
        // What refused the person calls (credentials, limits, an outage, the deadline) would refuse these too.
        for (const lead of others) outcomes.set(lead.id, stop);
        return outcomes;
      }
      await upsertByEmailKey(others, { call, mapping, upsertPath, outcomes, deadline });
      return outcomes;
    },
  };
}

/** The person flow's mapping: vendor default policies, overridden per field by config. */
function personMappingOf(
  options: SalesforceAdapterOptions,
  resolved: {
    object: string;
    externalIdField: string;
    personIdField: string;
    fallbacks: { lastName: string; company: string };
  },
): PersonMapping {
  const policy: Record<string, FieldPolicy> = { ...DEFAULT_FIELD_POLICY, ...options.fieldPolicy };
  // The email key follows Email, so both paths keep finding the same record.
  policy[resolved.externalIdField] =
    options.fieldPolicy?.[resolved.externalIdField] ?? policy.Email ?? 'ifEmpty';
  return {
    object: resolved.object,
    personIdField: resolved.personIdField,
    keyField: resolved.externalIdField,
    fields: options.fields ?? {},
    placeholders: { LastName: resolved.fallbacks.lastName, Company: resolved.fallbacks.company },
    policy,
  };
}

/** Today's path for leads without a person id: a blind upsert by the email key, calls of up to 200. */
async function upsertByEmailKey(
  leads: readonly Lead[],
  context: {
    call: Caller;
    mapping: RecordMapping;
    upsertPath: string;
    outcomes: Map<string, Outcome>;
    deadline: number | undefined;
  },
): Promise<void> {
  const { outcomes } = context;
  const pending: Pending[] = [];
  for (const lead of leads) {
    const mapped = toSalesforceRecord(lead, context.mapping);
    if ('reason' in mapped) outcomes.set(lead.id, { status: 'rejected', reason: mapped.reason });
    else pending.push({ lead, ...mapped });
  }
  const chunks = planCalls(pending);
  for (const [index, chunk] of chunks.entries()) {
    const items = chunk.map(({ lead, record }) => ({ leadIds: [lead.id], record }));
    const stop = await sendRecords(items, {
      call: context.call,
      request: (records) => ({
        method: 'PATCH',
        url: context.upsertPath,
        body: { allOrNone: false, records },
      }),
      classify: (item, result, base) => recordOutcome(result, item.record, base),
      outcomes,
      deadline: context.deadline,
    });
    if (stop) {
      // What refused this call (credentials, limits, an outage) would refuse the next ones too;
      // a spent time budget is spent for them as well.
      for (const rest of chunks.slice(index + 1)) {
        for (const leftover of rest) outcomes.set(leftover.lead.id, stop);
      }
      return;
    }
  }
}

function checkOptions(
  options: SalesforceAdapterOptions,
  resolved: {
    apiVersion: string;
    object: string;
    externalIdField: string;
    personIdField: string;
    timeoutMs: number;
  },
): void {
  const problems: string[] = [];
  if (!/^\d{2,3}\.0$/.test(resolved.apiVersion)) {
    problems.push(`apiVersion must look like "62.0", got "${resolved.apiVersion}"`);
  } else if (Number.parseInt(resolved.apiVersion, 10) < 46) {
    problems.push('apiVersion must be 46.0 or later: sObject Collections upsert needs it');
  }
  if (!/^\w+$/.test(resolved.object)) problems.push('object must be an sObject API name such as "Lead"');
  if (!/^\w+$/.test(resolved.externalIdField)) problems.push('externalIdField must be a field API name');
  if (!/^\w+$/.test(resolved.personIdField)) problems.push('personIdField must be a field API name');
  if (!(resolved.timeoutMs > 0)) problems.push('timeoutMs must be > 0');
  const { auth } = options;
  if ('accessToken' in auth) {
    if (!auth.accessToken) problems.push('auth.accessToken is empty');
    checkUrl('auth.instanceUrl', auth.instanceUrl, problems);
    if (/\.lightning\.force\.com/.test(auth.instanceUrl)) {
      problems.push('auth.instanceUrl must be the API host (…my.salesforce.com), not a Lightning URL');
    }
  } else {
    if (!auth.clientId) problems.push('auth.clientId is empty');
    if (!auth.clientSecret) problems.push('auth.clientSecret is empty');
    checkUrl('auth.loginUrl', auth.loginUrl, problems);
  }
  for (const [field, policy] of Object.entries(options.fieldPolicy ?? {})) {
    if (!/^\w+$/.test(field)) problems.push(`fieldPolicy["${field}"] must name a field API name`);
    if (policy !== 'always' && policy !== 'ifEmpty' && policy !== 'never') {
      problems.push(`fieldPolicy["${field}"] must be always, ifEmpty or never`);
    }
  }
  for (const [path, field] of Object.entries(options.fields ?? {})) {
    if (!/^\w+$/.test(field)) problems.push(`fields["${path}"] must be a field API name`);
  }
  if (problems.length > 0) throw new SalesforceConfigError(`Salesforce destination: ${problems.join('; ')}`);
}

function checkUrl(name: string, value: string, problems: string[]): void {
  try {
    const url = new URL(value);
    if (url.protocol !== 'https:' && url.protocol !== 'http:')
      problems.push(`${name} must be an http(s) URL`);
  } catch {
    problems.push(`${name} must be a URL`);
  }
}
