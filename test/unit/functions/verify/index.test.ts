import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  answerMetaHandshake,
  DEFAULT_TOLERANCE_SECONDS,
  HmacSchemeConfigError,
  normaliseHeaders,
  schemeFor,
  signatureSchemes,
  verifyWebhook,
  WebhookVerificationError,
} from '../../../../functions/verify/index.ts';
import type { VerifyConfig } from '../../../../schemas/generated/config.ts';
import { NOW, signedRequest, verificationError } from './scheme-contract.ts';

const schema = JSON.parse(
  readFileSync(new URL('../../../../schemas/config.schema.json', import.meta.url), 'utf8'),
) as {
  definitions: { verify: { properties: { scheme: { enum: string[] } } } };
};
const configSchemes = schema.definitions.verify.properties.scheme.enum;

describe('signatureSchemes', () => {
  it('has one entry for every preset scheme the config schema allows', () => {
    const presets = configSchemes.filter((scheme) => scheme !== 'none' && scheme !== 'hmac');
    expect(Object.keys(signatureSchemes).sort()).toEqual([...presets].sort());
  });

  it.each(Object.entries(signatureSchemes))(
    '%s verifies what it signs through verifyWebhook',
    (name, scheme) => {
      // Prepare
      const secret =
        name === 'standard-webhooks' ? `whsec_${Buffer.from('k'.repeat(32)).toString('base64')}` : 's3cret';
      const request = signedRequest({ scheme }, secret);
      // Act
      const delivery = verifyWebhook(request, { scheme: name as VerifyConfig['scheme'] }, [secret], NOW);
      // Assess
      expect(delivery).toBeTypeOf('object');
      expect(() =>
        verifyWebhook(request, { scheme: name as VerifyConfig['scheme'] }, ['other'], NOW),
      ).toThrow(WebhookVerificationError);
    },
  );
});

describe('schemeFor', () => {
  it('returns undefined only for none', () => {
    expect(schemeFor({ scheme: 'none' })).toBeUndefined();
    for (const scheme of configSchemes.filter((name) => name !== 'none' && name !== 'hmac')) {
      expect(schemeFor({ scheme: scheme as VerifyConfig['scheme'] })).toBeDefined();
    }
  });

  it('builds the generic scheme from verify.hmac', () => {
    const scheme = schemeFor({
      scheme: 'hmac',
      hmac: { header: 'X-Sig', algorithm: 'sha256', encoding: 'hex' },
    });
    const headers = scheme?.sign(
      { method: 'POST', url: 'https://e.example/', body: Buffer.from('{}') },
      'k',
      NOW,
    );
    expect(Object.keys(headers ?? {})).toEqual(['x-sig']);
  });

  it('refuses hmac without its settings', () => {
    expect(() => schemeFor({ scheme: 'hmac' })).toThrow(
      new HmacSchemeConfigError('verify.scheme is hmac but verify.hmac is not configured'),
    );
  });
});

describe('verifyWebhook', () => {
  const stripe = signatureSchemes.stripe;

  it('accepts anything for scheme none', () => {
    const request = { method: 'POST', url: 'https://e.example/', headers: {}, body: Buffer.from('x') };
    expect(verifyWebhook(request, { scheme: 'none' }, [], NOW)).toEqual({});
  });

  it.each([
    {
      case: 'the default window',
      verify: { scheme: 'stripe' } as VerifyConfig,
      age: DEFAULT_TOLERANCE_SECONDS + 1,
      tolerance: 300,
    },
    {
      case: 'the configured window',
      verify: { scheme: 'stripe', toleranceSeconds: 60 } as VerifyConfig,
      age: 61,
      tolerance: 60,
    },
  ])('applies $case', ({ verify, age, tolerance }) => {
    const request = signedRequest({ scheme: stripe }, 'k', new Date(NOW.getTime() - age * 1000));
    const error = verificationError(() => verifyWebhook(request, verify, ['k'], NOW));
    expect(error.message).toBe(`Webhook timestamp is ${age} s old; the tolerance is ${tolerance} s`);
  });

  it('accepts within a configured wider window', () => {
    const request = signedRequest({ scheme: stripe }, 'k', new Date(NOW.getTime() - 500_000));
    expect(
      verifyWebhook(request, { scheme: 'stripe', toleranceSeconds: 600 }, ['k'], NOW).timestamp,
    ).toBeInstanceOf(Date);
  });
});

describe('answerMetaHandshake', () => {
  const query = (params: Record<string, string>) => new URLSearchParams(params);

  it('returns hub.challenge for a subscribe with the right token', () => {
    const challenge = answerMetaHandshake(
      query({ 'hub.mode': 'subscribe', 'hub.verify_token': 'my-token', 'hub.challenge': '1158201444' }),
      'my-token',
    );
    expect(challenge).toBe('1158201444');
  });

  it.each<{ case: string; params: Record<string, string>; code: string }>([
    {
      case: 'a wrong token',
      params: { 'hub.mode': 'subscribe', 'hub.verify_token': 'guess', 'hub.challenge': '1' },
      code: 'signature_invalid',
    },
    {
      case: 'a token of the right length',
      params: { 'hub.mode': 'subscribe', 'hub.verify_token': 'my-tokeN', 'hub.challenge': '1' },
      code: 'signature_invalid',
    },
    {
      case: 'another mode',
      params: { 'hub.mode': 'unsubscribe', 'hub.verify_token': 'my-token', 'hub.challenge': '1' },
      code: 'signature_invalid',
    },
    {
      case: 'no token',
      params: { 'hub.mode': 'subscribe', 'hub.challenge': '1' },
      code: 'signature_missing',
    },
    {
      case: 'no challenge',
      params: { 'hub.mode': 'subscribe', 'hub.verify_token': 'my-token' },
      code: 'signature_missing',
    },
  ])('refuses $case, never echoing the configured token', ({ params, code }) => {
    const error = verificationError(() => answerMetaHandshake(query(params), 'my-token'));
    expect(error.code).toBe(code);
    expect(error.message).not.toContain('my-token');
  });

  it('refuses everything when the configured token is empty', () => {
    const error = verificationError(() =>
      answerMetaHandshake(
        query({ 'hub.mode': 'subscribe', 'hub.verify_token': '', 'hub.challenge': '1' }),
        '',
      ),
    );
    expect(error.code).toBe('signature_invalid');
  });
});

describe('normaliseHeaders', () => {
  it.each([
    {
      case: 'mixed case names',
      raw: { 'X-Hub-Signature-256': 'a' },
      expected: { 'x-hub-signature-256': 'a' },
    },
    {
      case: 'repeated values',
      raw: { 'X-Forwarded-For': ['1.1.1.1', '2.2.2.2'] },
      expected: { 'x-forwarded-for': '1.1.1.1, 2.2.2.2' },
    },
    { case: 'absent values', raw: { 'X-Empty': undefined, Host: 'h' }, expected: { host: 'h' } },
    { case: 'two spellings of one name', raw: { 'X-A': '1', 'x-a': '2' }, expected: { 'x-a': '1, 2' } },
  ])('handles $case', ({ raw, expected }) => {
    expect(normaliseHeaders(raw)).toEqual(expected);
  });
});
