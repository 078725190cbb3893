import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { referenceSenderOf } from '../../../functions/enrich/reference.ts';
import type { ReferenceFetcher, ReferenceSender } from '../../../functions/enrich/types.ts';
import { wireEnrich } from '../../../functions/enrich/wiring.ts';
import { createLogger } from '../../../functions/observability/logger.ts';
import { createTracer, traceInvocation } from '../../../functions/observability/tracing.ts';
import type {
  LeadLedger,
  PersonDirectory,
  SecretResolver,
  TombstoneStore,
} from '../../../functions/ports.ts';
import type { LeadpipeConfig } from '../../../schemas/generated/config.ts';
import { createReferenceFetcher } from '../../reference-fetchers.ts';
import { createSqsDeliveryQueue } from '../delivery-queue.ts';
import { createDynamoPersonDirectory } from '../person-directory.ts';
import { createAlertPublisher, createLeadPublisher } from '../publisher.ts';
import { awsSecretResolver } from '../secrets.ts';
import { createDynamoTombstones } from '../tombstones.ts';
import { embeddedConfig } from './embedded-config.ts';
import { readEnvironment } from './environment.ts';
import { functionTables } from './tables.ts';

export interface EnrichLambdaOptions {
  config: LeadpipeConfig;
  env?: Readonly<Record<string, string | undefined>>;
  sqs?: SQSClient;
  eventbridge?: EventBridgeClient;
  dynamodb?: DynamoDBClient;
  /** Default: Secrets Manager / SSM through Powertools, cached (a rotated token is read within the cache age). */
  secrets?: SecretResolver;
  ledger?: LeadLedger;
  persons?: PersonDirectory;
  tombstones?: TombstoneStore;
  logger?: ReturnType<typeof createLogger>;
  tracer?: ReturnType<typeof createTracer>;
}

export type EnrichLambda = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

/** Thrown at cold start when LEADPIPE_DESTINATION names no enrichment stage (enrich:meta, enrich:hubspot). */
export class UnknownStageError extends Error {
  override readonly name = 'UnknownStageError';
}

/**
 * One enrichment stage's function as deployed: the shared stage handler fed by its SQS queue
 * (reportBatchItemFailures), fetching from Meta's Graph API or HubSpot's CRM API with tokens from
 * Secrets Manager / SSM, publishing lead.received to the bus, appending to the ledger and resolving
 * persons in the pipeline table. LEADPIPE_DESTINATION is the stage's name (`enrich:meta`).
 */
export function createEnrichLambda(options: EnrichLambdaOptions): EnrichLambda {
  const env = readEnvironment(
    ['pipeline', 'busName', 'destination', 'queueUrl', 'deadLetterQueueUrl'],
    options.env,
  );
  const sender = /^enrich:(meta|hubspot)$/.exec(env.destination)?.[1] as ReferenceSender | undefined;
  if (!sender)
    throw new UnknownStageError(
      `"${env.destination}" is not an enrichment stage (enrich:meta, enrich:hubspot)`,
    );
  const logger = options.logger ?? createLogger({ serviceName: `${env.pipeline}-enrich-${sender}` });
  const tracer = options.tracer ?? createTracer(`${env.pipeline}-enrich-${sender}`);
  const environment = options.env ?? process.env;
  const { dynamodb, tableName, ledger } = functionTables({
    environment,
    tracer,
    ...(options.dynamodb ? { dynamodb: options.dynamodb } : {}),
    ...(options.ledger ? { ledger: options.ledger } : {}),
    retentionDays: options.config.settings?.ledger?.retentionDays,
  });
  const persons =
    options.persons ?? (dynamodb && tableName ? createDynamoPersonDirectory(dynamodb, tableName) : undefined);
  const tombstones =
    options.tombstones ?? (dynamodb && tableName ? createDynamoTombstones(dynamodb, tableName) : undefined);
  const eventbridge = options.eventbridge ?? tracer.captureAWSv3Client(new EventBridgeClient({}));
  const resolveSecret = options.secrets ?? awsSecretResolver();
  const fetchers = new Map<string, ReferenceFetcher>();
  for (const [name, source] of Object.entries(options.config.sources)) {
    if (referenceSenderOf(source) !== sender) continue;
    const fetcher = createReferenceFetcher(source, { resolveSecret });
    if (fetcher) fetchers.set(name, fetcher);
  }
  const handler = wireEnrich({
    config: options.config,
    sender,
    fetchers,
    queue: createSqsDeliveryQueue({
      sqs: options.sqs ?? tracer.captureAWSv3Client(new SQSClient({})),
      destination: env.destination,
      queueUrl: env.queueUrl,
      deadLetterQueueUrl: env.deadLetterQueueUrl,
    }),
    publishLeads: createLeadPublisher({ client: eventbridge, busName: env.busName }),
    publishAlerts: createAlertPublisher({
      client: eventbridge,
      busName: env.busName,
      throttle: { repeatMinutes: options.config.settings?.alerts?.repeatMinutes },
    }),
    ...(ledger ? { ledger } : {}),
    ...(persons ? { persons } : {}),
    ...(tombstones ? { tombstones } : {}),
    logger,
  });
  return async (event, context) => {
    logger.addContext(context);
    return traceInvocation(tracer, () => handler(event));
  };
}

let deployed: EnrichLambda | undefined;

/** The Lambda entry point: built on the first invocation from the embedded config and the environment. */
export const handler: EnrichLambda = (event, context) => {
  deployed ??= createEnrichLambda({ config: embeddedConfig() });
  return deployed(event, context);
};
