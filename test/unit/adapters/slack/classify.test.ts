import {
  WebAPIHTTPError,
  WebAPIPlatformError,
  WebAPIRateLimitedError,
  WebAPIRequestError,
} from '@slack/web-api';
import { describe, expect, it } from 'vitest';
import { classifySlackErrorCode, classifySlackFailure } from '../../../../adapters/slack/classify.ts';

const platformError = (error: string) => new WebAPIPlatformError({ ok: false, error });

describe('classifySlackErrorCode', () => {
  it.each([
    ['invalid_auth', 'blocked', 'channel'],
    ['not_authed', 'blocked', 'channel'],
    ['account_inactive', 'blocked', 'channel'],
    ['token_revoked', 'blocked', 'channel'],
    ['missing_scope', 'blocked', 'channel'],
    ['channel_not_found', 'rejected', 'channel'],
    ['not_in_channel', 'rejected', 'channel'],
    ['is_archived', 'rejected', 'channel'],
    ['invalid_blocks', 'rejected', 'message'],
    ['msg_too_long', 'rejected', 'message'],
    ['msg_blocks_too_long', 'rejected', 'message'],
    ['no_text', 'rejected', 'message'],
    ['ratelimited', 'retry', 'channel'],
    ['rate_limited', 'retry', 'channel'],
    ['fatal_error', 'retry', 'channel'],
    ['internal_error', 'retry', 'channel'],
    ['some_future_code', 'rejected', 'message'],
  ])('%s → %s (%s-wide)', (code, status, scope) => {
    // Act
    const failure = classifySlackErrorCode(code);

    // Assess
    expect(failure).toEqual({ outcome: { status, reason: code }, scope });
  });

  it('does not carry a non-code body (an HTML error page) into the reason', () => {
    // Act
    const failure = classifySlackErrorCode('<html><body>Bad gateway for jane@example.com</body></html>');

    // Assess
    expect(failure.outcome.reason).toBe('unexpected_response');
  });
});

describe('classifySlackFailure', () => {
  it('turns the SDK rate-limited error into a retry after Retry-After', () => {
    // Act
    const failure = classifySlackFailure(new WebAPIRateLimitedError(7));

    // Assess
    expect(failure).toEqual({
      outcome: { status: 'retry', reason: 'ratelimited', retryAfterMs: 7000 },
      scope: 'channel',
    });
  });

  it.each([
    ['a platform error', platformError('is_archived'), { status: 'rejected', reason: 'is_archived' }],
    [
      'a 503',
      new WebAPIHTTPError(503, 'Service Unavailable', {}, ''),
      { status: 'retry', reason: 'http_503' },
    ],
    [
      'a timeout',
      new WebAPIRequestError(new DOMException('The operation was aborted due to timeout', 'TimeoutError')),
      { status: 'retry', reason: 'timeout' },
    ],
    [
      'a refused connection',
      new WebAPIRequestError(new TypeError('fetch failed')),
      { status: 'retry', reason: 'network_error' },
    ],
    [
      'anything else',
      new Error('Retry header did not contain a valid timeout'),
      { status: 'retry', reason: 'request_failed' },
    ],
    ['a non-error', 'boom', { status: 'retry', reason: 'request_failed' }],
  ])('classifies %s', (_case, error, outcome) => {
    // Act
    const failure = classifySlackFailure(error);

    // Assess
    expect(failure.outcome).toEqual(outcome);
  });
});
