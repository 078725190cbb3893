import { type SignatureScheme, UnusableSecretError } from './types.ts';

/** A source's signing secret that resolved to a value its scheme cannot use; names source and reference, never the value. */
export class SigningSecretError extends UnusableSecretError {
  override readonly name = 'SigningSecretError';
  readonly source: string;
  readonly ref: string;
  constructor(source: string, ref: string, problem: string) {
    super(`Secret ${ref} of source "${source}" cannot verify signatures: ${problem}`);
    this.source = source;
    this.ref = ref;
  }
}

/** Why `secret` cannot key `scheme`'s signatures (never showing it), or undefined when it can. */
export function signingSecretProblem(scheme: SignatureScheme, secret: string): string | undefined {
  if (secret.length === 0) return 'it is empty';
  return scheme.secretProblem?.(secret);
}
