import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { BatchSummary } from '../../../functions/deliver/deliver.ts';
import { wireDeliver } from '../../../functions/deliver/wiring.ts';
import { createLogger } from '../../../functions/observability/logger.ts';
import { createTracer, traceInvocation } from '../../../functions/observability/tracing.ts';
import type { LeadLedger } from '../../../functions/ports.ts';
import type { DestinationConfig, LeadpipeConfig } from '../../../schemas/generated/config.ts';
import type { DestinationClientsFactory } from '../../destination-clients.ts';
import { createDeliveredStore } from '../delivered-store.ts';
import { createSqsDeliveryQueue } from '../delivery-queue.ts';
import { createAlertPublisher } from '../publisher.ts';
import { sharedLimiters } from '../rate-limiter.ts';
import { awsSecretResolver, type RefreshableSecretResolver, SECRET_CACHE_SECONDS } from '../secrets.ts';
import { createDynamoTombstones } from '../tombstones.ts';
import { embeddedConfig } from './embedded-config.ts';
import { readEnvironment } from './environment.ts';
import { METRIC, type PipelineMetrics, powertoolsMetrics } from './metrics.ts';
import { rotatingClients } from './rotating-clients.ts';
import { functionTables } from './tables.ts';

export interface DeliverLambdaOptions {
  config: LeadpipeConfig;
  env?: Readonly<Record<string, string | undefined>>;
  sqs?: SQSClient;
  eventbridge?: EventBridgeClient;
  dynamodb?: DynamoDBClient;
  /** Default: Secrets Manager / SSM through Powertools, cached for `secretMaxAgeSeconds`. */
  secrets?: RefreshableSecretResolver;
  /** Default: the DynamoDB ledger in LEADPIPE_LEDGER_TABLE_NAME; neither: no ledger is written. */
  ledger?: LeadLedger;
  /** How old a secret value may get before the clients are checked against the store. @default 300 */
  secretMaxAgeSeconds?: number;
  metrics?: PipelineMetrics;
  logger?: ReturnType<typeof createLogger>;
  /** X-Ray (Powertools); a no-op outside Lambda. Clients given in the options are not instrumented. */
  tracer?: ReturnType<typeof createTracer>;
  /**
   * Builds the destination's adapter (the vendor's real API unless config names a URL). The
   * deployed entries pass their own vendor's factory only, so each bundle carries one vendor SDK.
   */
  clients: DestinationClientsFactory;
}

export type DeliverLambda = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

/** Thrown at cold start when the function's destination is not in the embedded config. */
export class UnknownDestinationError extends Error {
  override readonly name = 'UnknownDestinationError';
}

/**
 * One destination's deliver function as deployed: the shared delivery engine fed by the SQS event
 * source, with the vendor adapter built from secrets in Secrets Manager / SSM and rebuilt when they
 * rotate (see rotatingClients), alerts published to the bus, and EMF metrics: Delivered, Retried,
 * DeadLettered, Blocked, CanaryDelivered, AckToCrmMs.
 */
export function createDeliverLambda(options: DeliverLambdaOptions): DeliverLambda {
  const env = readEnvironment(
    ['pipeline', 'busName', 'destination', 'queueUrl', 'deadLetterQueueUrl'],
    options.env,
  );
  const destination = options.config.destinations[env.destination];
  if (!destination) {
    throw new UnknownDestinationError(`No destination named "${env.destination}" in the embedded config`);
  }
  const logger =
    options.logger ?? createLogger({ serviceName: `${env.pipeline}-deliver-${env.destination}` });
  const metrics =
    options.metrics ??
    powertoolsMetrics({ service: env.pipeline, dimensions: { destination: env.destination } });
  const tracer = options.tracer ?? createTracer(`${env.pipeline}-deliver-${env.destination}`);
  const queue = createSqsDeliveryQueue({
    sqs: options.sqs ?? tracer.captureAWSv3Client(new SQSClient({})),
    destination: env.destination,
    queueUrl: env.queueUrl,
    deadLetterQueueUrl: env.deadLetterQueueUrl,
  });
  const publishAlerts = createAlertPublisher({
    client: options.eventbridge ?? tracer.captureAWSv3Client(new EventBridgeClient({})),
    busName: env.busName,
    throttle: { repeatMinutes: options.config.settings?.alerts?.repeatMinutes },
  });
  const alerts = options.config.settings?.alerts;
  const environment = options.env ?? process.env;
  // Set by the construct for every deliver function: the pipeline table (shared rate limits, what
  // Slack delivered, tombstones) and the ledger (each attempt and dead letter is appended).
  // Without them (a test), each invocation environment keeps its own limits and writes no ledger.
  const { dynamodb, tableName, ledger } = functionTables({
    environment,
    tracer,
    ...(options.dynamodb ? { dynamodb: options.dynamodb } : {}),
    ...(options.ledger ? { ledger: options.ledger } : {}),
    retentionDays: options.config.settings?.ledger?.retentionDays,
  });
  const delivered = dynamodb && tableName ? createDeliveredStore(dynamodb, tableName) : undefined;
  // Erasure tombstones live in the pipeline table: an erased person's older leads are dropped.
  const tombstones = dynamodb && tableName ? createDynamoTombstones(dynamodb, tableName) : undefined;
  const limiter =
    dynamodb && tableName
      ? sharedLimiters({
          client: dynamodb,
          tableName,
          onFallback: ({ vendor, limit }) =>
            logger.warn('Rate limit too large to share; it holds per execution environment only', {
              vendor,
              limit,
            }),
        })
      : undefined;
  const maxAgeSeconds = options.secretMaxAgeSeconds ?? SECRET_CACHE_SECONDS;
  const clients = rotatingClients({
    build: (resolveSecret) =>
      options.clients(env.destination, destination, {
        resolveSecret,
        ...(alerts?.destination === env.destination ? { alertsChannel: alerts.channel } : {}),
        ...(delivered ? { delivered } : {}),
        ...(limiter ? { limiter } : {}),
      }),
    resolveSecret: options.secrets ?? awsSecretResolver({ maxAgeSeconds }),
    maxAgeMs: maxAgeSeconds * 1000,
    onRefreshError: (error) =>
      logger.warn('Could not read the destination secrets again; keeping the clients in use', {
        error: (error as Error).message,
      }),
  });

  let deliver: Promise<ReturnType<typeof wireDeliver>> | undefined;
  const ready = () => {
    deliver ??= clients.ready().then((built) =>
      wireDeliver({
        config: options.config,
        destination: env.destination,
        adapter: built.adapter,
        ...(built.opsAlerts ? { opsAlerts: built.opsAlerts } : {}),
        queue,
        publishAlerts,
        ...(ledger ? { ledger } : {}),
        ...(tombstones ? { tombstones } : {}),
        logger,
        onBatch: (summary) => countBatch(metrics, summary),
      }),
    );
    // A secret that could not be read is retried on the next batch, not remembered forever.
    deliver.catch(() => {
      deliver = undefined;
    });
    return deliver;
  };

  return async (event, context) => {
    logger.addContext(context);
    try {
      // The engine's time budget: no vendor call starts that could run into the timeout.
      return await traceInvocation(tracer, async () => (await ready())(event, context));
    } finally {
      metrics.flush();
    }
  };
}

/**
 * Delivered, Retried, DeadLettered, Blocked and CanaryDelivered: what the engine reports it did;
 * AckToCrmMs, one value per delivered lead (the SLO alarm's p95).
 */
export function countBatch(metrics: PipelineMetrics, summary: BatchSummary): void {
  if (summary.delivered > 0) metrics.count(METRIC.delivered, summary.delivered);
  if (summary.retried > 0) metrics.count(METRIC.retried, summary.retried);
  if (summary.deadLettered > 0) metrics.count(METRIC.deadLettered, summary.deadLettered);
  if (summary.blocked > 0) metrics.count(METRIC.blocked, summary.blocked);
  if (summary.canaryDelivered > 0) metrics.count(METRIC.canaryDelivered, summary.canaryDelivered);
  for (const milliseconds of summary.ackToCrmMs) metrics.measure?.(METRIC.ackToCrmMs, milliseconds);
}

type DestinationType = DestinationConfig['type'];

/** Thrown when a vendor's deliver function is given another vendor's destination (a build mistake). */
export class DestinationTypeError extends Error {
  override readonly name = 'DestinationTypeError';
}

/**
 * One vendor's factory as a factory for any destination: it refuses, with a DestinationTypeError,
 * a destination of another type instead of handing that vendor's adapter a config it cannot read.
 */
export function forDestinationType<T extends DestinationType>(
  type: T,
  factory: DestinationClientsFactory<Extract<DestinationConfig, { type: T }>>,
): DestinationClientsFactory {
  return async (name, config, options) => {
    if (config.type !== type) {
      throw new DestinationTypeError(
        `Destination "${name}" is of type ${config.type}; this function delivers to ${type} only`,
      );
    }
    return factory(name, config as Extract<DestinationConfig, { type: T }>, options);
  };
}

/**
 * A deployed deliver function's handler for one vendor: built on the first invocation from the
 * embedded config and the environment, with only that vendor's factory.
 */
export function deployedDeliverHandler<T extends DestinationType>(
  type: T,
  factory: DestinationClientsFactory<Extract<DestinationConfig, { type: T }>>,
): DeliverLambda {
  let deployed: DeliverLambda | undefined;
  return (event, context) => {
    deployed ??= createDeliverLambda({
      config: embeddedConfig(),
      clients: forDestinationType(type, factory),
    });
    return deployed(event, context);
  };
}
