import { describe, expect, it } from 'vitest';
import { slack } from '../../../../../functions/verify/schemes/slack.ts';
import type { WebhookRequest } from '../../../../../functions/verify/types.ts';
import { describeSchemeContract, options, verificationError } from '../scheme-contract.ts';

describeSchemeContract('slack', {
  scheme: slack,
  signatureHeader: 'X-Slack-Signature',
  timestampHeader: 'X-Slack-Request-Timestamp',
  timestamped: true,
  secret: '8f742231b10e8888abcd99yyyzzz85a5',
  otherSecret: 'an-older-slack-signing-secret',
});

// The published example from Slack's "Verifying requests from Slack" (test/fixtures/senders/README.md).
const VECTOR = {
  secret: '8f742231b10e8888abcd99yyyzzz85a5',
  timestamp: '1531420618',
  body:
    'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V' +
    '&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=' +
    '&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN' +
    '&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c',
  signature: 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
};
const vectorTime = new Date(Number(VECTOR.timestamp) * 1000);

function vectorRequest(signature = VECTOR.signature): WebhookRequest {
  return {
    method: 'POST',
    url: 'https://example.com/slack/commands',
    headers: { 'x-slack-request-timestamp': VECTOR.timestamp, 'x-slack-signature': signature },
    body: Buffer.from(VECTOR.body),
  };
}

describe('slack: published vector', () => {
  it('verifies the documented slash-command example at its own time', () => {
    expect(slack.verify(vectorRequest(), options([VECTOR.secret], vectorTime))).toEqual({
      timestamp: vectorTime,
    });
  });

  it('signs the documented example to the published signature', () => {
    const headers = slack.sign(
      { method: 'POST', url: 'https://example.com/slack/commands', body: Buffer.from(VECTOR.body) },
      VECTOR.secret,
      vectorTime,
    );
    expect(headers).toEqual({
      'x-slack-request-timestamp': VECTOR.timestamp,
      'x-slack-signature': VECTOR.signature,
    });
  });

  it('keeps to Slack five minutes even when the configured window is wider', () => {
    const later = new Date(vectorTime.getTime() + 301_000);
    const error = verificationError(() =>
      slack.verify(vectorRequest(), { secrets: [VECTOR.secret], toleranceSeconds: 3600, now: later }),
    );
    expect(error.code).toBe('timestamp_too_old');
    expect(error.message).toBe('Webhook timestamp is 301 s old; the tolerance is 300 s');
  });

  it.each([
    { case: 'no v0= prefix', signature: VECTOR.signature.slice(3), code: 'signature_invalid' },
    { case: 'a v1= prefix', signature: VECTOR.signature.replace('v0=', 'v1='), code: 'signature_invalid' },
  ])('refuses $case', ({ signature, code }) => {
    const error = verificationError(() =>
      slack.verify(vectorRequest(signature), options([VECTOR.secret], vectorTime)),
    );
    expect(error.code).toBe(code);
    expect(error.message).toBe('Malformed X-Slack-Signature header: expected v0=<hex>');
  });
});
