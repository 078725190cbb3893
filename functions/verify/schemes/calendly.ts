import { timestampedHmacScheme } from './timestamped-header.ts';

/**
 * Calendly: `Calendly-Webhook-Signature: t=<seconds>,v1=<hex HMAC-SHA256("t.body")>`, keyed with the
 * subscription's signing key. The delivery id is not a header (the payload's URIs identify the event).
 */
export const calendly = timestampedHmacScheme('Calendly-Webhook-Signature');
