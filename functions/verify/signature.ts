import { createHmac, timingSafeEqual } from 'node:crypto';
import { UnusableSecretError, WebhookVerificationError } from './types.ts';

export type HmacAlgorithm = 'sha1' | 'sha256' | 'sha512';
export type SignatureEncoding = 'hex' | 'base64';

/**
 * HMAC of the parts, concatenated as bytes (strings as UTF-8), in the given encoding. An empty key
 * throws UnusableSecretError: anyone can compute an HMAC keyed with nothing.
 */
export function computeHmac(
  algorithm: HmacAlgorithm,
  key: string | Buffer,
  parts: readonly (string | Buffer)[],
  encoding: SignatureEncoding,
): string {
  if (key.length === 0) {
    throw new UnusableSecretError('A signing secret is empty: a signature keyed with it would prove nothing');
  }
  const mac = createHmac(algorithm, key);
  for (const part of parts) mac.update(part);
  return mac.digest(encoding);
}

/** Constant-time equality of two encoded signatures; a length mismatch is simply "no match". */
export function signaturesEqual(received: string, expected: string): boolean {
  const a = Buffer.from(received, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Passes when any received signature equals the one computed with any secret (rotation).
 * Every pair is compared, so timing reveals neither which secret nor which candidate matched.
 * The message counts secrets and never shows one, nor the expected signature.
 */
export function assertAnySignatureMatches(
  received: readonly string[],
  secrets: readonly string[],
  expectedFor: (secret: string) => string,
): void {
  let matched = false;
  for (const secret of secrets) {
    const expected = expectedFor(secret);
    for (const candidate of received) {
      if (signaturesEqual(candidate, expected)) matched = true;
    }
  }
  if (matched) return;
  if (secrets.length === 0) {
    throw new WebhookVerificationError(
      'signature_invalid',
      'No signing secret is configured for this source, so no signature can match',
    );
  }
  const tried = secrets.length === 1 ? '1 secret tried' : `${secrets.length} secrets tried`;
  throw new WebhookVerificationError('signature_invalid', `No matching signature found (${tried})`);
}
