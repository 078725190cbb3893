import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { webflow } from '../../../../../functions/verify/schemes/webflow.ts';
import type { WebhookRequest } from '../../../../../functions/verify/types.ts';
import { describeSchemeContract, NOW, verificationError } from '../scheme-contract.ts';

const CLIENT_SECRET = 'webflow-oauth-client-secret';

describeSchemeContract('webflow', {
  scheme: webflow,
  signatureHeader: 'x-webflow-signature',
  timestampHeader: 'x-webflow-timestamp',
  timestamped: true,
  secret: CLIENT_SECRET,
  otherSecret: 'webflow-previous-client-secret',
});

const fixture = readFileSync(
  new URL('../../../../fixtures/senders/webflow_form_submission.json', import.meta.url),
);
const ms = String(NOW.getTime());
// Webflow's "Verifying requests" recipe: hex HMAC-SHA256 of "<timestamp ms>:<body>" with the client secret.
const signature = createHmac('sha256', CLIENT_SECRET).update(`${ms}:`).update(fixture).digest('hex');

function request(timestamp: string, sig = signature): WebhookRequest {
  return {
    method: 'POST',
    url: 'https://example.com/webflow',
    headers: { 'x-webflow-timestamp': timestamp, 'x-webflow-signature': sig },
    body: fixture,
  };
}

describe('webflow: documented format', () => {
  it('signs the form_submission fixture with a millisecond timestamp', () => {
    const headers = webflow.sign(
      { method: 'POST', url: 'https://example.com/webflow', body: fixture },
      CLIENT_SECRET,
      NOW,
    );
    expect(headers).toEqual({ 'x-webflow-timestamp': ms, 'x-webflow-signature': signature });
  });

  it('verifies the fixture signed by the documented recipe', () => {
    const delivery = webflow.verify(request(ms), {
      secrets: [CLIENT_SECRET],
      toleranceSeconds: 300,
      now: NOW,
    });
    expect(delivery).toEqual({ timestamp: NOW });
  });

  it('keeps to Webflow 5-minute limit even when the configured window is wider', () => {
    // Prepare: signed 400 s before now, checked with a 600 s configured window.
    const signedAt = String(NOW.getTime() - 400_000);
    const sig = createHmac('sha256', CLIENT_SECRET).update(`${signedAt}:`).update(fixture).digest('hex');
    // Act
    const error = verificationError(() =>
      webflow.verify(request(signedAt, sig), { secrets: [CLIENT_SECRET], toleranceSeconds: 600, now: NOW }),
    );
    // Assess
    expect(error.code).toBe('timestamp_too_old');
    expect(error.message).toBe('Webhook timestamp is 400 s old; the tolerance is 300 s');
  });

  it('refuses a timestamp sent in seconds (it reads as 1970)', () => {
    const seconds = String(NOW.getTime() / 1000);
    const error = verificationError(() =>
      webflow.verify(request(seconds), { secrets: [CLIENT_SECRET], toleranceSeconds: 300, now: NOW }),
    );
    expect(error.code).toBe('timestamp_too_old');
  });
});
