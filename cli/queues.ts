import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createSqsDeliveryQueue } from '../adapters/aws/delivery-queue.ts';
import { enrichedSenders, stageName } from '../functions/enrich/reference.ts';
import type { DeliveryQueue, LeadLedger, TombstoneStore } from '../functions/ports.ts';
import { openEmbeddedStore } from '../local/embedded-store.ts';
import type { LeadpipeConfig } from '../schemas/generated/config.ts';
import { CliError } from './errors.ts';
import { didYouMean } from './suggest.ts';

/** One destination's queues, wherever they are, and how to let go of them. */
export interface OpenQueue {
  queue: DeliveryQueue;
  /** Where a redrive records its `redriven` steps; for a deployed stack, the table LEADPIPE_LEDGER_TABLE names. */
  ledger?: LeadLedger;
  /** Erasure tombstones, where known (the local data dir): a redrive refuses an erased person's dead letters. */
  tombstones?: TombstoneStore;
  /** Where the queues are, for messages: "the local data dir (…)" or "AWS (…)". */
  where: string;
  close(): void;
}

/**
 * The local queues: read straight from the data dir's database, whether or not a host is
 * running (a running host picks redriven messages up within a second).
 */
export function localDeliveryQueue(config: LeadpipeConfig, destination: string, dataDir: string): OpenQueue {
  const known = queueNames(config);
  if (!known.includes(destination)) {
    throw new CliError(
      `The config has no destination "${destination}"${didYouMean(destination, known)}. Destinations: ${known.join(', ') || 'none'}`,
    );
  }
  const store = openEmbeddedStore(config, { dataDir, mustExist: true });
  return {
    queue: store.queues.deliveryQueue(destination),
    ledger: store.ledger,
    tombstones: store.tombstones,
    where: `the local data dir (${dataDir})`,
    close: () => store.close(),
  };
}

/**
 * Every queue with a dead-letter queue the config makes: its destinations, then one enrichment
 * stage per sender some source enriches from (`enrich:meta`, `enrich:hubspot`).
 */
export function queueNames(config: LeadpipeConfig): string[] {
  return [...Object.keys(config.destinations), ...enrichedSenders(config).map(stageName)];
}

/**
 * The SQS queue name of a destination or stage: `<prefix>-<destination>`, the stage `enrich:meta`
 * as infra/enrich-stage.ts names it, `<prefix>-enrich-meta` (a queue name takes no colon).
 */
export function awsQueueName(prefix: string, destination: string): string {
  return `${prefix}-${destination.replace(/^enrich:/, 'enrich-')}`;
}

export interface AwsQueueOptions {
  /** Queue names are `<prefix>-<destination>` and `<prefix>-<destination>-dlq` (see awsQueueName); default 'leadpipe'. */
  prefix?: string;
  region?: string;
  /** Injectable for tests; default a client using the default credential chain. */
  sqs?: SQSClient;
}

/** A deployed destination's queues, found by name with GetQueueUrl (default credential chain and region). */
export async function awsDeliveryQueue(
  destination: string,
  options: AwsQueueOptions = {},
): Promise<OpenQueue> {
  const prefix = options.prefix ?? 'leadpipe';
  // With an endpoint set in the environment (a local SQS API such as LocalStack's), the SDK would
  // still send each call to the host in the queue's URL, which such an API may name unresolvably.
  const endpointFromEnv = Boolean(process.env.AWS_ENDPOINT_URL_SQS ?? process.env.AWS_ENDPOINT_URL);
  const sqs =
    options.sqs ??
    new SQSClient({
      ...(options.region ? { region: options.region } : {}),
      ...(endpointFromEnv ? { useQueueUrlAsEndpoint: false } : {}),
    });
  const name = awsQueueName(prefix, destination);
  try {
    const [queueUrl, deadLetterQueueUrl] = await Promise.all([
      queueUrlFor(sqs, name),
      queueUrlFor(sqs, `${name}-dlq`),
    ]);
    const region = await sqs.config.region();
    return {
      queue: createSqsDeliveryQueue({ sqs, destination, queueUrl, deadLetterQueueUrl }),
      where: `AWS (${region}, ${name})`,
      close: () => {
        if (!options.sqs) sqs.destroy();
      },
    };
  } catch (error) {
    if (!options.sqs) sqs.destroy();
    throw error;
  }
}

async function queueUrlFor(sqs: SQSClient, queueName: string): Promise<string> {
  try {
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: queueName }));
    if (!QueueUrl) throw new CliError(`SQS returned no URL for the queue ${queueName}`);
    return QueueUrl;
  } catch (error) {
    if (error instanceof CliError) throw error;
    const name = (error as Error).name;
    if (name === 'QueueDoesNotExist' || name === 'AWS.SimpleQueueService.NonExistentQueue') {
      throw new CliError(
        `There is no SQS queue named ${queueName} in this account and region. Check --prefix and --region.`,
        { cause: error },
      );
    }
    // Credential and network problems: the SDK's message says what to fix and carries no secrets.
    throw new CliError(`Could not look up the queue ${queueName}: ${name}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
