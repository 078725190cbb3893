/**
 * The one wiring of the deliver handler from ports. The AWS Lambda entry points (adapters/aws/lambda/)
 * and the local host (local/host.ts) both call it, each with its own adapters, so the two hosts
 * run the very same handler built the very same way. (Ingest and deliver are wired in separate
 * modules so that neither Lambda bundle carries the other's code.)
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { LeadpipeConfig } from '../../schemas/generated/config.ts';
import type { AlertPublisher, DeliveryQueue, DestinationAdapter, OpsAlertSink } from '../ports.ts';
import { type BackoffPolicy, DEFAULT_MAX_ATTEMPTS } from './backoff.ts';
import { type BatchSummary, createDeliver } from './deliver.ts';

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
