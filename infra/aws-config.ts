import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pipelineChecks } from '../functions/config/checks.ts';
import { ConfigError } from '../functions/config/errors.ts';
import { type ConfigCheck, parseConfig } from '../functions/config/load.ts';
import type { LeadpipeConfig } from '../schemas/generated/config.ts';

const KNOWN_DESTINATION_TYPES = new Set(['hubspot', 'salesforce', 'slack']);
/** Lambda's SQS MaximumBatchingWindowInSeconds: a whole number of seconds, at most 300. */
export const MAX_BATCH_WINDOW_SECONDS = 300;

/**
 * What only AWS needs: a destination URL left out means the vendor's real API, which Salesforce
 * does not have without your org's URL (locally the sandbox stands in, so the local host allows it);
 * and a batching window the SQS event source can take (the local consumer does not wait for batches).
 */
export const awsChecks: ConfigCheck = (config) => {
  const problems: string[] = [];
  for (const [name, destination] of Object.entries(config.destinations)) {
    const type = (destination as { type: string }).type;
    if (!KNOWN_DESTINATION_TYPES.has(type)) {
      problems.push(`destinations.${name}.type: "${type}" is not a destination type leadpipe can deploy`);
      continue;
    }
    const window = destination.delivery?.batchWindowSeconds;
    if (
      window !== undefined &&
      !(Number.isInteger(window) && window >= 0 && window <= MAX_BATCH_WINDOW_SECONDS)
    ) {
      problems.push(
        `destinations.${name}.delivery.batchWindowSeconds: must be a whole number of seconds from 0 to ${MAX_BATCH_WINDOW_SECONDS} on AWS (the SQS event source's batching window), not ${window}`,
      );
    }
    if (destination.type !== 'salesforce') continue;
    if ('accessToken' in destination.auth) {
      if (!destination.auth.instanceUrl) {
        problems.push(
          `destinations.${name}.auth.instanceUrl: required on AWS (your org's URL, e.g. https://acme.my.salesforce.com); only the local host has a sandbox to fall back on`,
        );
      }
    } else if (!destination.auth.loginUrl) {
      problems.push(
        `destinations.${name}.auth.loginUrl: required on AWS (your My Domain URL, e.g. https://acme.my.salesforce.com); only the local host has a sandbox to fall back on`,
      );
    }
  }
  return problems;
};

/** Checks a config the way synth must: schema, pipeline checks, then the AWS ones; every problem at once. */
export function checkAwsConfig(text: string, file: string): LeadpipeConfig {
  return parseConfig(text, file, [...pipelineChecks, awsChecks]);
}

/** Reads and checks a config file for deployment (synchronous: CDK apps build their tree synchronously). */
export function readAwsConfig(path: string): LeadpipeConfig {
  const file = resolve(path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(file, [`cannot read the config file (${(error as NodeJS.ErrnoException).code})`], {
      cause: error,
    });
  }
  return checkAwsConfig(text, file);
}
