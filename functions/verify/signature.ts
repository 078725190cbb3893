import { createHmac, createSecretKey, KeyObject, timingSafeEqual } from 'node:crypto';
import { UnusableSecretError, WebhookVerificationError } from './types.ts';

export type HmacAlgorithm = 'sha1' | 'sha256' | 'sha512';
export type SignatureEncoding = 'hex' | 'base64';

/**
 * Keys imported once: importing a key (createSecretKey, or createHmac with raw bytes) costs about
 * five times the HMAC of a webhook body, and a source's few secrets sign every request. Bounded,
 * so rotating secrets cannot grow it without end.
 */
const importedKeys = new Map<string, KeyObject>();
const MAX_IMPORTED_KEYS = 64;

/** The key `id` names, imported from `bytes()` the first time it is asked for. */
export function importedKey(id: string, bytes: () => Buffer): KeyObject {
  let key = importedKeys.get(id);
  if (!key) {
    if (importedKeys.size >= MAX_IMPORTED_KEYS) importedKeys.clear();
    key = createSecretKey(bytes());
    importedKeys.set(id, key);
  }
  return key;
}

/**
 * HMAC of the parts, concatenated as bytes (strings as UTF-8), in the given encoding. An empty key
 * throws UnusableSecretError: anyone can compute an HMAC keyed with nothing.
 */
export function computeHmac(
  algorithm: HmacAlgorithm,
  key: string | Buffer | KeyObject,
  parts: readonly (string | Buffer)[],
  encoding: SignatureEncoding,
): string {
  const size = key instanceof KeyObject ? (key.symmetricKeySize ?? 0) : key.length;
  if (size === 0) {
    throw new UnusableSecretError('A signing secret is empty: a signature keyed with it would prove nothing');
  }
  const imported =
    key instanceof KeyObject
      ? key
      : typeof key === 'string'
        ? importedKey(`utf8:${key}`, () => Buffer.from(key, 'utf8'))
        : key;
  const mac = createHmac(algorithm, imported);
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
