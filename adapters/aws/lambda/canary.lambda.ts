import type { Context } from 'aws-lambda';
import { CanaryConfigError, type CanaryResult, createCanary } from '../../../functions/canary/canary.ts';
import { canarySourceOf } from '../../../functions/canary/settings.ts';
import { createLogger } from '../../../functions/observability/logger.ts';
import type { SecretResolver } from '../../../functions/ports.ts';
import type { LeadpipeConfig } from '../../../schemas/generated/config.ts';
import { awsSecretResolver } from '../secrets.ts';
import { embeddedConfig } from './embedded-config.ts';
import { readEnvironment } from './environment.ts';

export interface CanaryLambdaOptions {
  config: LeadpipeConfig;
  env?: Readonly<Record<string, string | undefined>>;
  /** Default: Secrets Manager / SSM through Powertools, cached. */
  secrets?: SecretResolver;
  logger?: ReturnType<typeof createLogger>;
  fetch?: typeof fetch;
  now?: () => Date;
}

export type CanaryLambda = (event: unknown, context: Context) => Promise<CanaryResult>;

/**
 * The canary function as deployed: on each scheduled event, one synthetic lead signed with the
 * canary source's secret and posted to that source's webhook URL on the API. A refusal fails the
 * invocation; the deliver functions' CanaryDelivered metric is what the alarms watch.
 */
export function createCanaryLambda(options: CanaryLambdaOptions): CanaryLambda {
  const env = readEnvironment(['pipeline', 'canaryUrl'], options.env);
  const source = canarySourceOf(options.config);
  if (source === undefined) throw new CanaryConfigError('The embedded config has no settings.canary.source');
  const logger = options.logger ?? createLogger({ serviceName: `${env.pipeline}-canary` });
  const run = createCanary({
    config: options.config,
    source,
    url: env.canaryUrl,
    resolveSecret: options.secrets ?? awsSecretResolver(),
    logger,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
  return async (_event, context) => {
    logger.addContext(context);
    return run();
  };
}

let deployed: CanaryLambda | undefined;

/** The Lambda entry point: built on the first invocation from the embedded config and the environment. */
export const handler: CanaryLambda = (event, context) => {
  deployed ??= createCanaryLambda({ config: embeddedConfig() });
  return deployed(event, context);
};
