import {
  ErrorCode,
  type WebAPIHTTPError,
  type WebAPIPlatformError,
  type WebAPIRateLimitedError,
  type WebAPIRequestError,
} from '@slack/web-api';
import type { Outcome } from '../../functions/ports.ts';

export type FailedOutcome = Exclude<Outcome, { status: 'delivered' }>;

/**
 * How far a failure reaches. `message`: only this message is at fault (its blocks, its length), the next one may
 * well go through. `channel`: the token, the channel, Slack's rate limit or an outage: every later message in
 * the batch would fail the same way, so it gets the same outcome without another call.
 */
export type FailureScope = 'message' | 'channel';

export interface ClassifiedFailure {
  outcome: FailedOutcome;
  scope: FailureScope;
}

/** The token is bad or lacks chat:write: keep leads queued and alert ops. */
export const SLACK_BLOCKED_ERRORS: ReadonlySet<string> = new Set([
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'missing_scope',
  'no_permission',
  'not_allowed_token_type',
  'ekm_access_denied',
]);

/** Slack's own transient conditions, sent as `ok:false` rather than a 5xx. */
export const SLACK_TRANSIENT_ERRORS: ReadonlySet<string> = new Set([
  'ratelimited',
  'rate_limited',
  'fatal_error',
  'internal_error',
  'request_timeout',
  'service_unavailable',
  'team_added_to_org',
  'org_login_required',
]);

/** Permanent, and about the channel rather than the message: every message to it fails alike. */
export const SLACK_CHANNEL_ERRORS: ReadonlySet<string> = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'restricted_action',
  'restricted_action_read_only_channel',
  'restricted_action_thread_only_channel',
]);

/**
 * Turns whatever WebClient threw into an outcome. Reasons are Slack's error codes or fixed words, never the
 * error's message, which may echo the request.
 */
export function classifySlackFailure(error: unknown): ClassifiedFailure {
  const coded = error as { code?: unknown } | null;
  switch (typeof coded === 'object' && coded !== null ? coded.code : undefined) {
    case ErrorCode.RateLimitedError: {
      const { retryAfter } = error as WebAPIRateLimitedError;
      return {
        outcome: { status: 'retry', reason: 'ratelimited', retryAfterMs: Math.max(0, retryAfter) * 1000 },
        scope: 'channel',
      };
    }
    case ErrorCode.PlatformError:
      return classifySlackErrorCode((error as WebAPIPlatformError).data.error);
    case ErrorCode.HTTPError: {
      const { statusCode } = error as WebAPIHTTPError;
      return { outcome: { status: 'retry', reason: `http_${statusCode}` }, scope: 'channel' };
    }
    case ErrorCode.RequestError: {
      const { original } = error as WebAPIRequestError;
      const timedOut = original?.name === 'TimeoutError' || original?.name === 'AbortError';
      return {
        outcome: { status: 'retry', reason: timedOut ? 'timeout' : 'network_error' },
        scope: 'channel',
      };
    }
    default:
      // E.g. a 429 without a usable Retry-After, which the SDK reports as a plain Error.
      return { outcome: { status: 'retry', reason: 'request_failed' }, scope: 'channel' };
  }
}

/** Classifies the `error` of an `ok:false` answer. */
export function classifySlackErrorCode(error: string): ClassifiedFailure {
  // The SDK puts a whole non-JSON body (an HTML error page) into `error`: keep only real codes.
  const code = /^[a-z0-9_]{1,64}$/.test(error) ? error : 'unexpected_response';
  if (SLACK_BLOCKED_ERRORS.has(code))
    return { outcome: { status: 'blocked', reason: code }, scope: 'channel' };
  if (SLACK_TRANSIENT_ERRORS.has(code))
    return { outcome: { status: 'retry', reason: code }, scope: 'channel' };
  if (SLACK_CHANNEL_ERRORS.has(code))
    return { outcome: { status: 'rejected', reason: code }, scope: 'channel' };
  // invalid_blocks, msg_too_long, no_text and codes Slack adds later: this message is at fault, and replaying
  // it unchanged would fail again.
  return { outcome: { status: 'rejected', reason: code }, scope: 'message' };
}
