/**
 * The one wiring of the pipeline's handlers from ports. The AWS Lambda entry points
 * (adapters/aws/lambda/) and the local host (local/host.ts) both call these, each with its own
 * adapters, so the two hosts run the very same handlers built the very same way.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { LeadpipeConfig } from '../schemas/generated/config.ts';
import { type BackoffPolicy, DEFAULT_MAX_ATTEMPTS } from './deliver/backoff.ts';
import { type BatchSummary, createDeliver } from './deliver/deliver.ts';
import { createShapeObserver } from './drift/observer.ts';
import { createIngestHandler } from './ingest/handler.ts';
import { createSourceThrottle, type ThrottleOptions, throttleOptionsFrom } from './ingest/throttle.ts';
import type {
  AlertPublisher,
  DeliveryQueue,
  DestinationAdapter,
  IdempotencyStore,
  LeadPublisher,
  OpsAlertSink,
  QuarantineStore,
  SecretResolver,
  ShapeStore,
} from './ports.ts';

export interface IngestPorts {
  idempotency: IdempotencyStore;
  quarantine: QuarantineStore;
  shapes: ShapeStore;
  publishLeads: LeadPublisher;
  publishAlerts: AlertPublisher;
  secrets: SecretResolver;
}

/** The ingest handler (API Gateway HTTP API v2 events in, HTTP results out) on the given ports. */
export function wireIngest(options: {
  config: LeadpipeConfig;
  ports: IngestPorts;
  logger: Logger;
  /** Overrides the config's per-source rate limits (functions/ingest/throttle.ts). */
  throttle?: ThrottleOptions;
  now?: () => Date;
}) {
  const { config, ports, logger } = options;
  return createIngestHandler({
    config,
    secrets: ports.secrets,
    idempotencyStore: ports.idempotency,
    quarantine: ports.quarantine,
    publish: ports.publishLeads,
    raiseAlerts: ports.publishAlerts,
    observeShape: createShapeObserver({ store: ports.shapes, raiseAlerts: ports.publishAlerts, logger }),
    throttle: createSourceThrottle({ ...throttleOptionsFrom(config), ...options.throttle }),
    logger,
    ...(options.now ? { now: options.now } : {}),
  });
}

/** A destination's deliver handler (SQS batches in, batch item failures out) on the given ports. */
export function wireDeliver(options: {
  config: LeadpipeConfig;
  destination: string;
  adapter: DestinationAdapter;
  opsAlerts?: OpsAlertSink;
  queue: DeliveryQueue;
  /** Default: the destination's `delivery.maxAttempts`; a deployed function has it in its environment. */
  maxAttempts?: number;
  publishAlerts: AlertPublisher;
  logger: Logger;
  timing?: { backoff?: BackoffPolicy; blockedDelaySeconds?: number };
  onBatch?: (summary: BatchSummary) => void;
}) {
  const settings = options.config.destinations[options.destination];
  return createDeliver({
    destination: options.destination,
    adapter: options.adapter,
    ...(options.opsAlerts ? { opsAlerts: options.opsAlerts } : {}),
    queue: options.queue,
    maxAttempts: options.maxAttempts ?? settings?.delivery?.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    ...options.timing,
    raiseAlerts: options.publishAlerts,
    logger: options.logger,
    ...(options.onBatch ? { onBatch: options.onBatch } : {}),
  });
}
