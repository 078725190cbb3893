import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { intercom } from '../../../../../functions/verify/schemes/intercom.ts';
import { BODY, describeSchemeContract, NOW, options, verificationError } from '../scheme-contract.ts';

const CLIENT_SECRET = 'intercom-client-secret';

describeSchemeContract('intercom', {
  scheme: intercom,
  signatureHeader: 'X-Hub-Signature',
  timestamped: false,
  secret: CLIENT_SECRET,
  otherSecret: 'intercom-old-client-secret',
});

describe('intercom: documented format', () => {
  it('signs as sha1=<hex HMAC-SHA1 of the body>', () => {
    const expected = `sha1=${createHmac('sha1', CLIENT_SECRET).update(BODY).digest('hex')}`;
    const headers = intercom.sign(
      { method: 'POST', url: 'https://example.com/intercom', body: BODY },
      CLIENT_SECRET,
      NOW,
    );
    expect(headers).toEqual({ 'x-hub-signature': expected });
  });

  it('refuses a sha256= signature in X-Hub-Signature', () => {
    const header = `sha256=${createHmac('sha256', CLIENT_SECRET).update(BODY).digest('hex')}`;
    const error = verificationError(() =>
      intercom.verify(
        {
          method: 'POST',
          url: 'https://example.com/intercom',
          headers: { 'x-hub-signature': header },
          body: BODY,
        },
        options([CLIENT_SECRET]),
      ),
    );
    expect(error.message).toBe('Malformed X-Hub-Signature header: expected sha1=<hex>');
  });
});
