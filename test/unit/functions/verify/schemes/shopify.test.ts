import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { shopify } from '../../../../../functions/verify/schemes/shopify.ts';
import type { WebhookRequest } from '../../../../../functions/verify/types.ts';
import { BODY, describeSchemeContract, NOW, options } from '../scheme-contract.ts';

const SECRET = 'shopify-app-client-secret';

describeSchemeContract('shopify', {
  scheme: shopify,
  signatureHeader: 'X-Shopify-Hmac-Sha256',
  timestamped: false,
  deliveryIdHeader: 'X-Shopify-Event-Id',
  deliveryIdSigned: false,
  secret: SECRET,
  otherSecret: 'shopify-previous-client-secret',
});

// Shopify's "Verify webhooks": base64 HMAC-SHA256 of the raw body with the app's client secret.
const hmac = createHmac('sha256', SECRET).update(BODY).digest('base64');

function request(ids: Record<string, string>): WebhookRequest {
  return {
    method: 'POST',
    url: 'https://example.com/shopify',
    headers: { 'x-shopify-hmac-sha256': hmac, ...ids },
    body: BODY,
  };
}

describe('shopify: headers', () => {
  it('signs as Shopify does, with the event id, webhook id and trigger time', () => {
    const headers = shopify.sign(
      { method: 'POST', url: 'https://example.com/shopify', body: BODY, deliveryId: 'evt-1' },
      SECRET,
      NOW,
    );
    expect(headers).toEqual({
      'x-shopify-hmac-sha256': hmac,
      'x-shopify-event-id': 'evt-1',
      'x-shopify-webhook-id': 'evt-1',
      'x-shopify-triggered-at': NOW.toISOString(),
    });
  });

  it.each<{ case: string; ids: Record<string, string>; expected: string | undefined }>([
    {
      case: 'both ids: the event id (the documented dedup key)',
      ids: { 'x-shopify-event-id': 'evt', 'x-shopify-webhook-id': 'wh' },
      expected: 'evt',
    },
    { case: 'only the webhook id', ids: { 'x-shopify-webhook-id': 'wh' }, expected: 'wh' },
    { case: 'no id', ids: {}, expected: undefined },
  ])('reports $case', ({ ids, expected }) => {
    expect(shopify.verify(request(ids), options([SECRET])).deliveryId).toBe(expected);
  });
});
