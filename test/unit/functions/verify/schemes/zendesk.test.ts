import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { zendesk } from '../../../../../functions/verify/schemes/zendesk.ts';
import type { WebhookRequest } from '../../../../../functions/verify/types.ts';
import { BODY, describeSchemeContract, NOW, options, verificationError } from '../scheme-contract.ts';

const SECRET = 'dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ==';

describeSchemeContract('zendesk', {
  scheme: zendesk,
  signatureHeader: 'X-Zendesk-Webhook-Signature',
  timestampHeader: 'X-Zendesk-Webhook-Signature-Timestamp',
  timestamped: true,
  secret: SECRET,
  otherSecret: 'cHJldmlvdXNfc2VjcmV0',
});

// Zendesk's "Verifying webhook authenticity": base64(HMAC-SHA256(TIMESTAMP + BODY)), no separator.
const sign = (timestamp: string) =>
  createHmac('sha256', SECRET).update(timestamp).update(BODY).digest('base64');

function request(timestamp: string): WebhookRequest {
  return {
    method: 'POST',
    url: 'https://example.com/zendesk',
    headers: {
      'x-zendesk-webhook-signature-timestamp': timestamp,
      'x-zendesk-webhook-signature': sign(timestamp),
    },
    body: BODY,
  };
}

describe('zendesk: documented format', () => {
  it('signs with an ISO 8601 timestamp in whole seconds', () => {
    const headers = zendesk.sign(
      { method: 'POST', url: 'https://example.com/zendesk', body: BODY },
      SECRET,
      NOW,
    );
    expect(headers).toEqual({
      'x-zendesk-webhook-signature-timestamp': '2026-11-21T12:00:00Z',
      'x-zendesk-webhook-signature': sign('2026-11-21T12:00:00Z'),
    });
  });

  it.each([
    { timestamp: '2026-11-21T12:00:00Z', at: NOW },
    { timestamp: '2026-11-21T12:00:00.250Z', at: new Date(NOW.getTime() + 250) },
    { timestamp: '2026-11-21T13:00:00+01:00', at: NOW },
  ])('accepts $timestamp, signed as sent', ({ timestamp, at }) => {
    expect(zendesk.verify(request(timestamp), options([SECRET]))).toEqual({ timestamp: at });
  });

  it.each([
    '2026-11-21 12:00:00',
    '2026-11-21T12:00:00',
    'Sat, 21 Nov 2026 12:00:00 GMT',
    '1795262400',
    '2026-13-45T12:00:00Z',
  ])('refuses the timestamp %j as not ISO 8601', (timestamp) => {
    const error = verificationError(() => zendesk.verify(request(timestamp), options([SECRET])));
    expect(error.code).toBe('timestamp_invalid');
    expect(error.message).toBe('X-Zendesk-Webhook-Signature-Timestamp is not an ISO 8601 date-time');
  });
});
