import type { SecretNotFoundError } from '../functions/config/errors.ts';
import { envVariableOf, isEmptyVariable, secretRefsOf } from '../functions/config/secrets.ts';
import { DEVELOPMENT_SECRETS, developmentSecretsAllowed } from '../local/dev-secrets.ts';
import type { LeadpipeConfig } from '../schemas/generated/config.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** How to set a variable, in the words every message uses. */
const howToSet = (name: string) => `export ${name}=... (or put ${name}=... in .env)`;

/** What to do about one unresolved secret: how to set it for an env: reference, else its own message. */
export function secretAdvice(error: SecretNotFoundError, env: Env): string {
  const name = envVariableOf(error.ref);
  if (name === undefined) return error.message;
  if (isEmptyVariable(env[name])) return `Secret ${error.ref} is set but empty: ${howToSet(name)}`;
  return `Secret ${error.ref} is not set: ${howToSet(name)}`;
}

/** An env: reference of the config whose variable is not usable in this environment. */
export interface SecretWarning {
  /** Where the config references it: `sources.typeform.verify.secrets[0]`. */
  path: string;
  ref: string;
  variable: string;
  state: 'unset' | 'empty' | 'development-value';
  message: string;
}

/**
 * Every env: reference whose variable is unset or empty here, each with how to set it: what the
 * host would stop on (or, for the default config under `npm start`, fill with a public
 * development value). secretsmanager: and ssm: references resolve on AWS and are not checked.
 */
export function secretWarnings(config: LeadpipeConfig, configPath: string, env: Env): SecretWarning[] {
  const development = developmentSecretsAllowed({ configPath, developmentSecrets: true });
  return secretRefsOf(config).flatMap(({ path, ref }): SecretWarning[] => {
    const variable = envVariableOf(ref);
    if (variable === undefined) return [];
    const value = env[variable];
    if (isEmptyVariable(value)) {
      return [
        {
          path,
          ref,
          variable,
          state: 'empty',
          message: `${path}: ${variable} is set but empty, so the host will not start: ${howToSet(variable)}`,
        },
      ];
    }
    if (value !== undefined) return [];
    if (development && DEVELOPMENT_SECRETS[variable] !== undefined) {
      return [
        {
          path,
          ref,
          variable,
          state: 'development-value',
          message: `${path}: ${variable} is not set; npm start uses its public development value. Before real traffic: ${howToSet(variable)}`,
        },
      ];
    }
    return [
      {
        path,
        ref,
        variable,
        state: 'unset',
        message: `${path}: ${variable} is not set: ${howToSet(variable)}`,
      },
    ];
  });
}
