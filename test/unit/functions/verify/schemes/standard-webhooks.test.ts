import { describe, expect, it } from 'vitest';
import { standardWebhooks } from '../../../../../functions/verify/schemes/standard-webhooks.ts';
import type { WebhookRequest } from '../../../../../functions/verify/types.ts';
import { describeSchemeContract, options, signedRequest, verificationError } from '../scheme-contract.ts';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const OTHER_SECRET = `whsec_${Buffer.from('another key of thirty-two bytes!').toString('base64')}`;

describeSchemeContract('standard-webhooks', {
  scheme: standardWebhooks,
  signatureHeader: 'webhook-signature',
  timestampHeader: 'webhook-timestamp',
  timestamped: true,
  deliveryIdHeader: 'webhook-id',
  deliveryIdSigned: true,
  secret: SECRET,
  otherSecret: OTHER_SECRET,
});

// The published vector from the Standard Webhooks spec (test/fixtures/senders/README.md).
const vector = {
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: '1614265330',
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};
const vectorTime = new Date(Number(vector.timestamp) * 1000);

function vectorRequest(headers: Record<string, string>): WebhookRequest {
  return { method: 'POST', url: 'https://example.com/webhook', headers, body: Buffer.from(vector.body) };
}

describe('standard-webhooks: published vector', () => {
  it.each([
    { case: 'webhook-* headers', prefix: 'webhook' },
    { case: 'svix-* headers', prefix: 'svix' },
  ])('verifies the spec vector with $case at its own time', ({ prefix }) => {
    // Prepare
    const request = vectorRequest({
      [`${prefix}-id`]: vector.id,
      [`${prefix}-timestamp`]: vector.timestamp,
      [`${prefix}-signature`]: vector.signature,
    });
    // Act
    const delivery = standardWebhooks.verify(request, options([SECRET], vectorTime));
    // Assess
    expect(delivery).toEqual({ deliveryId: vector.id, deliveryIdSigned: true, timestamp: vectorTime });
  });

  it('signs the spec vector to the published signature', () => {
    const headers = standardWebhooks.sign(
      {
        method: 'POST',
        url: 'https://example.com/webhook',
        body: Buffer.from(vector.body),
        deliveryId: vector.id,
      },
      SECRET,
      vectorTime,
    );
    expect(headers).toEqual({
      'webhook-id': vector.id,
      'webhook-timestamp': vector.timestamp,
      'webhook-signature': vector.signature,
    });
  });

  it('accepts the secret without its whsec_ prefix', () => {
    const request = vectorRequest({
      'webhook-id': vector.id,
      'webhook-timestamp': vector.timestamp,
      'webhook-signature': vector.signature,
    });
    expect(() =>
      standardWebhooks.verify(request, options([SECRET.slice('whsec_'.length)], vectorTime)),
    ).not.toThrow();
  });

  it.each([
    { case: 'several signatures, the valid one last', header: `v1,bm9wZQ== v1a,ignored ${vector.signature}` },
    { case: 'several signatures, the valid one first', header: `${vector.signature} v1,bm9wZQ==` },
  ])('accepts $case', ({ header }) => {
    const request = vectorRequest({
      'webhook-id': vector.id,
      'webhook-timestamp': vector.timestamp,
      'webhook-signature': header,
    });
    expect(() => standardWebhooks.verify(request, options([SECRET], vectorTime))).not.toThrow();
  });

  it.each([
    { case: 'another id', id: 'msg_other', timestamp: vector.timestamp, signature: vector.signature },
    { case: 'another timestamp', id: vector.id, timestamp: '1614265331', signature: vector.signature },
    {
      case: 'a non-v1 version',
      id: vector.id,
      timestamp: vector.timestamp,
      signature: vector.signature.replace('v1,', 'v2,'),
    },
    { case: 'no version', id: vector.id, timestamp: vector.timestamp, signature: vector.signature.slice(3) },
    {
      case: 'a truncated signature',
      id: vector.id,
      timestamp: vector.timestamp,
      signature: vector.signature.slice(0, -2),
    },
  ])('refuses the vector with $case', ({ id, timestamp, signature }) => {
    const request = vectorRequest({
      'webhook-id': id,
      'webhook-timestamp': timestamp,
      'webhook-signature': signature,
    });
    const error = verificationError(() => standardWebhooks.verify(request, options([SECRET], vectorTime)));
    expect(error.code).toBe('signature_invalid');
  });

  it('refuses a request without webhook-id', () => {
    const signed = signedRequest({ scheme: standardWebhooks }, SECRET);
    const { 'webhook-id': _dropped, ...headers } = signed.headers;
    const error = verificationError(() => standardWebhooks.verify({ ...signed, headers }, options([SECRET])));
    expect(error.code).toBe('signature_missing');
    expect(error.message).toBe('Missing webhook-id header');
  });

  it('generates a msg_ delivery id when none is given', () => {
    const headers = standardWebhooks.sign(
      { method: 'POST', url: 'https://example.com/webhook', body: Buffer.from('{}') },
      SECRET,
      vectorTime,
    );
    expect(headers['webhook-id']).toMatch(/^msg_[0-9a-f-]{36}$/);
  });
});
