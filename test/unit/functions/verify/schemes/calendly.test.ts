import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { calendly } from '../../../../../functions/verify/schemes/calendly.ts';
import type { WebhookRequest } from '../../../../../functions/verify/types.ts';
import { describeSchemeContract, NOW, options, verificationError } from '../scheme-contract.ts';

const SIGNING_KEY = 'calendly-webhook-signing-key';

describeSchemeContract('calendly', {
  scheme: calendly,
  signatureHeader: 'Calendly-Webhook-Signature',
  timestamped: true,
  secret: SIGNING_KEY,
  otherSecret: 'calendly-old-signing-key',
});

const fixture = readFileSync(
  new URL('../../../../fixtures/senders/calendly_invitee_created.json', import.meta.url),
);
const t = String(NOW.getTime() / 1000);
// Calendly's "Webhook Signatures" recipe: hex HMAC-SHA256 of "<t>.<raw body>" with the signing key.
const v1 = createHmac('sha256', SIGNING_KEY).update(`${t}.`).update(fixture).digest('hex');

function withHeader(header: string): WebhookRequest {
  return {
    method: 'POST',
    url: 'https://example.com/calendly',
    headers: { 'calendly-webhook-signature': header },
    body: fixture,
  };
}

describe('calendly: documented format', () => {
  it('signs the invitee.created fixture as t=<seconds>,v1=<hex>', () => {
    const headers = calendly.sign(
      { method: 'POST', url: 'https://example.com/calendly', body: fixture },
      SIGNING_KEY,
      NOW,
    );
    expect(headers).toEqual({ 'calendly-webhook-signature': `t=${t},v1=${v1}` });
  });

  it('verifies the fixture signed by the documented recipe', () => {
    expect(calendly.verify(withHeader(`t=${t},v1=${v1}`), options([SIGNING_KEY]))).toEqual({
      timestamp: NOW,
    });
  });

  it.each([
    { case: 'no v1=', header: `t=${t}`, code: 'signature_invalid' },
    { case: 'no t=', header: `v1=${v1}`, code: 'timestamp_missing' },
    { case: 't= in milliseconds', header: `t=${NOW.getTime()},v1=${v1}`, code: 'timestamp_in_future' },
    {
      case: 'a base64 signature',
      header: `t=${t},v1=${Buffer.from(v1, 'hex').toString('base64')}`,
      code: 'signature_invalid',
    },
  ])('refuses $case', ({ header, code }) => {
    const error = verificationError(() => calendly.verify(withHeader(header), options([SIGNING_KEY])));
    expect(error.code).toBe(code);
  });
});
