import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { meta } from '../../../../../functions/verify/schemes/meta.ts';
import { BODY, describeSchemeContract, NOW } from '../scheme-contract.ts';

const APP_SECRET = 'meta-app-secret';

describeSchemeContract('meta', {
  scheme: meta,
  signatureHeader: 'X-Hub-Signature-256',
  timestamped: false,
  secret: APP_SECRET,
  otherSecret: 'meta-previous-app-secret',
});

describe('meta: documented format', () => {
  it('signs as sha256=<hex HMAC-SHA256 of the body> with the app secret', () => {
    const expected = `sha256=${createHmac('sha256', APP_SECRET).update(BODY).digest('hex')}`;
    const headers = meta.sign(
      { method: 'POST', url: 'https://example.com/meta', body: BODY },
      APP_SECRET,
      NOW,
    );
    expect(headers).toEqual({ 'x-hub-signature-256': expected });
  });
});
