import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { stripe } from '../../../../../functions/verify/schemes/stripe.ts';
import type { WebhookRequest } from '../../../../../functions/verify/types.ts';
import { BODY, describeSchemeContract, NOW, options, verificationError } from '../scheme-contract.ts';

const SECRET = 'whsec_stripe_endpoint_secret';
const OTHER = 'whsec_previous_endpoint_secret';

describeSchemeContract('stripe', {
  scheme: stripe,
  signatureHeader: 'Stripe-Signature',
  timestamped: true,
  secret: SECRET,
  otherSecret: OTHER,
});

const t = String(NOW.getTime() / 1000);
// Stripe's documented recipe: hex HMAC-SHA256 of "<t>.<raw body>" with the endpoint secret as UTF-8 key.
const v1 = (secret: string) => createHmac('sha256', secret).update(`${t}.`).update(BODY).digest('hex');

function withHeader(header: string): WebhookRequest {
  return {
    method: 'POST',
    url: 'https://example.com/stripe',
    headers: { 'stripe-signature': header },
    body: BODY,
  };
}

describe('stripe: header format', () => {
  it('signs exactly as Stripe documents', () => {
    const headers = stripe.sign(
      { method: 'POST', url: 'https://example.com/stripe', body: BODY },
      SECRET,
      NOW,
    );
    expect(headers).toEqual({ 'stripe-signature': `t=${t},v1=${v1(SECRET)}` });
  });

  it.each([
    { case: 'several v1 values, the valid one last', header: `t=${t},v1=${v1(OTHER)},v1=${v1(SECRET)}` },
    { case: 'a v0 value beside v1', header: `t=${t},v1=${v1(SECRET)},v0=${v1('test-mode')}` },
    { case: 'an unknown scheme first', header: `v9=abc,t=${t},v1=${v1(SECRET)}` },
    { case: 'spaces after commas', header: `t=${t}, v1=${v1(SECRET)}` },
  ])('accepts $case', ({ header }) => {
    const delivery = stripe.verify(withHeader(header), options([SECRET]));
    expect(delivery.timestamp).toEqual(NOW);
  });

  it.each([
    {
      case: 'only a v0 signature',
      header: `t=${t},v0=${v1(SECRET)}`,
      code: 'signature_invalid',
      message: 'Malformed Stripe-Signature header: expected t=<timestamp>,v1=<hex signature>',
    },
    {
      case: 'no t=',
      header: `v1=${v1(SECRET)}`,
      code: 'timestamp_missing',
      message: 'Stripe-Signature header has no t= timestamp',
    },
    {
      case: 'a non-numeric t=',
      header: `t=now,v1=${v1(SECRET)}`,
      code: 'timestamp_invalid',
      message: 'Stripe-Signature t= is not a Unix timestamp in seconds',
    },
    {
      case: 'garbage',
      header: 'not a stripe header',
      code: 'timestamp_missing',
      message: 'Stripe-Signature header has no t= timestamp',
    },
    {
      case: 'a signature for another timestamp',
      header: `t=${Number(t) + 1},v1=${v1(SECRET)}`,
      code: 'signature_invalid',
      message: 'No matching signature found (1 secret tried)',
    },
  ])('refuses $case', ({ header, code, message }) => {
    const error = verificationError(() => stripe.verify(withHeader(header), options([SECRET])));
    expect(error.code).toBe(code);
    expect(error.message).toBe(message);
  });
});
