/**
 * The one wiring of an enrichment stage's handler from ports, used by the local host and the AWS
 * enrich Lambda alike (as wireDeliver is for destinations).
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { LeadpipeConfig } from '../../schemas/generated/config.ts';
import { type BackoffPolicy, DEFAULT_RETRY_HORIZON_SECONDS, retryPlan } from '../deliver/backoff.ts';
import type {
  AlertPublisher,
  DeliveryQueue,
  LeadLedger,
  LeadPublisher,
  PersonDirectory,
  TombstoneStore,
} from '../ports.ts';
import { decideRoutes } from '../routing/route-decision.ts';
import { createEnrich } from './enrich.ts';
import { referenceSenderOf, stageName } from './reference.ts';
import type { ReferenceFetcher, ReferenceSender } from './types.ts';

/** References per invocation: SQS's default batch for a Lambda event source; fetches run one at a time. */
export const ENRICH_BATCH_SIZE = 10;

/** The longest `enrich.retryHorizonSeconds` of the sources that fetch from `sender`: the stage's queue is sized for it. */
export function stageHorizonSeconds(config: LeadpipeConfig, sender: ReferenceSender): number {
  const horizons = Object.values(config.sources)
    .filter((source) => referenceSenderOf(source) === sender)
    .map((source) => source.enrich?.retryHorizonSeconds ?? DEFAULT_RETRY_HORIZON_SECONDS);
  return horizons.length > 0 ? Math.max(...horizons) : DEFAULT_RETRY_HORIZON_SECONDS;
}

/** A stage's handler (SQS batches of lead.reference in, batch item failures out). */
export function wireEnrich(options: {
  config: LeadpipeConfig;
  sender: ReferenceSender;
  /** Built once per source of this sender (its token reference, its base URL). */
  fetchers: ReadonlyMap<string, ReferenceFetcher>;
  queue: DeliveryQueue;
  publishLeads: LeadPublisher;
  publishAlerts: AlertPublisher;
  ledger?: LeadLedger;
  /** Who each fetched lead is from: the same directory ingest resolves against. */
  persons?: PersonDirectory;
  /** Erasure tombstones: an erased person's waiting references are dropped, not published. */
  tombstones?: TombstoneStore;
  logger: Logger;
  timing?: { backoff?: BackoffPolicy; blockedDelaySeconds?: number };
}) {
  const plan = retryPlan({ horizonSeconds: stageHorizonSeconds(options.config, options.sender) });
  return createEnrich({
    stage: stageName(options.sender),
    config: options.config,
    fetcherFor: (source) => options.fetchers.get(source),
    queue: options.queue,
    publish: options.publishLeads,
    raiseAlerts: options.publishAlerts,
    ...(options.ledger ? { ledger: options.ledger, decideRoutes: decideRoutes(options.config) } : {}),
    ...(options.persons ? { persons: options.persons } : {}),
    ...(options.tombstones ? { tombstones: options.tombstones } : {}),
    logger: options.logger,
    retryHorizonSeconds: plan.horizonSeconds,
    backoff: options.timing?.backoff ?? plan.backoff,
    blockedDelaySeconds: options.timing?.blockedDelaySeconds ?? plan.blockedDelaySeconds,
  });
}
