import { Connection } from 'jsforce';
import type { DestinationAdapter, Outcome } from '../../functions/ports.ts';
import type { Lead } from '../../schemas/generated/lead.ts';
import { acquireBefore, beforeDeadline, callTimeout, TIME_BUDGET_SPENT } from '../deadline.ts';
import { type RateLimiter, RollingWindowLimiter } from '../rate-limit.ts';
import {
  clientCredentialsSession,
  fixedSession,
  SalesforceTokenError,
  type Session,
  type SessionSource,
} from './auth.ts';
import { SALESFORCE_BATCH_LIMIT } from './limits.ts';
import {
  DEFAULT_FALLBACK,
  type RecordMapping,
  redact,
  type SalesforceRecord,
  toSalesforceRecord,
} from './records.ts';
import { ObservedTransport } from './transport.ts';

export { SALESFORCE_BATCH_LIMIT };
export const DEFAULT_API_VERSION = '62.0';
export const DEFAULT_OBJECT = 'Lead';
export const DEFAULT_EXTERNAL_ID_FIELD = 'Email_Key__c';
export const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * Retry delay when the org's API request allowance (`TotalRequests`) is spent. The allowance is a
 * rolling 24-hour window, so capacity comes back gradually as calls from a day ago age out, not in
 * seconds: probing every few seconds only adds refused calls. A quarter of an hour lets a few
 * attempts fit in a normal dead-letter budget without leaving leads waiting for hours once capacity
 * is back.
 */
export const DAILY_LIMIT_RETRY_AFTER_MS = 15 * 60_000;

/**
 * Retry delay for the other REQUEST_LIMIT_EXCEEDED, the concurrent long-running request limit
 * (`ConcurrentPerOrgLongTxn`): it clears as soon as the org's requests running over 20 s finish.
 */
export const CONCURRENCY_LIMIT_RETRY_AFTER_MS = 20_000;

/** Per-record errors that say "not now" rather than "never": the record is fine, the org was busy. */
export const TRANSIENT_RECORD_ERRORS: ReadonlySet<string> = new Set([
  'UNABLE_TO_LOCK_ROW',
  'UNKNOWN_EXCEPTION',
  'SERVER_UNAVAILABLE',
  'REQUEST_RUNNING_TOO_LONG',
]);

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
  /** Extra lead fields → Salesforce fields, e.g. { 'utm.campaign': 'UTM_Campaign__c' }. */
  fields?: Record<string, string>;
  /** Values for Lead's required LastName and Company when the lead has none. Default '[not provided]'. */
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

type Failure =
  | { kind: 'token'; error: SalesforceTokenError }
  | { kind: 'http'; status: number; errorCode: string; message: string }
  | { kind: 'network'; name: string; timedOut: boolean; timeoutMs: number };

type CallResult =
  | { ok: true; body: unknown; session: Session }
  | { ok: false; failure: Failure }
  /** Not sent: too little time was left before the deadline. */
  | { ok: false; late: true };

/** What one failed call means for the records in it. */
type Verdict =
  /** The same outcome for these records and for every record not yet sent: the org, not the data, is the problem. */
  | { kind: 'stop'; outcome: Outcome }
  /** A permanent answer about these records only. */
  | { kind: 'reject'; reason: string }
  /** One bad record spoiled the request: send the halves separately. */
  | { kind: 'split' };

/**
 * Upserts leads into Salesforce through sObject Collections
 * (`PATCH /services/data/vXX.X/composite/sobjects/{object}/{externalIdField}`, allOrNone false) with
 * jsforce, and classifies every lead. Never throws for vendor errors.
 */
export function createSalesforceAdapter(options: SalesforceAdapterOptions): DestinationAdapter {
  const apiVersion = options.apiVersion ?? DEFAULT_API_VERSION;
  const object = options.object ?? DEFAULT_OBJECT;
  const externalIdField = options.externalIdField ?? DEFAULT_EXTERNAL_ID_FIELD;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  checkOptions(options, { apiVersion, object, externalIdField, timeoutMs });

  const mapping: RecordMapping = {
    object,
    externalIdField,
    fields: options.fields ?? {},
    fallbacks: {
      lastName: options.fallbacks?.lastName ?? DEFAULT_FALLBACK,
      company: options.fallbacks?.company ?? DEFAULT_FALLBACK,
    },
  };
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
  const upsertPath = `/services/data/v${apiVersion}/composite/sobjects/${encodeURIComponent(object)}/${encodeURIComponent(externalIdField)}`;

  let cached: { session: Session; connection: Connection } | undefined;
  const connectionFor = (session: Session): Connection => {
    if (cached?.session !== session) {
      const connection = new Connection({
        instanceUrl: session.instanceUrl,
        accessToken: session.accessToken,
        version: apiVersion,
      });
      cached = { session, connection };
    }
    return cached.connection;
  };

  /** One PATCH with one session, unless the deadline is too near; jsforce builds the same request for an array upsert (API ≥ 46). */
  const send = async (
    records: SalesforceRecord[],
    session: Session,
    deadline: number | undefined,
  ): Promise<CallResult> => {
    if (limiter && !(await acquireBefore(limiter, deadline))) return { ok: false, late: true };
    const callMs = callTimeout(timeoutMs, deadline);
    if (callMs === undefined) return { ok: false, late: true };
    const transport = new ObservedTransport(callMs);
    try {
      const body = await connectionFor(session).request(
        {
          method: 'PATCH',
          url: upsertPath,
          body: JSON.stringify({ allOrNone: false, records }),
          headers: { 'content-type': 'application/json' },
        },
        { transport },
      );
      return { ok: true, body, session };
    } catch (error) {
      return { ok: false, failure: describeFailure(error, transport.status, callMs) };
    }
  };

  /** Sends once; on 401 INVALID_SESSION_ID gets a new token once (client credentials) and sends again. */
  const call = async (records: SalesforceRecord[], deadline: number | undefined): Promise<CallResult> => {
    let session: Session | undefined;
    try {
      // A token request keeps its own timeout; past the deadline it finishes (and is cached) unawaited.
      session = await beforeDeadline(sessions.current(), deadline);
    } catch (error) {
      return tokenFailure(error);
    }
    if (!session) return { ok: false, late: true };
    const first = await send(records, session, deadline);
    if (first.ok || !('failure' in first) || first.failure.kind !== 'http' || first.failure.status !== 401)
      return first;
    const refreshing = sessions.refresh(session);
    if (!refreshing) return first;
    try {
      session = await beforeDeadline(refreshing, deadline);
    } catch (error) {
      return tokenFailure(error);
    }
    if (!session) return { ok: false, late: true };
    return send(records, session, deadline);
  };

  /** Upserts one chunk, splitting it on a request-wide 400; returns the outcome for the rest when the org refused. */
  const upsert = async (
    chunk: Pending[],
    outcomes: Map<string, Outcome>,
    deadline: number | undefined,
  ): Promise<Outcome | undefined> => {
    const result = await call(
      chunk.map((pending) => pending.record),
      deadline,
    );
    if (result.ok) {
      classifyResults(chunk, result.body, result.session, object, outcomes);
      return undefined;
    }
    if (!('failure' in result)) {
      for (const pending of chunk) outcomes.set(pending.lead.id, TIME_BUDGET_SPENT);
      return TIME_BUDGET_SPENT;
    }
    const verdict = judge(result.failure, chunk);
    if (verdict.kind === 'split' && chunk.length > 1) {
      const middle = Math.ceil(chunk.length / 2);
      const stop = await upsert(chunk.slice(0, middle), outcomes, deadline);
      if (stop) {
        for (const pending of chunk.slice(middle)) outcomes.set(pending.lead.id, stop);
        return stop;
      }
      return upsert(chunk.slice(middle), outcomes, deadline);
    }
    if (verdict.kind === 'stop') {
      for (const pending of chunk) outcomes.set(pending.lead.id, verdict.outcome);
      return verdict.outcome;
    }
    const reason = verdict.kind === 'reject' ? verdict.reason : failureReason(result.failure);
    for (const pending of chunk) {
      outcomes.set(pending.lead.id, { status: 'rejected', reason: redact(reason, pending.record) });
    }
    return undefined;
  };

  return {
    maxBatchSize: SALESFORCE_BATCH_LIMIT,
    async deliver(leads, { deadline } = {}) {
      const outcomes = new Map<string, Outcome>();
      const pending: Pending[] = [];
      for (const lead of leads) {
        const mapped = toSalesforceRecord(lead, mapping);
        if ('reason' in mapped) outcomes.set(lead.id, { status: 'rejected', reason: mapped.reason });
        else pending.push({ lead, ...mapped });
      }
      const chunks = planCalls(pending);
      for (const [index, chunk] of chunks.entries()) {
        const stop = await upsert(chunk, outcomes, deadline);
        if (stop) {
          // What refused this call (credentials, limits, an outage) would refuse the next ones too;
          // a spent time budget is spent for them as well.
          for (const rest of chunks.slice(index + 1)) {
            for (const leftover of rest) outcomes.set(leftover.lead.id, stop);
          }
          break;
        }
      }
      return outcomes;
    },
  };
}

/**
 * Groups records into calls of at most 200. Two leads with the same email never share a call:
 * Salesforce fails every record of a call whose external id repeats (DUPLICATE_VALUE), so the n-th
 * occurrence of a key goes in the n-th round, keeping the order in which they arrived.
 */
export function planCalls<T extends { key: string }>(records: readonly T[]): T[][] {
  const rounds: T[][] = [];
  const seen = new Map<string, number>();
  for (const record of records) {
    const round = seen.get(record.key) ?? 0;
    seen.set(record.key, round + 1);
    const bucket = rounds[round] ?? [];
    bucket.push(record);
    rounds[round] = bucket;
  }
  const calls: T[][] = [];
  for (const round of rounds) {
    for (let start = 0; start < round.length; start += SALESFORCE_BATCH_LIMIT) {
      calls.push(round.slice(start, start + SALESFORCE_BATCH_LIMIT));
    }
  }
  return calls;
}

interface UpsertResultLike {
  id?: unknown;
  success?: unknown;
  errors?: { statusCode?: unknown; message?: unknown }[];
}

function classifyResults(
  chunk: Pending[],
  body: unknown,
  session: Session,
  object: string,
  outcomes: Map<string, Outcome>,
): void {
  if (!Array.isArray(body) || body.length !== chunk.length) {
    // Without one result per record in order, nothing can be said about any of them.
    for (const pending of chunk) {
      outcomes.set(pending.lead.id, {
        status: 'retry',
        reason: 'Salesforce answered the upsert without one result per record',
      });
    }
    return;
  }
  const base = session.instanceUrl.replace(/\/+$/, '');
  chunk.forEach((pending, index) => {
    const result = body[index] as UpsertResultLike | undefined;
    if (result?.success === true && typeof result.id === 'string') {
      outcomes.set(pending.lead.id, {
        status: 'delivered',
        ref: { id: result.id, url: `${base}/lightning/r/${object}/${result.id}/view` },
      });
      return;
    }
    const errors = Array.isArray(result?.errors) ? result.errors : [];
    const codes = errors.map((error) => String(error.statusCode ?? 'UNKNOWN_ERROR'));
    const reason =
      errors.length > 0
        ? errors.map((error, i) => `${codes[i]}: ${String(error.message ?? '')}`).join('; ')
        : 'UNKNOWN_ERROR: Salesforce reported a failure without an error';
    const transient = codes.length > 0 && codes.every((code) => TRANSIENT_RECORD_ERRORS.has(code));
    outcomes.set(pending.lead.id, {
      status: transient ? 'retry' : 'rejected',
      reason: redact(reason, pending.record),
    });
  });
}

function judge(failure: Failure, chunk: Pending[]): Verdict {
  const reason = failureReason(failure);
  switch (failure.kind) {
    case 'token':
      return { kind: 'stop', outcome: { status: failure.error.refused ? 'blocked' : 'retry', reason } };
    case 'network':
      return { kind: 'stop', outcome: { status: 'retry', reason } };
    case 'http': {
      const { status, errorCode, message } = failure;
      if (status === 401) return { kind: 'stop', outcome: { status: 'blocked', reason } };
      if (status === 403 && errorCode === 'REQUEST_LIMIT_EXCEEDED') {
        const retryAfterMs = message.includes('TotalRequests')
          ? DAILY_LIMIT_RETRY_AFTER_MS
          : CONCURRENCY_LIMIT_RETRY_AFTER_MS;
        return { kind: 'stop', outcome: { status: 'retry', reason, retryAfterMs } };
      }
      if (status === 403) return { kind: 'stop', outcome: { status: 'blocked', reason } };
      if (status === 429 || status >= 500) return { kind: 'stop', outcome: { status: 'retry', reason } };
      if (status === 400 && chunk.length > 1 && !spoilsEveryRecord(failure, chunk)) return { kind: 'split' };
      return { kind: 'reject', reason };
    }
  }
}

/**
 * True when a request-wide 400 names a field every record carries ("No such column 'X'"), or the
 * external-id field itself: every half would fail the same way, so splitting would only spend calls.
 */
function spoilsEveryRecord(failure: { errorCode: string; message: string }, chunk: Pending[]): boolean {
  if (failure.errorCode !== 'INVALID_FIELD') return false;
  const named = /No such column '([^']+)'/.exec(failure.message)?.[1];
  if (named === undefined) return true;
  return chunk.every((pending) => Object.hasOwn(pending.record, named));
}

function failureReason(failure: Failure): string {
  switch (failure.kind) {
    case 'token':
      return failure.error.message;
    case 'network':
      return failure.timedOut
        ? `Salesforce did not answer within ${failure.timeoutMs} ms`
        : `could not reach Salesforce (${failure.name})`;
    case 'http':
      return `${failure.errorCode}: ${failure.message}`;
  }
}

function tokenFailure(error: unknown): CallResult {
  const tokenError =
    error instanceof SalesforceTokenError
      ? error
      : new SalesforceTokenError('Salesforce token request failed', {
          status: undefined,
          errorCode: 'Error',
          cause: error,
        });
  return { ok: false, failure: { kind: 'token', error: tokenError } };
}

/** Turns what jsforce threw into a failure; `status` is undefined when no answer arrived. */
function describeFailure(error: unknown, status: number | undefined, timeoutMs: number): Failure {
  const name = error instanceof Error ? error.name : 'Error';
  if (status === undefined) return { kind: 'network', name, timedOut: name === 'AbortError', timeoutMs };
  const apiError = error as { errorCode?: unknown; message?: unknown; data?: unknown };
  let errorCode = typeof apiError.errorCode === 'string' ? apiError.errorCode : name;
  let message = typeof apiError.message === 'string' ? apiError.message : '';
  const first = Array.isArray(apiError.data) ? (apiError.data[0] as typeof apiError | undefined) : undefined;
  if (errorCode === 'MULTIPLE_API_ERRORS' && first) {
    // Several errors: the first one is the one a person needs to read.
    errorCode = typeof first.errorCode === 'string' ? first.errorCode : errorCode;
    message = typeof first.message === 'string' ? first.message : message;
  }
  return { kind: 'http', status, errorCode, message: message.slice(0, 500) };
}

function checkOptions(
  options: SalesforceAdapterOptions,
  resolved: { apiVersion: string; object: string; externalIdField: string; timeoutMs: number },
): void {
  const problems: string[] = [];
  if (!/^\d{2,3}\.0$/.test(resolved.apiVersion)) {
    problems.push(`apiVersion must look like "62.0", got "${resolved.apiVersion}"`);
  } else if (Number.parseInt(resolved.apiVersion, 10) < 46) {
    problems.push('apiVersion must be 46.0 or later: sObject Collections upsert needs it');
  }
  if (!/^\w+$/.test(resolved.object)) problems.push('object must be an sObject API name such as "Lead"');
  if (!/^\w+$/.test(resolved.externalIdField)) problems.push('externalIdField must be a field API name');
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
