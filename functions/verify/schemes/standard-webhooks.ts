import { randomUUID } from 'node:crypto';
import { readHeader } from '../headers.ts';
import { assertAnySignatureMatches, computeHmac } from '../signature.ts';
import { assertWithinTolerance, parseUnixTimestamp } from '../timestamp.ts';
import {
  type SignatureScheme,
  type VerificationErrorCode,
  type WebhookRequest,
  WebhookVerificationError,
} from '../types.ts';

const SECRET_PREFIX = 'whsec_';

/** The key bytes of a `whsec_<base64>` secret (the prefix is optional, as in the reference libraries). */
function secretKey(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  return Buffer.from(encoded, 'base64');
}

function signContent(secret: string, id: string, timestamp: string, body: Buffer): string {
  return computeHmac('sha256', secretKey(secret), [`${id}.${timestamp}.`, body], 'base64');
}

/** Svix sends the same scheme under svix-* names; webhook-* wins when both are present. */
function standardHeader(
  request: WebhookRequest,
  name: 'id' | 'timestamp' | 'signature',
  missing: VerificationErrorCode,
): string {
  const value = readHeader(request, `webhook-${name}`) ?? readHeader(request, `svix-${name}`);
  if (value === undefined) throw new WebhookVerificationError(missing, `Missing webhook-${name} header`);
  return value;
}

/** Standard Webhooks (and Svix): HMAC-SHA256 of `${id}.${timestamp}.${body}`, `v1,<base64>` signatures. */
export const standardWebhooks: SignatureScheme = {
  verify(request, options) {
    const id = standardHeader(request, 'id', 'signature_missing');
    const signatures = standardHeader(request, 'signature', 'signature_missing');
    const rawTimestamp = standardHeader(request, 'timestamp', 'timestamp_missing');
    const timestamp = parseUnixTimestamp(rawTimestamp, 's', 'webhook-timestamp');
    assertWithinTolerance(timestamp, options);
    // Space-delimited "<version>,<signature>" entries; only v1 (symmetric HMAC) is ours to check.
    const received = signatures
      .split(' ')
      .filter((entry) => entry.startsWith('v1,'))
      .map((entry) => entry.slice('v1,'.length));
    assertAnySignatureMatches(received, options.secrets, (secret) =>
      signContent(secret, id, rawTimestamp, request.body),
    );
    return { deliveryId: id, timestamp };
  },
  sign(request, secret, now) {
    const id = request.deliveryId ?? `msg_${randomUUID()}`;
    const timestamp = String(Math.floor(now.getTime() / 1000));
    return {
      'webhook-id': id,
      'webhook-timestamp': timestamp,
      'webhook-signature': `v1,${signContent(secret, id, timestamp, request.body)}`,
    };
  },
};
