import { type KeyObject, randomUUID } from 'node:crypto';
import { readHeader } from '../headers.ts';
import { assertAnySignatureMatches, computeHmac, importedKey } from '../signature.ts';
import { assertWithinTolerance, parseUnixTimestamp } from '../timestamp.ts';
import {
  type SignatureScheme,
  UnusableSecretError,
  type VerificationErrorCode,
  type WebhookRequest,
  WebhookVerificationError,
} from '../types.ts';

const SECRET_PREFIX = 'whsec_';
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const BASE64URL = /^[A-Za-z0-9_-]+={0,2}$/;

function keyOf(secret: string): { encoded: string; key: Buffer } {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  return { encoded, key: Buffer.from(encoded, 'base64') };
}

/**
 * Why a `whsec_<base64>` secret gives no usable key, or undefined. Node decodes leniently (`whsec_!!!!`
 * is zero bytes, stray characters are skipped), so the text must be canonical base64 (or base64url, which
 * Node also reads) of at least one byte. Checked where secrets are resolved; never shows the value.
 */
export function standardWebhooksSecretProblem(secret: string): string | undefined {
  const { encoded, key } = keyOf(secret);
  if (key.length === 0) return 'it decodes to an empty key (expected whsec_ followed by base64)';
  const alphabet = BASE64.test(encoded) ? 'base64' : BASE64URL.test(encoded) ? 'base64url' : undefined;
  const unpadded = (text: string) => text.replace(/=+$/, '');
  if (alphabet === undefined || unpadded(key.toString(alphabet)) !== unpadded(encoded)) {
    return 'it is not valid base64 after whsec_';
  }
  return undefined;
}

/**
 * The key bytes of a `whsec_<base64>` secret (the prefix is optional, as in the reference libraries).
 * An empty key is refused here too, whatever resolved it: anyone can sign with no key.
 */
function secretKey(secret: string): KeyObject {
  const { key } = keyOf(secret);
  if (key.length === 0) {
    throw new UnusableSecretError(
      'A Standard Webhooks secret decodes to an empty key: it would prove nothing',
    );
  }
  return importedKey(`whsec:${secret}`, () => key);
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

/** Standard Webhooks (and Svix): HMAC-SHA256 of `${id}.${timestamp}.${body}`, `v1,<base64>` signatures; the id is signed. */
export const standardWebhooks: SignatureScheme = {
  secretProblem: standardWebhooksSecretProblem,
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
    // webhook-id is part of the signed content: it may deduplicate.
    return { deliveryId: id, deliveryIdSigned: true, timestamp };
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
