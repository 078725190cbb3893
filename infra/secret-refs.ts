import type { DestinationConfig, LeadpipeConfig, SourceConfig } from '../schemas/generated/config.ts';

/** Where `env:NAME` references point on AWS: the Secrets Manager secret `<prefix>NAME`. */
export const DEFAULT_ENV_SECRET_PREFIX = 'leadpipe/';

/** Every secret reference a source needs at runtime (its signing secrets and Meta's verify token). */
export function sourceSecretRefs(source: SourceConfig): string[] {
  return [
    ...(source.verify.secrets ?? []),
    ...(source.verify.verifyToken ? [source.verify.verifyToken] : []),
  ];
}

/** Every secret reference a destination's adapter resolves. */
export function destinationSecretRefs(destination: DestinationConfig): string[] {
  switch (destination.type) {
    case 'hubspot':
      return [destination.accessToken];
    case 'salesforce':
      return 'accessToken' in destination.auth
        ? [destination.auth.accessToken]
        : [destination.auth.clientId, destination.auth.clientSecret];
    case 'slack':
      return [destination.token];
  }
}

/**
 * The config as it runs on AWS: every `env:NAME` reference becomes `secretsmanager:<prefix>NAME`,
 * so one config file serves both hosts and a local variable name is also its secret's name.
 * The input is not changed.
 */
export function withAwsSecretRefs(
  config: LeadpipeConfig,
  prefix: string = DEFAULT_ENV_SECRET_PREFIX,
): LeadpipeConfig {
  const map = (ref: string) => (ref.startsWith('env:') ? `secretsmanager:${prefix}${ref.slice(4)}` : ref);
  const copy = structuredClone(config);
  for (const source of Object.values(copy.sources)) {
    if (source.verify.secrets) source.verify.secrets = source.verify.secrets.map(map);
    if (source.verify.verifyToken) source.verify.verifyToken = map(source.verify.verifyToken);
    if (source.enrich) source.enrich.accessToken = map(source.enrich.accessToken);
  }
  for (const destination of Object.values(copy.destinations)) {
    switch (destination.type) {
      case 'hubspot':
        destination.accessToken = map(destination.accessToken);
        break;
      case 'salesforce':
        if ('accessToken' in destination.auth)
          destination.auth.accessToken = map(destination.auth.accessToken);
        else {
          destination.auth.clientId = map(destination.auth.clientId);
          destination.auth.clientSecret = map(destination.auth.clientSecret);
        }
        break;
      case 'slack':
        destination.token = map(destination.token);
        break;
    }
  }
  return copy;
}
