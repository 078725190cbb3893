import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { LEAD_REFERENCE } from '../../../functions/enrich/reference.ts';
import type { HttpResult } from '../../../functions/http/middleware.ts';
import { wireIngest } from '../../../functions/ingest/wiring.ts';
import { createLogger } from '../../../functions/observability/logger.ts';
import { parseTraceparent } from '../../../functions/observability/trace-context.ts';
import { createTracer, traceInvocation } from '../../../functions/observability/tracing.ts';
import type { LeadLedger, SecretResolver } from '../../../functions/ports.ts';
import type { LeadpipeConfig } from '../../../schemas/generated/config.ts';
import { createIdempotencyStore } from '../idempotency-store.ts';
import { createDynamoLedger } from '../ledger.ts';
import { createDynamoPersonDirectory } from '../person-directory.ts';
import { createAlertPublisher, createEventPublisher, createLeadPublisher } from '../publisher.ts';
import { createQuarantineStore } from '../quarantine-store.ts';
import { awsSecretResolver } from '../secrets.ts';
import { createShapeStore } from '../shape-store.ts';
import { correlationIdFor } from './correlation.ts';
import { embeddedConfig } from './embedded-config.ts';
import { ENVIRONMENT, readEnvironment } from './environment.ts';
import { METRIC, type PipelineMetrics, powertoolsMetrics } from './metrics.ts';

export interface IngestLambdaOptions {
  config: LeadpipeConfig;
  env?: Readonly<Record<string, string | undefined>>;
  dynamodb?: DynamoDBClient;
  eventbridge?: EventBridgeClient;
  secrets?: SecretResolver;
  /** Default: the DynamoDB ledger in LEADPIPE_LEDGER_TABLE_NAME; neither: no ledger is written. */
  ledger?: LeadLedger;
  metrics?: PipelineMetrics;
  logger?: ReturnType<typeof createLogger>;
  /** X-Ray (Powertools); a no-op outside Lambda. Clients given in the options are not instrumented. */
  tracer?: ReturnType<typeof createTracer>;
  /** The clock signatures' timestamps are checked against. */
  now?: () => Date;
}

export type IngestLambda = (event: APIGatewayProxyEventV2, context: Context) => Promise<HttpResult>;

/**
 * The ingest function as deployed: the shared ingest handler wired to DynamoDB (idempotency,
 * quarantine and person identity), EventBridge and Secrets Manager / SSM, with correlation ids and EMF metrics.
 */
export function createIngestLambda(options: IngestLambdaOptions): IngestLambda {
  const env = readEnvironment(['pipeline', 'tableName', 'busName'], options.env);
  const logger = options.logger ?? createLogger({ serviceName: `${env.pipeline}-ingest` });
  const metrics = options.metrics ?? powertoolsMetrics({ service: env.pipeline });
  const tracer = options.tracer ?? createTracer(`${env.pipeline}-ingest`);
  const dynamodb = options.dynamodb ?? tracer.captureAWSv3Client(new DynamoDBClient({}));
  const eventbridge = options.eventbridge ?? tracer.captureAWSv3Client(new EventBridgeClient({}));
  const publishOptions = { client: eventbridge, busName: env.busName };
  const publishReferences = createEventPublisher(publishOptions);
  const ledger = options.ledger ?? ledgerFor(dynamodb, options);
  const handler = wireIngest({
    config: options.config,
    ports: {
      idempotency: createIdempotencyStore(dynamodb, env.tableName),
      quarantine: createQuarantineStore(dynamodb, env.tableName),
      shapes: createShapeStore(dynamodb, env.tableName),
      // In the pipeline table, beside the idempotency records (adapters/aws/person-directory.ts says why).
      persons: createDynamoPersonDirectory(dynamodb, env.tableName),
      publishLeads: createLeadPublisher(publishOptions),
      // Reference-only webhooks (Meta leadgen, HubSpot contact.creation), to their enrichment stage's rule.
      publishReferences: (events) => publishReferences(LEAD_REFERENCE, events),
      publishAlerts: createAlertPublisher({
        ...publishOptions,
        throttle: { repeatMinutes: options.config.settings?.alerts?.repeatMinutes },
      }),
      secrets: options.secrets ?? awsSecretResolver(),
      ...(ledger ? { ledger } : {}),
    },
    // Per instance, behind API Gateway's stage throttling (functions/ingest/throttle.ts says why both).
    logger,
    ...(options.now ? { now: options.now } : {}),
  });

  return async (event, context) => {
    logger.addContext(context);
    // Provisional: ingest sets the one the lead carries once it has read the payload (functions/ingest/ingest.ts).
    logger.setCorrelationId(correlationIdFor(event, options.config));
    const traceparent = parseTraceparent(event.headers?.traceparent);
    if (traceparent) logger.appendKeys({ traceparent });
    try {
      return await traceInvocation(
        tracer,
        async () => {
          const response = await handler(event, context);
          countAnswer(metrics, response);
          return response;
        },
        () => ({ correlation_id: String(logger.getCorrelationId() ?? ''), traceparent }),
      );
    } finally {
      metrics.flush();
      logger.resetKeys();
    }
  };
}

/**
 * The lead ledger's own table, when the construct named it (it does for every ingest and deliver
 * function); a test that names none writes no ledger.
 */
function ledgerFor(
  client: DynamoDBClient,
  options: { config: LeadpipeConfig; env?: Readonly<Record<string, string | undefined>>; now?: () => Date },
): LeadLedger | undefined {
  const tableName = (options.env ?? process.env)[ENVIRONMENT.ledgerTableName];
  if (!tableName) return undefined;
  const now = options.now;
  return createDynamoLedger({
    client: DynamoDBDocumentClient.from(client),
    tableName,
    retentionDays: options.config.settings?.ledger?.retentionDays,
    ...(now ? { now: () => now().getTime() } : {}),
  });
}

function countAnswer(metrics: PipelineMetrics, response: HttpResult): void {
  if (response.statusCode === 401) {
    metrics.count(METRIC.rejectedSignatures);
    return;
  }
  if (response.statusCode !== 200 && response.statusCode !== 202) return;
  let status: unknown;
  try {
    status = (JSON.parse(response.body ?? '{}') as { status?: unknown }).status;
  } catch {
    return;
  }
  if (status === 'accepted') metrics.count(METRIC.leadsReceived);
  else if (status === 'duplicate') metrics.count(METRIC.duplicates);
  else if (status === 'quarantined') metrics.count(METRIC.quarantined);
}

let deployed: IngestLambda | undefined;

/** The Lambda entry point: built on the first invocation from the embedded config and the environment. */
export const handler: IngestLambda = (event, context) => {
  deployed ??= createIngestLambda({ config: embeddedConfig() });
  return deployed(event, context);
};
