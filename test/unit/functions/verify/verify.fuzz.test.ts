import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  hmacScheme,
  normaliseHeaders,
  signatureSchemes,
  WebhookVerificationError,
} from '../../../../functions/verify/index.ts';
import type { SignatureScheme, WebhookRequest } from '../../../../functions/verify/types.ts';

const NOW = new Date('2026-11-21T12:00:00.000Z');
const URL_ = 'https://hooks.example.com/webhooks/source?x=1';

const schemes: [string, SignatureScheme][] = [
  ...Object.entries(signatureSchemes),
  [
    'hmac',
    hmacScheme({
      header: 'X-Sig',
      algorithm: 'sha512',
      encoding: 'base64',
      template: '{timestamp}:{method}:{body}',
      timestampHeader: 'X-Time',
    }),
  ],
];

/** Standard Webhooks keys are base64 behind whsec_; every other scheme takes the secret as text. */
function secretFor(name: string, raw: string): string {
  return name === 'standard-webhooks' ? `whsec_${Buffer.from(raw).toString('base64')}` : raw;
}

const body = fc.uint8Array({ minLength: 1, maxLength: 512 }).map((bytes) => Buffer.from(bytes));
const secret = fc.string({ minLength: 1, maxLength: 64 });

function signed(scheme: SignatureScheme, key: string, payload: Buffer): WebhookRequest {
  const base = { method: 'POST', url: URL_, body: payload };
  return { ...base, headers: normaliseHeaders(scheme.sign({ ...base, deliveryId: 'fuzz-1' }, key, NOW)) };
}

const verifyOptions = (secrets: string[]) => ({ secrets, toleranceSeconds: 300, now: NOW });

describe.each(schemes)('%s under random input', (name, scheme) => {
  it('always verifies what it signed', () => {
    fc.assert(
      fc.property(body, secret, (payload, raw) => {
        const key = secretFor(name, raw);
        expect(() => scheme.verify(signed(scheme, key, payload), verifyOptions([key]))).not.toThrow();
      }),
    );
  });

  it('always refuses a body with any single byte changed', () => {
    fc.assert(
      fc.property(body, secret, fc.nat(), fc.integer({ min: 1, max: 255 }), (payload, raw, at, flip) => {
        // Prepare
        const key = secretFor(name, raw);
        const request = signed(scheme, key, payload);
        const tampered = Buffer.from(payload);
        const index = at % tampered.length;
        tampered[index] = (tampered[index] ?? 0) ^ flip;
        // Act
        const act = () => scheme.verify({ ...request, body: tampered }, verifyOptions([key]));
        // Assess
        expect(act).toThrow(WebhookVerificationError);
        try {
          act();
        } catch (error) {
          expect((error as WebhookVerificationError).code).toBe('signature_invalid');
        }
      }),
    );
  });

  it('throws nothing but WebhookVerificationError for garbage headers', () => {
    const headerValue = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc.constantFrom('', ' ', 't=', 'v1,', 'sha256=', ',,,', '=='),
    );
    const realNames = Object.keys(signed(scheme, secretFor(name, 'k'), Buffer.from('{}')).headers);
    const headers = fc.dictionary(fc.oneof(fc.constantFrom(...realNames), fc.string()), headerValue);
    fc.assert(
      fc.property(headers, body, (raw, payload) => {
        const request = { method: 'POST', url: URL_, headers: normaliseHeaders(raw), body: payload };
        try {
          scheme.verify(request, verifyOptions([secretFor(name, 'k')]));
        } catch (error) {
          expect(error).toBeInstanceOf(WebhookVerificationError);
        }
      }),
    );
  });
});
