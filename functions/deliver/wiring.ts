/**
 * The one wiring of the deliver handler from ports. The AWS Lambda entry points (adapters/aws/lambda/)
 * and the local host (local/host.ts) both call it, each with its own adapters, so the two hosts
 * run the very same handler built the very same way. (Ingest and deliver are wired in separate
 * modules so that neither Lambda bundle carries the other's code.)
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { LeadpipeConfig } from '../../schemas/generated/config.ts';
import { canarySourceOf } from '../canary/settings.ts';
import type {
  AlertPublisher,
  DeliveryQueue,
  DestinationAdapter,
  LeadLedger,
  OpsAlertSink,
  TombstoneStore,
} from '../ports.ts';
import { type BackoffPolicy, retryPlan } from './backoff.ts';
import { type BatchSummary, createDeliver } from './deliver.ts';

/** A destination's deliver handler (SQS batches in, batch item failures out) on the given ports. */
export function wireDeliver(options: {
  config: LeadpipeConfig;
  destination: string;
  adapter: DestinationAdapter;
  opsAlerts?: OpsAlertSink;
  queue: DeliveryQueue;
  publishAlerts: AlertPublisher;
  /** Where each attempt is written; absent: nowhere. */
  ledger?: LeadLedger;
  /** Erasure tombstones: an erased person's older leads are dropped, never delivered. */
  tombstones?: TombstoneStore;
  logger: Logger;
  timing?: { backoff?: BackoffPolicy; blockedDelaySeconds?: number };
  onBatch?: (summary: BatchSummary) => void;
}) {
  const delivery = options.config.destinations[options.destination]?.delivery;
  // The same plan sets the queue's redrive count (infra/lead-pipeline.ts, local/embedded-store.ts).
  // Tests shorten the timing; the plan (and so the queue) is from the config alone.
  const plan = retryPlan({ horizonSeconds: delivery?.retryHorizonSeconds });
  const canarySource = canarySourceOf(options.config);
  return createDeliver({
    destination: options.destination,
    adapter: options.adapter,
    ...(options.opsAlerts ? { opsAlerts: options.opsAlerts } : {}),
    queue: options.queue,
    retryHorizonSeconds: plan.horizonSeconds,
    ...(delivery?.maxAttempts !== undefined ? { maxAttempts: delivery.maxAttempts } : {}),
    backoff: options.timing?.backoff ?? plan.backoff,
    blockedDelaySeconds: options.timing?.blockedDelaySeconds ?? plan.blockedDelaySeconds,
    raiseAlerts: options.publishAlerts,
    ...(options.ledger ? { ledger: options.ledger } : {}),
    ...(options.tombstones ? { tombstones: options.tombstones } : {}),
    logger: options.logger,
    ...(options.onBatch ? { onBatch: options.onBatch } : {}),
    ...(canarySource !== undefined ? { canarySource } : {}),
  });
}
