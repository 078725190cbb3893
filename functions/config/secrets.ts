import type { LeadpipeConfig } from '../../schemas/generated/config.ts';
import type { SecretResolver } from '../ports.ts';
import { SecretNotFoundError } from './errors.ts';

/** The variable an `env:NAME` reference names, or undefined for the AWS kinds. */
export function envVariableOf(ref: string): string | undefined {
  return ref.startsWith('env:') ? ref.slice('env:'.length) : undefined;
}

/** A variable that is set to nothing (or only spaces): a mistake, never "not set". */
export function isEmptyVariable(value: string | undefined): boolean {
  return value !== undefined && value.trim() === '';
}

/** Resolves env:NAME references from an environment (process.env by default). */
export function envSecretResolver(
  env: Readonly<Record<string, string | undefined>> = process.env,
): SecretResolver {
  return async (ref) => {
    const name = envVariableOf(ref);
    if (name === undefined) {
      throw new SecretNotFoundError(
        ref,
        'only env:NAME references resolve locally; secretsmanager: and ssm: need AWS',
      );
    }
    const value = env[name];
    if (isEmptyVariable(value)) throw emptyVariableError(ref, name);
    if (value === undefined) throw new SecretNotFoundError(ref, `set the environment variable ${name}`);
    return value;
  };
}

/** The error for a variable set to nothing: it names the variable, and there is no value to show. */
function emptyVariableError(ref: string, name: string): SecretNotFoundError {
  return new SecretNotFoundError(
    ref,
    `the environment variable ${name} is set but empty; set it to the secret`,
  );
}

/** Every secret reference in a config, with the path that holds it (for messages). */
export function secretRefsOf(config: LeadpipeConfig): { path: string; ref: string }[] {
  const refs: { path: string; ref: string }[] = [];
  for (const [name, source] of Object.entries(config.sources)) {
    for (const [index, ref] of (source.verify.secrets ?? []).entries())
      refs.push({ path: `sources.${name}.verify.secrets[${index}]`, ref });
    if (source.verify.verifyToken)
      refs.push({ path: `sources.${name}.verify.verifyToken`, ref: source.verify.verifyToken });
    if (source.enrich)
      refs.push({ path: `sources.${name}.enrich.accessToken`, ref: source.enrich.accessToken });
  }
  for (const [name, destination] of Object.entries(config.destinations)) {
    const at = `destinations.${name}`;
    switch (destination.type) {
      case 'hubspot':
        refs.push({ path: `${at}.accessToken`, ref: destination.accessToken });
        break;
      case 'salesforce':
        if ('accessToken' in destination.auth)
          refs.push({ path: `${at}.auth.accessToken`, ref: destination.auth.accessToken });
        else {
          refs.push({ path: `${at}.auth.clientId`, ref: destination.auth.clientId });
          refs.push({ path: `${at}.auth.clientSecret`, ref: destination.auth.clientSecret });
        }
        break;
      case 'slack':
        refs.push({ path: `${at}.token`, ref: destination.token });
        break;
    }
  }
  return refs;
}

/**
 * The config's env:NAME references whose variable is set but empty, as problems naming the path
 * and the variable (never a value). Checked at start, so an empty variable stops the host there.
 */
export function emptySecretVariables(
  config: LeadpipeConfig,
  env: Readonly<Record<string, string | undefined>> = process.env,
): string[] {
  return secretRefsOf(config).flatMap(({ path, ref }) => {
    const name = envVariableOf(ref);
    return name !== undefined && isEmptyVariable(env[name])
      ? [`${path}: the environment variable ${name} is set but empty; set it to the secret`]
      : [];
  });
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
