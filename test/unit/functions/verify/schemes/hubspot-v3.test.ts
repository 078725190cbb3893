import { Signature } from '@hubspot/api-client';
import { describe, expect, it } from 'vitest';
import { hubspotSignedUri, hubspotV3 } from '../../../../../functions/verify/schemes/hubspot-v3.ts';
import type { WebhookRequest } from '../../../../../functions/verify/types.ts';
import { describeSchemeContract, NOW, options, verificationError } from '../scheme-contract.ts';

const CLIENT_SECRET = 'yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy';

describeSchemeContract('hubspot-v3', {
  scheme: hubspotV3,
  signatureHeader: 'X-HubSpot-Signature-v3',
  timestampHeader: 'X-HubSpot-Request-Timestamp',
  timestamped: true,
  secret: CLIENT_SECRET,
  otherSecret: 'zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz',
});

const BODY = '{"example_field":"example_value"}';

/** The official SDK's own v3 computation (method + uri + body + timestamp), as an independent oracle. */
function sdkSignature(method: string, url: string, timestamp: number): string {
  return Signature.getSignature(method, 'v3', {
    signature: '',
    clientSecret: CLIENT_SECRET,
    requestBody: BODY,
    url,
    timestamp,
  });
}

function request(method: string, url: string, signature: string, timestamp = NOW.getTime()): WebhookRequest {
  return {
    method,
    url,
    headers: { 'x-hubspot-signature-v3': signature, 'x-hubspot-request-timestamp': String(timestamp) },
    body: Buffer.from(BODY),
  };
}

describe('hubspot-v3: agreement with @hubspot/api-client', () => {
  it.each(['POST', 'GET'])('verifies what the SDK computes for %s', (method) => {
    const url = 'https://www.example.com/webhook_uri?portal=62515';
    const delivery = hubspotV3.verify(
      request(method, url, sdkSignature(method, url, NOW.getTime())),
      options([CLIENT_SECRET]),
    );
    expect(delivery).toEqual({ timestamp: NOW });
  });

  it('signs what the SDK computes', () => {
    const url = 'https://www.example.com/webhook_uri';
    const headers = hubspotV3.sign({ method: 'POST', url, body: Buffer.from(BODY) }, CLIENT_SECRET, NOW);
    expect(headers).toEqual({
      'x-hubspot-request-timestamp': String(NOW.getTime()),
      'x-hubspot-signature-v3': sdkSignature('POST', url, NOW.getTime()),
    });
  });
});

describe('hubspot-v3: URI decoding', () => {
  it.each([
    {
      encoded: 'https://x.example/hook?email=ada%40example.com',
      signed: 'https://x.example/hook?email=ada@example.com',
    },
    {
      encoded: 'https://x.example/hook?u=https%3A%2F%2Fa.example%2Fp%3Fq',
      signed: 'https://x.example/hook?u=https://a.example/p?q',
    },
    {
      encoded: 'https://x.example/hook?x=%21%24%27%28%29%2A%2C%3B',
      signed: "https://x.example/hook?x=!$'()*,;",
    },
    { encoded: 'https://x.example/hook?x=%3a%2f', signed: 'https://x.example/hook?x=:/' },
    {
      encoded: 'https://x.example/hook?q=a%20b%2Bc%25d%26e%3Df%23',
      signed: 'https://x.example/hook?q=a%20b%2Bc%25d%26e%3Df%23',
    },
  ])('signs $encoded as $signed', ({ encoded, signed }) => {
    // Prepare: HubSpot computes over the decoded URI.
    const signature = sdkSignature('POST', signed, NOW.getTime());
    // Act
    const delivery = hubspotV3.verify(request('POST', encoded, signature), options([CLIENT_SECRET]));
    // Assess
    expect(hubspotSignedUri(encoded)).toBe(signed);
    expect(delivery.timestamp).toEqual(NOW);
  });

  it('refuses a signature computed over another method', () => {
    const url = 'https://www.example.com/webhook_uri';
    const error = verificationError(() =>
      hubspotV3.verify(
        request('POST', url, sdkSignature('GET', url, NOW.getTime())),
        options([CLIENT_SECRET]),
      ),
    );
    expect(error.code).toBe('signature_invalid');
  });

  it('refuses a signature computed over another URL', () => {
    const signature = sdkSignature('POST', 'https://www.example.com/webhook_uri', NOW.getTime());
    const error = verificationError(() =>
      hubspotV3.verify(request('POST', 'https://www.example.com/other', signature), options([CLIENT_SECRET])),
    );
    expect(error.code).toBe('signature_invalid');
  });

  it('keeps to HubSpot five-minute maximum age even with a wider configured window', () => {
    const url = 'https://www.example.com/webhook_uri';
    const signedAt = NOW.getTime() - 301_000;
    const error = verificationError(() =>
      hubspotV3.verify(request('POST', url, sdkSignature('POST', url, signedAt), signedAt), {
        secrets: [CLIENT_SECRET],
        toleranceSeconds: 900,
        now: NOW,
      }),
    );
    expect(error.code).toBe('timestamp_too_old');
    expect(error.message).toBe('Webhook timestamp is 301 s old; the tolerance is 300 s');
  });
});
