import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, SecretNotFoundError } from '../functions/config/errors.ts';
import { DEFAULT_CONFIG_FILE } from '../functions/config/load.ts';
import { emptySecretVariables, envSecretResolver, envVariableOf } from '../functions/config/secrets.ts';
import type { SecretResolver } from '../functions/ports.ts';
import type { LeadpipeConfig } from '../schemas/generated/config.ts';

/**
 * DEVELOPMENT ONLY. Values for the secret references in the default config, so `npm start` works
 * on a fresh clone. They are public (they are in this file), they only ever reach the local host
 * and the CLI, and both say so when one is used. Set the real variable to override one.
 */
export const DEVELOPMENT_SECRETS: Readonly<Record<string, string>> = {
  // Standard Webhooks secrets are base64 after the whsec_ prefix ("development-only-demo-secret").
  LEADPIPE_DEMO_SECRET: 'whsec_ZGV2ZWxvcG1lbnQtb25seS1kZW1vLXNlY3JldA==',
  TYPEFORM_SECRET: 'development-only-typeform-secret',
  HUBSPOT_ACCESS_TOKEN: 'pat-development-only-token',
  SALESFORCE_CLIENT_ID: 'development-only-client-id',
  SALESFORCE_CLIENT_SECRET: 'development-only-client-secret',
  SLACK_BOT_TOKEN: 'xoxb-development-only-token',
};

/** The flag `npm start` passes to local/main.ts: the opt-in to the development values. */
export const DEVELOPMENT_SECRETS_FLAG = '--development-secrets';

/** The repo's leadpipe.config.yaml: the one config the development values belong to. */
export const DEFAULT_CONFIG_PATH = resolve(import.meta.dirname, '..', DEFAULT_CONFIG_FILE);

type Env = Readonly<Record<string, string | undefined>>;

export interface LocalSecretsOptions {
  /** The config file the process runs (absolute, or relative to the working directory). */
  configPath: string;
  /** The explicit opt-in: `npm start` passes DEVELOPMENT_SECRETS_FLAG; the CLI opts in itself. */
  developmentSecrets: boolean;
  /** When given, its empty variables are refused now, not at the first request. */
  config?: LeadpipeConfig;
  env?: Env;
}

export interface LocalSecrets {
  resolveSecret: SecretResolver;
  /** The development values used so far, so the caller can say so. */
  developmentSecretsUsed: Set<string>;
}

/** Same file, even through a symlink (a missing file is compared by its path). */
function sameFile(a: string, b: string): boolean {
  const real = (path: string) => {
    try {
      return realpathSync(path);
    } catch {
      return resolve(path);
    }
  };
  return real(a) === real(b);
}

/** Development values are used only for the repo's default config, and only when opted in. */
export function developmentSecretsAllowed(
  options: Pick<LocalSecretsOptions, 'configPath' | 'developmentSecrets'>,
): boolean {
  return options.developmentSecrets && sameFile(options.configPath, DEFAULT_CONFIG_PATH);
}

/**
 * The secret resolver of a local process (`npm start`, the CLI). An unset variable falls back to
 * its development value only when developmentSecretsAllowed; an empty one is always an error
 * naming it. Throws ConfigError at once when `config` references an empty variable.
 */
export function localSecrets(options: LocalSecretsOptions): LocalSecrets {
  const env = options.env ?? process.env;
  if (options.config) {
    const problems = emptySecretVariables(options.config, env);
    if (problems.length > 0) throw new ConfigError(resolve(options.configPath), problems);
  }
  if (developmentSecretsAllowed(options)) return localSecretResolver(env);
  const fromEnv = envSecretResolver(env);
  return {
    developmentSecretsUsed: new Set(),
    resolveSecret: async (ref) => {
      const name = envVariableOf(ref);
      if (name !== undefined && env[name] === undefined && DEVELOPMENT_SECRETS[name] !== undefined) {
        const why = sameFile(options.configPath, DEFAULT_CONFIG_PATH)
          ? `set the environment variable ${name} (or start with npm start, which opts in to the development values of the default config)`
          : `set the environment variable ${name} (development values are only for the default ${DEFAULT_CONFIG_FILE})`;
        throw new SecretNotFoundError(ref, why);
      }
      return fromEnv(ref);
    },
  };
}

/**
 * Resolves env:NAME from the environment first, then, for a variable that is NOT SET, from the
 * development secrets, recording which were used. An empty variable is an error, never a
 * fallback. Callers outside tests go through localSecrets, which decides whether this applies.
 */
export function localSecretResolver(env: Env = process.env): LocalSecrets {
  const fromEnv = envSecretResolver(env);
  const used = new Set<string>();
  return {
    developmentSecretsUsed: used,
    resolveSecret: async (ref) => {
      const name = envVariableOf(ref);
      const development = name === undefined ? undefined : DEVELOPMENT_SECRETS[name];
      // Only a variable that is not set at all: an empty one reaches envSecretResolver, which refuses it.
      if (name !== undefined && env[name] === undefined && development !== undefined) {
        used.add(name);
        return development;
      }
      return fromEnv(ref);
    },
  };
}
