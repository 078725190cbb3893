import { hmacScheme } from './hmac.ts';

/**
 * Typeform: `Typeform-Signature: sha256=<base64 HMAC-SHA256(body)>`, keyed with the webhook's secret.
 * No timestamp is signed, so there is no replay window; the delivery id (event_id) lives in the body.
 */
export const typeform = hmacScheme({
  header: 'Typeform-Signature',
  algorithm: 'sha256',
  encoding: 'base64',
  prefix: 'sha256=',
});
