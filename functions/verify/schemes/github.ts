import { hmacScheme } from './hmac.ts';

/**
 * GitHub: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(body)>`; the delivery id is `X-GitHub-Delivery`,
 * which the signature does not cover (reported as unsigned: it correlates, the body hash deduplicates).
 */
export const github = hmacScheme({
  header: 'X-Hub-Signature-256',
  algorithm: 'sha256',
  encoding: 'hex',
  prefix: 'sha256=',
  deliveryIdHeader: 'X-GitHub-Delivery',
});
