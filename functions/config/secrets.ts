import type { SecretResolver } from '../ports.ts';
import { SecretNotFoundError } from './errors.ts';

/** Resolves env:NAME references from an environment (process.env by default). */
export function envSecretResolver(
  env: Readonly<Record<string, string | undefined>> = process.env,
): SecretResolver {
  return async (ref) => {
    if (!ref.startsWith('env:')) {
      throw new SecretNotFoundError(
        ref,
        'only env:NAME references resolve locally; secretsmanager: and ssm: need AWS',
      );
    }
    const name = ref.slice(4);
    const value = env[name];
    if (!value) throw new SecretNotFoundError(ref, `set the environment variable ${name}`);
    return value;
  };
}

/** Caches resolved secrets for `ttlMs`, so a warm Lambda does not fetch a secret per request. */
export function cachingSecretResolver(
  inner: SecretResolver,
  ttlMs = 300_000,
  now: () => number = Date.now,
): SecretResolver {
  const cache = new Map<string, { value: Promise<string>; until: number }>();
  return (ref) => {
    const hit = cache.get(ref);
    if (hit && hit.until > now()) return hit.value;
    const value = inner(ref);
    cache.set(ref, { value, until: now() + ttlMs });
    // A failed lookup is not cached: the next request tries again.
    value.catch(() => cache.delete(ref));
    return value;
  };
}
