import { describe, expect, it } from 'vitest';
import { github } from '../../../../../functions/verify/schemes/github.ts';
import type { WebhookRequest } from '../../../../../functions/verify/types.ts';
import { describeSchemeContract, NOW, options, verificationError } from '../scheme-contract.ts';

describeSchemeContract('github', {
  scheme: github,
  signatureHeader: 'X-Hub-Signature-256',
  timestamped: false,
  deliveryIdHeader: 'X-GitHub-Delivery',
  deliveryIdSigned: false,
  secret: "It's a Secret to Everybody",
  otherSecret: 'the previous GitHub secret',
});

// GitHub's published example ("Validating webhook deliveries"), also in test/fixtures/senders/README.md.
const VECTOR_SECRET = "It's a Secret to Everybody";
const VECTOR_SIGNATURE = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';

function vectorRequest(signature: string): WebhookRequest {
  return {
    method: 'POST',
    url: 'https://example.com/webhooks/github',
    headers: {
      'x-hub-signature-256': signature,
      'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
    },
    body: Buffer.from('Hello, World!'),
  };
}

describe('github: published vector', () => {
  it('verifies the documented example and reports X-GitHub-Delivery as not signed (GitHub signs the body only)', () => {
    const delivery = github.verify(vectorRequest(VECTOR_SIGNATURE), options([VECTOR_SECRET]));
    expect(delivery).toEqual({ deliveryId: '72d3162e-cc78-11e3-81ab-4c9367dc0958', deliveryIdSigned: false });
  });

  it('signs the documented example to the published signature', () => {
    const headers = github.sign(
      {
        method: 'POST',
        url: 'https://example.com/webhooks/github',
        body: Buffer.from('Hello, World!'),
        deliveryId: 'd-1',
      },
      VECTOR_SECRET,
      NOW,
    );
    expect(headers).toEqual({ 'x-hub-signature-256': VECTOR_SIGNATURE, 'x-github-delivery': 'd-1' });
  });

  it('accepts the hex digest in upper case', () => {
    const upper = `sha256=${VECTOR_SIGNATURE.slice('sha256='.length).toUpperCase()}`;
    expect(() => github.verify(vectorRequest(upper), options([VECTOR_SECRET]))).not.toThrow();
  });

  it.each([
    {
      case: 'the SHA-1 header format',
      signature: 'sha1=01dc10d0c83e72ed246219cdd91669667fe2ca59',
      message: 'Malformed X-Hub-Signature-256 header: expected sha256=<hex>',
    },
    {
      case: 'a bare digest',
      signature: VECTOR_SIGNATURE.slice('sha256='.length),
      message: 'Malformed X-Hub-Signature-256 header: expected sha256=<hex>',
    },
    {
      case: 'one digit changed',
      signature: `${VECTOR_SIGNATURE.slice(0, -1)}8`,
      message: 'No matching signature found (1 secret tried)',
    },
  ])('refuses $case', ({ signature, message }) => {
    const error = verificationError(() => github.verify(vectorRequest(signature), options([VECTOR_SECRET])));
    expect(error.code).toBe('signature_invalid');
    expect(error.message).toBe(message);
  });
});
