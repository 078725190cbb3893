import { Connection } from 'jsforce';
import type { Outcome } from '../../functions/ports.ts';
import { acquireBefore, beforeDeadline, callTimeout } from '../deadline.ts';
import type { RateLimiter } from '../rate-limit.ts';
import { SalesforceTokenError, type Session, type SessionSource } from './auth.ts';
import { ObservedTransport } from './transport.ts';

/** One REST request, relative to the instance URL. */
export interface RestRequest {
  method: 'GET' | 'POST' | 'PATCH';
  url: string;
  body?: unknown;
}

export type Failure =
  | { kind: 'token'; error: SalesforceTokenError }
  | { kind: 'http'; status: number; errorCode: string; message: string }
  | { kind: 'network'; name: string; timedOut: boolean; timeoutMs: number };

export type CallResult =
  | { ok: true; body: unknown; session: Session }
  | { ok: false; failure: Failure }
  /** Not sent: too little time was left before the deadline. */
  | { ok: false; late: true };

export type Caller = (request: RestRequest, deadline: number | undefined) => Promise<CallResult>;

/** What one failed call means for the records in it. */
export type Verdict =
  /** The same outcome for these records and for every record not yet sent: the org, not the data, is the problem. */
  | { kind: 'stop'; outcome: Outcome }
  /** A permanent answer about these records only. */
  | { kind: 'reject'; reason: string }
  /** One bad record spoiled the request: send the halves separately. */
  | { kind: 'split' };

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

export interface CallerOptions {
  sessions: SessionSource;
  apiVersion: string;
  timeoutMs: number;
  limiter: RateLimiter | undefined;
}

/**
 * Sends REST requests through jsforce's `Connection.request` with one session; on 401
 * INVALID_SESSION_ID it gets a new token once (client credentials) and sends again. Every call waits
 * for a rate-limiter slot and respects the deadline.
 */
export function createCaller(options: CallerOptions): Caller {
  const { sessions, apiVersion, timeoutMs, limiter } = options;
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

  const send = async (
    request: RestRequest,
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
          method: request.method,
          url: request.url,
          ...(request.body === undefined
            ? {}
            : { body: JSON.stringify(request.body), headers: { 'content-type': 'application/json' } }),
        },
        { transport },
      );
      return { ok: true, body, session };
    } catch (error) {
      return { ok: false, failure: describeFailure(error, transport.status, callMs) };
    }
  };

  return async (request, deadline) => {
    let session: Session | undefined;
    try {
      // A token request keeps its own timeout; past the deadline it finishes (and is cached) unawaited.
      session = await beforeDeadline(sessions.current(), deadline);
    } catch (error) {
      return tokenFailure(error);
    }
    if (!session) return { ok: false, late: true };
    const first = await send(request, session, deadline);
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
    return send(request, session, deadline);
  };
}

/**
 * What a failed call means. `everyRecordHas(field)` says whether every record of the call carries
 * a field: a request-wide 400 naming such a field would fail every half the same way.
 */
export function judge(
  failure: Failure,
  recordCount: number,
  everyRecordHas: (field: string) => boolean,
): Verdict {
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
      if (status === 400 && recordCount > 1 && !spoilsEveryRecord(failure, everyRecordHas))
        return { kind: 'split' };
      return { kind: 'reject', reason };
    }
  }
}

/**
 * True when a request-wide 400 names a field every record carries ("No such column 'X'"), or the
 * external-id field itself: every half would fail the same way, so splitting would only spend calls.
 */
function spoilsEveryRecord(
  failure: { errorCode: string; message: string },
  everyRecordHas: (field: string) => boolean,
): boolean {
  if (failure.errorCode !== 'INVALID_FIELD') return false;
  const named = /No such column '([^']+)'/.exec(failure.message)?.[1];
  if (named === undefined) return true;
  return everyRecordHas(named);
}

export function failureReason(failure: Failure): string {
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
