/**
 * The one wiring of the ingest handler from ports. The AWS Lambda entry points (adapters/aws/lambda/)
 * and the local host (local/host.ts) both call it, each with its own adapters, so the two hosts
 * run the very same handler built the very same way. (Ingest and deliver are wired in separate
 * modules so that neither Lambda bundle carries the other's code.)
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { LeadpipeConfig } from '../../schemas/generated/config.ts';
import { createShapeObserver } from '../drift/observer.ts';
import type { LeadReferenceEvent } from '../enrich/reference.ts';
import type {
  AlertPublisher,
  IdempotencyStore,
  LeadLedger,
  LeadPublisher,
  PersonDirectory,
  QuarantineStore,
  SecretResolver,
  ShapeStore,
} from '../ports.ts';
import { decideRoutes } from '../routing/route-decision.ts';
import { createIngestHandler } from './handler.ts';
import { createSourceThrottle, type ThrottleOptions, throttleOptionsFrom } from './throttle.ts';

export interface IngestPorts {
  idempotency: IdempotencyStore;
  quarantine: QuarantineStore;
  shapes: ShapeStore;
  publishLeads: LeadPublisher;
  publishAlerts: AlertPublisher;
  /** lead.reference events, to the enrichment stages (functions/enrich/); absent: references are quarantined. */
  publishReferences?: (events: readonly LeadReferenceEvent[]) => Promise<void>;
  secrets: SecretResolver;
  /** Every accepted delivery's steps; absent: none are kept. */
  ledger?: LeadLedger;
  /** Who each lead is from (its personId); absent: leads carry none. */
  persons?: PersonDirectory;
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
    ...(ports.publishReferences ? { publishReferences: ports.publishReferences } : {}),
    ...(ports.ledger ? { ledger: ports.ledger, decideRoutes: decideRoutes(config) } : {}),
    ...(ports.persons ? { persons: ports.persons } : {}),
    observeShape: createShapeObserver({ store: ports.shapes, raiseAlerts: ports.publishAlerts, logger }),
    throttle: createSourceThrottle({ ...throttleOptionsFrom(config), ...options.throttle }),
    logger,
    ...(options.now ? { now: options.now } : {}),
  });
}
