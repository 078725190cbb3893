import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { SecretNotFoundError } from '../../functions/config/errors.ts';

/** How long a fetched secret is reused by a warm function: rotation shows up within this. */
export const SECRET_CACHE_SECONDS = 300;

export interface SecretReadOptions {
  /** Read the store even when a cached value is still fresh (credentials were just refused). */
  forceFetch?: boolean;
}

/** A SecretResolver that can be told to bypass its cache; a plain SecretResolver is one that cannot. */
export type RefreshableSecretResolver = (ref: string, options?: SecretReadOptions) => Promise<string>;

/** A secret reference as it is stored on AWS. */
export type AwsSecretRef =
  | { store: 'secretsmanager'; name: string; key?: string }
  | { store: 'ssm'; name: string }
  | { store: 'env'; name: string };

/** Splits a config secret reference; the config schema has already checked its shape. */
export function parseSecretRef(ref: string): AwsSecretRef {
  if (ref.startsWith('secretsmanager:')) {
    const [name = '', key] = ref.slice('secretsmanager:'.length).split('#');
    return key ? { store: 'secretsmanager', name, key } : { store: 'secretsmanager', name };
  }
  if (ref.startsWith('ssm:')) return { store: 'ssm', name: ref.slice('ssm:'.length) };
  if (ref.startsWith('env:')) return { store: 'env', name: ref.slice('env:'.length) };
  throw new SecretNotFoundError(ref, 'expected env:NAME, secretsmanager:NAME[#key] or ssm:/path');
}

/** What the resolver needs of a Powertools provider (SecretsProvider, SSMProvider); tests pass fakes. */
export interface ParameterStore {
  get(name: string, options?: { maxAge?: number; decrypt?: boolean; forceFetch?: boolean }): Promise<unknown>;
}

export interface AwsSecretResolverOptions {
  secrets?: ParameterStore;
  ssm?: ParameterStore;
  maxAgeSeconds?: number;
}

/**
 * Resolves secretsmanager: and ssm: references with Powertools parameters, which cache each value
 * for `maxAgeSeconds` and read the store again after that (or at once with `forceFetch`).
 * `secretsmanager:NAME#key` reads one key of a JSON secret. env: references never reach a
 * function: the construct rewrites them at synth (see infra/secret-refs.ts).
 * Errors name the reference, never a value.
 */
export function awsSecretResolver(options: AwsSecretResolverOptions = {}): RefreshableSecretResolver {
  const secrets = options.secrets ?? new SecretsProvider();
  const ssm = options.ssm ?? new SSMProvider();
  const maxAge = options.maxAgeSeconds ?? SECRET_CACHE_SECONDS;
  return async (ref, read = {}) => {
    const parsed = parseSecretRef(ref);
    const fresh = read.forceFetch ? { forceFetch: true } : {};
    let value: unknown;
    try {
      if (parsed.store === 'secretsmanager') value = await secrets.get(parsed.name, { maxAge, ...fresh });
      else if (parsed.store === 'ssm')
        value = await ssm.get(parsed.name, { maxAge, decrypt: true, ...fresh });
      else
        throw new SecretNotFoundError(ref, 'env: references are rewritten at synth and cannot resolve here');
    } catch (error) {
      if (error instanceof SecretNotFoundError) throw error;
      throw new SecretNotFoundError(ref, `the ${parsed.store} lookup failed (${(error as Error).name})`, {
        cause: error,
      });
    }
    if (typeof value !== 'string' || value === '') {
      throw new SecretNotFoundError(ref, 'the stored value is empty or binary; store it as a string');
    }
    if (parsed.store !== 'secretsmanager' || !parsed.key) return value;
    return jsonKey(ref, value, parsed.key);
  };
}

function jsonKey(ref: string, value: string, key: string): string {
  let document: unknown;
  try {
    document = JSON.parse(value);
  } catch (error) {
    throw new SecretNotFoundError(ref, 'the secret is not JSON, so it has no keys', { cause: error });
  }
  const found = (document as Record<string, unknown> | null)?.[key];
  if (typeof found !== 'string' || found === '') {
    throw new SecretNotFoundError(ref, `the secret's JSON has no non-empty string "${key}"`);
  }
  return found;
}
