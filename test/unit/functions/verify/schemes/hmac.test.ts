import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HmacSchemeConfigError, hmacScheme } from '../../../../../functions/verify/schemes/hmac.ts';
import type { WebhookRequest } from '../../../../../functions/verify/types.ts';
import type { HmacScheme } from '../../../../../schemas/generated/config.ts';
import { BODY, describeSchemeContract, NOW, options, verificationError } from '../scheme-contract.ts';

const SECRET = 'home-made-form-secret';

describeSchemeContract('hmac (body only, hex, prefixed)', {
  scheme: hmacScheme({ header: 'X-Signature', algorithm: 'sha256', encoding: 'hex', prefix: 'sha256=' }),
  signatureHeader: 'X-Signature',
  timestamped: false,
  secret: SECRET,
  otherSecret: 'previous-form-secret',
});

describeSchemeContract('hmac (timestamp in seconds, base64, sha512)', {
  scheme: hmacScheme({
    header: 'X-Form-Signature',
    algorithm: 'sha512',
    encoding: 'base64',
    template: '{timestamp}.{body}',
    timestampHeader: 'X-Form-Timestamp',
    deliveryIdHeader: 'X-Form-Delivery',
  }),
  signatureHeader: 'X-Form-Signature',
  timestampHeader: 'X-Form-Timestamp',
  timestamped: true,
  deliveryIdHeader: 'X-Form-Delivery',
  secret: SECRET,
  otherSecret: 'previous-form-secret',
});

describeSchemeContract('hmac (delivery id header signed)', {
  scheme: hmacScheme({
    header: 'X-Form-Signature',
    algorithm: 'sha256',
    encoding: 'hex',
    template: '{header:x-form-delivery}.{timestamp}.{body}',
    timestampHeader: 'X-Form-Timestamp',
    deliveryIdHeader: 'X-Form-Delivery',
  }),
  signatureHeader: 'X-Form-Signature',
  timestampHeader: 'X-Form-Timestamp',
  timestamped: true,
  deliveryIdHeader: 'X-Form-Delivery',
  deliveryIdSigned: true,
  secret: SECRET,
  otherSecret: 'previous-form-secret',
});

describeSchemeContract('hmac (timestamp in ms, method and url signed, sha1)', {
  scheme: hmacScheme({
    header: 'X-Sig',
    algorithm: 'sha1',
    encoding: 'hex',
    template: '{method} {url}\n{timestamp}\n{body}',
    timestampHeader: 'X-Sig-Time',
    timestampUnit: 'ms',
  }),
  signatureHeader: 'X-Sig',
  timestampHeader: 'X-Sig-Time',
  timestamped: true,
  secret: SECRET,
  otherSecret: 'previous-form-secret',
  method: 'PUT',
  url: 'https://hooks.example.com/forms/contact?v=2',
});

function request(headers: Record<string, string>, overrides: Partial<WebhookRequest> = {}): WebhookRequest {
  return { method: 'POST', url: 'https://example.com/forms', headers, body: BODY, ...overrides };
}

describe('hmac: what is signed', () => {
  it('renders every placeholder, bytes in template order', () => {
    // Prepare
    const config: HmacScheme = {
      header: 'X-Sig',
      algorithm: 'sha256',
      encoding: 'hex',
      template: '{method}|{url}|{timestamp}|{header:X-Account}|{body}',
      timestampHeader: 'X-Time',
    };
    const time = String(NOW.getTime() / 1000);
    const expected = createHmac('sha256', SECRET)
      .update(`POST|https://example.com/forms|${time}|acct-9|`)
      .update(BODY)
      .digest('hex');
    // Act
    const delivery = hmacScheme(config).verify(
      request({ 'x-sig': expected, 'x-time': time, 'x-account': 'acct-9' }),
      options([SECRET]),
    );
    // Assess
    expect(delivery).toEqual({ timestamp: NOW });
  });

  it.each([
    { case: 'another method', overrides: { method: 'PUT' } },
    { case: 'another url', overrides: { url: 'https://example.com/other' } },
  ])('refuses a signature when the request has $case', ({ overrides }) => {
    const scheme = hmacScheme({
      header: 'X-Sig',
      algorithm: 'sha256',
      encoding: 'hex',
      template: '{method}{url}{body}',
    });
    const headers = scheme.sign(
      { method: 'POST', url: 'https://example.com/forms', body: BODY },
      SECRET,
      NOW,
    );
    const error = verificationError(() => scheme.verify(request(headers, overrides), options([SECRET])));
    expect(error.code).toBe('signature_invalid');
  });

  it('refuses a request missing a signed header, naming it', () => {
    const scheme = hmacScheme({
      header: 'X-Sig',
      algorithm: 'sha256',
      encoding: 'hex',
      template: '{header:X-Account}{body}',
    });
    const error = verificationError(() => scheme.verify(request({ 'x-sig': 'abc' }), options([SECRET])));
    expect(error.code).toBe('signature_missing');
    expect(error.message).toBe('Missing X-Account header');
  });

  it('uses a fresh delivery id when signing without one', () => {
    const scheme = hmacScheme({
      header: 'X-Sig',
      algorithm: 'sha256',
      encoding: 'hex',
      deliveryIdHeader: 'X-Id',
    });
    const headers = scheme.sign(
      { method: 'POST', url: 'https://example.com/forms', body: BODY },
      SECRET,
      NOW,
    );
    expect(headers['x-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('hmac: config that can never verify', () => {
  it.each<{ case: string; config: HmacScheme; message: string }>([
    {
      case: 'an unknown placeholder',
      config: { header: 'X-Sig', algorithm: 'sha256', encoding: 'hex', template: '{payload}' },
      message:
        'Unknown placeholder {payload} in the hmac template; use {body}, {timestamp}, {method}, {url} or {header:Name}',
    },
    {
      case: 'an empty header placeholder',
      config: { header: 'X-Sig', algorithm: 'sha256', encoding: 'hex', template: '{header:}{body}' },
      message:
        'Unknown placeholder {header:} in the hmac template; use {body}, {timestamp}, {method}, {url} or {header:Name}',
    },
    {
      case: '{timestamp} with no timestampHeader',
      config: { header: 'X-Sig', algorithm: 'sha256', encoding: 'hex', template: '{timestamp}.{body}' },
      message: 'The hmac template uses {timestamp} but no timestampHeader is configured',
    },
  ])('throws HmacSchemeConfigError for $case', ({ config, message }) => {
    expect(() => hmacScheme(config)).toThrow(new HmacSchemeConfigError(message));
  });

  it('cannot sign a header leadpipe does not produce', () => {
    const scheme = hmacScheme({
      header: 'X-Sig',
      algorithm: 'sha256',
      encoding: 'hex',
      template: '{header:X-Account}{body}',
    });
    expect(() =>
      scheme.sign({ method: 'POST', url: 'https://example.com/forms', body: BODY }, SECRET, NOW),
    ).toThrow(HmacSchemeConfigError);
  });
});
