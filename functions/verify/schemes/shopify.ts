import { randomUUID } from 'node:crypto';
import { readHeader } from '../headers.ts';
import type { SignatureScheme } from '../types.ts';
import { hmacScheme } from './hmac.ts';

const signature = hmacScheme({ header: 'X-Shopify-Hmac-Sha256', algorithm: 'sha256', encoding: 'base64' });

/**
 * Shopify: `X-Shopify-Hmac-Sha256: <base64 HMAC-SHA256(body)>`. The delivery id is `X-Shopify-Event-Id`, which
 * Shopify documents as the duplicate-detection key (same value on a redelivery); older deliveries only carry
 * `X-Shopify-Webhook-Id`, used as the fallback. Neither is signed (only the body is), so the id correlates
 * but does not deduplicate. Nothing signed carries a time, so there is no replay window.
 */
export const shopify: SignatureScheme = {
  verify(request, options) {
    signature.verify(request, options);
    const deliveryId =
      readHeader(request, 'X-Shopify-Event-Id') ?? readHeader(request, 'X-Shopify-Webhook-Id');
    // Shopify signs the body only: the id headers can be changed on a captured request.
    return deliveryId === undefined ? {} : { deliveryId, deliveryIdSigned: false };
  },
  sign(request, secret, now) {
    const id = request.deliveryId ?? randomUUID();
    return {
      ...signature.sign(request, secret, now),
      'x-shopify-event-id': id,
      'x-shopify-webhook-id': id,
      'x-shopify-triggered-at': now.toISOString(),
    };
  },
};
