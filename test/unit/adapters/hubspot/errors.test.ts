import { describe, expect, it } from 'vitest';
import {
  DAILY_LIMIT_RETRY_MS,
  describeError,
  isMissingIdProperty,
  isWholeBatchPropertyError,
  parseErrorBody,
  rateLimitWait,
  redactEmails,
  retryAfterMs,
} from '../../../../adapters/hubspot/errors.ts';

describe('redactEmails', () => {
  it.each([
    ['Email address ada@example.com is invalid', 'Email address <email> is invalid'],
    ['[{"message":"Email address x@y.io is invalid"}]', '[{"message":"Email address <email> is invalid"}]'],
    [
      'Duplicate IDs found in batch input: [a@b.com, c@d.org]',
      'Duplicate IDs found in batch input: [<email>, <email>]',
    ],
    ['no address here', 'no address here'],
  ])('%s', (input, expected) => {
    // Act
    const redacted = redactEmails(input);

    // Assess
    expect(redacted).toBe(expected);
  });
});

describe('describeError', () => {
  it('names the status, category and message without the email HubSpot quoted', () => {
    // Prepare
    const body = { category: 'VALIDATION_ERROR', message: 'Email address ada@example.com is invalid' };

    // Act
    const reason = describeError(400, body);

    // Assess
    expect(reason).toBe('HubSpot 400 VALIDATION_ERROR: Email address <email> is invalid');
  });
});

describe('parseErrorBody', () => {
  it.each([
    ['HTML from a gateway', '<html>502</html>'],
    ['a JSON array', '[1,2]'],
    ['an empty body', ''],
  ])('yields an empty body for %s', (_case, text) => {
    // Act
    const body = parseErrorBody(text);

    // Assess
    expect(body).toEqual({});
  });
});

describe('rateLimitWait', () => {
  it.each([
    ['Retry-After in seconds wins', { 'retry-after': '3' }, { policyName: 'TEN_SECONDLY_ROLLING' }, 3000],
    [
      'the rolling window from the interval header',
      { 'x-hubspot-ratelimit-interval-milliseconds': '5000' },
      { policyName: 'TEN_SECONDLY_ROLLING' },
      5000,
    ],
    ['ten seconds when HubSpot sends no headers', {}, { policyName: 'TEN_SECONDLY_ROLLING' }, 10_000],
    ['an hour for the daily policy', {}, { policyName: 'DAILY' }, DAILY_LIMIT_RETRY_MS],
  ])('%s', (_case, headers, body, expected) => {
    // Act
    const wait = rateLimitWait(headers, body);

    // Assess
    expect(wait).toBe(expected);
  });
});

describe('retryAfterMs', () => {
  it.each([
    ['seconds', '2', 2000],
    ['fractional seconds', '0.5', 500],
    ['an HTTP date', 'Sat, 21 Nov 2026 10:00:05 GMT', 5000],
    ['nothing', undefined, undefined],
    ['garbage', 'soon', undefined],
  ])('reads %s', (_case, value, expected) => {
    // Prepare
    const now = Date.parse('Sat, 21 Nov 2026 10:00:00 GMT');

    // Act
    const wait = retryAfterMs(value, now);

    // Assess
    expect(wait).toBe(expected);
  });
});

describe('isWholeBatchPropertyError', () => {
  it.each([
    ['a missing property in errors[]', { errors: [{ code: 'PROPERTY_DOESNT_EXIST' }] }, true],
    [
      'a missing property in the message',
      { message: 'Property values were not valid: [{"error":"PROPERTY_DOESNT_EXIST"}]' },
      true,
    ],
    ['an invalid email', { errors: [{ code: 'INVALID_EMAIL' }], message: 'Email address is invalid' }, false],
  ])('%s', (_case, body, expected) => {
    // Act
    const whole = isWholeBatchPropertyError(body);

    // Assess
    expect(whole).toBe(expected);
  });
});

describe('isMissingIdProperty', () => {
  it.each([
    [
      'HubSpot’s refusal naming the property',
      'Unable to perform update/upsert by non-unique 0-1 property leadpipe_person_id in portal ID 12345',
      true,
    ],
    [
      'the same refusal of a read',
      'Unable to perform read by non-unique 0-1 property leadpipe_person_id in portal ID 1',
      true,
    ],
    [
      'a refusal naming another property',
      'Unable to perform update/upsert by non-unique 0-1 property email',
      false,
    ],
    [
      'a longer name that starts alike',
      'Unable to perform read by non-unique 0-1 property leadpipe_person_id_old',
      false,
    ],
    ['another validation error', 'Property values were not valid', false],
  ])('%s', (_case, message, expected) => {
    // Act
    const missing = isMissingIdProperty({ message, category: 'VALIDATION_ERROR' }, 'leadpipe_person_id');

    // Assess
    expect(missing).toBe(expected);
  });
});
