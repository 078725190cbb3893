import { describe, expect, it } from 'vitest';
import { redactPii } from '../../../../functions/observability/logger.ts';

describe('redactPii', () => {
  it.each([
    ['email', 'ada@example.com'],
    ['phone', '+442071838750'],
    ['firstName', 'Ada'],
    ['last_name', 'Lovelace'],
    ['company', 'Analytical Engines'],
  ])('redacts the value of a %s key', (key, value) => {
    expect(redactPii(key, value)).toBe('[redacted]');
  });

  it.each([
    [
      'an address inside a sentence',
      'write to ada.lovelace+leads@example.co.uk today',
      'write to [email] today',
    ],
    ['an E.164 number', 'call +442071838750', 'call [phone]'],
    ['a spaced international number', 'call +44 20 7183 8750 now', 'call [phone] now'],
  ])('masks %s in any other string', (_, value, expected) => {
    expect(redactPii('detail', value)).toBe(expected);
  });

  it.each([
    ['the log message itself', 'message', 'Delivery handled'],
    ['an error name', 'name', 'PublishError'],
    ['an ISO timestamp', 'timestamp', '2026-11-21T12:43:32.402Z'],
    [
      'a stack frame in a scoped package',
      'stack',
      'at /app/node_modules/@aws-sdk/client-sqs/dist/index.js:12:5',
    ],
    ['a loopback address with a port', 'url', 'http://127.0.0.1:3000/webhooks/demo'],
    ['a lead id', 'leadId', 'lead_91dee5a85df50977a0ba1433ab931013'],
  ])('keeps %s readable', (_, key, value) => {
    expect(redactPii(key, value)).toBe(value);
  });

  it('leaves non-strings alone', () => {
    expect(redactPii('score', 85)).toBe(85);
  });
});
