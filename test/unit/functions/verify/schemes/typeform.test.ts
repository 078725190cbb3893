import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { typeform } from '../../../../../functions/verify/schemes/typeform.ts';
import { describeSchemeContract, options, signedRequest, verificationError } from '../scheme-contract.ts';

const SECRET = 'typeform-webhook-secret';

describeSchemeContract('typeform', {
  scheme: typeform,
  signatureHeader: 'Typeform-Signature',
  timestamped: false,
  secret: SECRET,
  otherSecret: 'the-previous-typeform-secret',
});

const fixture = readFileSync(
  new URL('../../../../fixtures/senders/typeform_form_response.json', import.meta.url),
);

describe('typeform: documented format', () => {
  it('signs the fixture payload as sha256=<base64 HMAC-SHA256 of the raw body>', () => {
    // Prepare: the recipe from Typeform's "secure your webhooks" page, computed independently.
    const expected = `sha256=${createHmac('sha256', SECRET).update(fixture).digest('base64')}`;
    // Act
    const headers = typeform.sign(
      { method: 'POST', url: 'https://example.com/hook', body: fixture },
      SECRET,
      new Date(),
    );
    // Assess
    expect(headers).toEqual({ 'typeform-signature': expected });
  });

  it.each([
    {
      case: 'a hex digest instead of base64',
      header: (b64: string) => `sha256=${Buffer.from(b64, 'base64').toString('hex')}`,
      code: 'signature_invalid',
    },
    { case: 'no sha256= prefix', header: (b64: string) => b64, code: 'signature_invalid' },
    { case: 'a sha1= prefix', header: (b64: string) => `sha1=${b64}`, code: 'signature_invalid' },
    { case: 'an empty value', header: () => '   ', code: 'signature_missing' },
  ])('refuses $case', ({ header, code }) => {
    // Prepare
    const signed = signedRequest({ scheme: typeform }, SECRET);
    const b64 = (signed.headers['typeform-signature'] ?? '').slice('sha256='.length);
    const request = { ...signed, headers: { ...signed.headers, 'typeform-signature': header(b64) } };
    // Act
    const error = verificationError(() => typeform.verify(request, options([SECRET])));
    // Assess
    expect(error.code).toBe(code);
    expect(error.message).not.toContain(b64);
  });

  it('says what a malformed header should look like', () => {
    const signed = signedRequest({ scheme: typeform }, SECRET);
    const request = { ...signed, headers: { ...signed.headers, 'typeform-signature': 'md5=abc' } };
    const error = verificationError(() => typeform.verify(request, options([SECRET])));
    expect(error.message).toBe('Malformed Typeform-Signature header: expected sha256=<base64>');
  });
});
