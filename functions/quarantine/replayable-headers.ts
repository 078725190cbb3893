/**
 * The headers a quarantined delivery keeps for its replay: what a mapping may read as $headers
 * (the content type, the client, and the senders' own event, topic, delivery-id and timestamp
 * headers, none of which authenticates anyone). An allow-list: anything else, signatures, API
 * keys under whatever name a sender picks, cookies, and proxy headers that carry the sender's
 * address (x-forwarded-for), is not stored.
 */
export const REPLAYABLE_HEADERS: ReadonlySet<string> = new Set([
  'content-type',
  'user-agent',
  'x-request-id',
  // Standard Webhooks, and Svix under its own names (functions/verify/schemes/standard-webhooks.ts).
  'webhook-id',
  'webhook-timestamp',
  'svix-id',
  'svix-timestamp',
  // GitHub (schemes/github.ts): the delivery id, the event and the hook that sent it.
  'x-github-delivery',
  'x-github-event',
  'x-github-hook-id',
  // Shopify (schemes/shopify.ts).
  'x-shopify-event-id',
  'x-shopify-webhook-id',
  'x-shopify-triggered-at',
  'x-shopify-topic',
  'x-shopify-shop-domain',
  'x-shopify-api-version',
  // The timestamps other schemes sign next to their signature header.
  'x-hubspot-request-timestamp',
  'x-slack-request-timestamp',
  'x-webflow-timestamp',
  'x-zendesk-webhook-signature-timestamp',
  'x-zendesk-webhook-id',
  'x-zendesk-webhook-invocation-id',
]);

/** The headers of a delivery that may be stored for replay (names compared case-insensitively). */
export function replayableHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).filter(([name]) => REPLAYABLE_HEADERS.has(name.toLowerCase())),
  );
}
