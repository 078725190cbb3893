import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { tally } from '../../../../../functions/verify/schemes/tally.ts';
import { describeSchemeContract, NOW, options } from '../scheme-contract.ts';

const SECRET = 'tally-signing-secret';

describeSchemeContract('tally', {
  scheme: tally,
  signatureHeader: 'Tally-Signature',
  timestamped: false,
  secret: SECRET,
  otherSecret: 'tally-previous-signing-secret',
});

const fixture = readFileSync(
  new URL('../../../../fixtures/senders/tally_form_response.json', import.meta.url),
);

describe('tally: documented format', () => {
  it('signs the FORM_RESPONSE fixture as base64 HMAC-SHA256 of the raw body, no prefix', () => {
    const expected = createHmac('sha256', SECRET).update(fixture).digest('base64');
    const headers = tally.sign(
      { method: 'POST', url: 'https://example.com/tally', body: fixture },
      SECRET,
      NOW,
    );
    expect(headers).toEqual({ 'tally-signature': expected });
  });

  it('verifies the fixture signed by the documented recipe', () => {
    const signature = createHmac('sha256', SECRET).update(fixture).digest('base64');
    const request = {
      method: 'POST',
      url: 'https://example.com/tally',
      headers: { 'tally-signature': signature },
      body: fixture,
    };
    expect(tally.verify(request, options([SECRET]))).toEqual({});
  });
});
