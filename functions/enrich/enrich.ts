import type { Logger } from '@aws-lambda-powertools/logger';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { LeadpipeConfig } from '../../schemas/generated/config.ts';
import type { Lead } from '../../schemas/generated/lead.ts';
import type { LedgerEvent } from '../../schemas/generated/ledger-event.ts';
import type { OpsAlert } from '../../schemas/generated/ops-alert-event.ts';
import {
  type BackoffPolicy,
  DEFAULT_BACKOFF,
  DEFAULT_BLOCKED_DELAY_SECONDS,
  DEFAULT_RETRY_HORIZON_SECONDS,
  decideRetry,
  MAX_RETRY_DELAY_SECONDS,
  retryDelaySeconds,
} from '../deliver/backoff.ts';
import { erasedBefore, erasedMessage } from '../erasure/tombstones.ts';
import { leadFromMapped, leadReceived } from '../ingest/ingest.ts';
import { contactOf, mappedEvent, recordSafely, routedEvent } from '../ledger/events.ts';
import { mapPayload } from '../mapping/index.ts';
import { MappingError } from '../mapping/types.ts';
import { traceKeys } from '../observability/trace-context.ts';
import { PersonDirectoryUnavailableError, withPerson } from '../persons/resolve-lead.ts';
import {
  type AlertPublisher,
  type DeliveryQueue,
  type LeadLedger,
  type LeadPublisher,
  type PersonDirectory,
  PublishError,
  type TombstoneStore,
} from '../ports.ts';
import type { RouteDecision } from '../routing/route-decision.ts';
import { LEAD_REFERENCE, type LeadReferenceEvent, referenceEventProblem } from './reference.ts';
import type { FetchOutcome, ReferenceFetcher } from './types.ts';

export interface EnrichDependencies {
  /** The stage's name, its queue's: enrich:meta. */
  stage: string;
  config: LeadpipeConfig;
  /** The fetcher of a source (its token, its base URL); undefined when the source has no enrich settings now. */
  fetcherFor: (source: string) => ReferenceFetcher | undefined;
  queue: DeliveryQueue;
  publish: LeadPublisher;
  raiseAlerts?: AlertPublisher;
  ledger?: LeadLedger;
  decideRoutes?: (lead: Lead) => RouteDecision;
  /** Who each fetched lead is from: resolved with the same shared step as ingest (functions/persons/). */
  persons?: PersonDirectory;
  /** Erasure tombstones: a person erased while their reference waited is never published (nor put back in the ledger). */
  tombstones?: TombstoneStore;
  logger: Logger;
  backoff?: BackoffPolicy;
  blockedDelaySeconds?: number;
  retryHorizonSeconds?: number;
  now?: () => number;
  random?: () => number;
}

/** What the stage does with one reference, decided from the fetch's (or the publish's) outcome. */
export type EnrichAction =
  | { action: 'done'; lead: Lead; mergedFrom?: string }
  | { action: 'retry'; delaySeconds: number; reason: string }
  | { action: 'wait-blocked'; delaySeconds: number; reason: string }
  | { action: 'dead-letter'; reason: string }
  /** The person was erased after the webhook arrived: nothing is published, the reference is dropped. */
  | { action: 'erased'; reason: string };

/**
 * The enrichment stage of one sender, on SQS-shaped batches like a destination's deliver handler:
 * for each lead.reference, fetch the person from the sender's API, map it with the source's preset
 * and publish lead.received (the lead id ingest answered with), so routing, delivery and the ledger
 * go on as for any lead. Retry: hidden for a jittered backoff (no sooner than the sender asked)
 * until the retry horizon; rejected, unmappable or past the horizon: dead-lettered with the reason
 * and ops alerted; blocked (the token refused): kept, hidden for the blocked delay, ops alerted.
 */
export function createEnrich(deps: EnrichDependencies): (event: SQSEvent) => Promise<SQSBatchResponse> {
  const now = deps.now ?? Date.now;
  const blockedDelay = Math.min(
    MAX_RETRY_DELAY_SECONDS,
    deps.blockedDelaySeconds ?? DEFAULT_BLOCKED_DELAY_SECONDS,
  );
  return async (event) => {
    const failures: string[] = [];
    const steps: LedgerEvent[] = [];
    const alerts: OpsAlert[] = [];
    let blockedReason: string | undefined;
    for (const record of event.Records) {
      const attempt = Number(record.attributes.ApproximateReceiveCount) || 1;
      const read = readReference(record);
      const decision =
        'problem' in read
          ? ({ action: 'dead-letter', reason: read.problem } as const)
          : await enrichOne(read.event, attempt, record);
      const leadId = 'event' in read ? read.event.lead.id : undefined;
      const at = new Date(now()).toISOString();
      try {
        switch (decision.action) {
          case 'done':
            steps.push(...doneSteps((read as { event: LeadReferenceEvent }).event, decision, attempt, at));
            break;
          case 'retry':
            failures.push(record.messageId);
            await deps.queue.retryAfter(record.receiptHandle, decision.delaySeconds);
            if (leadId)
              steps.push(fetchStep(leadId, at, attempt, 'retry', decision.reason, decision.delaySeconds));
            break;
          case 'wait-blocked':
            failures.push(record.messageId);
            blockedReason = decision.reason;
            await deps.queue.retryAfter(record.receiptHandle, decision.delaySeconds);
            if (leadId)
              steps.push(fetchStep(leadId, at, attempt, 'blocked', decision.reason, decision.delaySeconds));
            break;
          case 'erased':
            // Not a failure: the event source deletes it. The ledger step names no contact.
            if (leadId) steps.push(fetchStep(leadId, at, attempt, 'rejected', decision.reason));
            break;
          case 'dead-letter':
            await deps.queue.deadLetter(record, {
              reason: decision.reason.slice(0, 1000),
              destination: deps.stage,
              attempts: attempt,
              failedAt: at,
              ...(leadId ? { leadId } : {}),
            });
            if (leadId) {
              steps.push(fetchStep(leadId, at, attempt, 'rejected', decision.reason));
              steps.push({
                leadId,
                at,
                kind: 'dead-lettered',
                destination: deps.stage,
                reason: decision.reason.slice(0, 1000),
                attempts: attempt,
              });
            }
            alerts.push({
              kind: 'dead-lettered',
              destination: deps.stage,
              leadId: leadId ?? record.messageId,
              reason: decision.reason,
              attempts: attempt,
            });
            break;
        }
      } catch (error) {
        // The message stays and comes back after its visibility timeout: nothing is lost.
        if (!failures.includes(record.messageId)) failures.push(record.messageId);
        deps.logger.error('Could not act on an enrichment outcome', {
          stage: deps.stage,
          leadId,
          error: error as Error,
        });
      }
      deps.logger.info('Reference enriched', {
        stage: deps.stage,
        leadId,
        attempt,
        outcome: decision.action,
        ...('reason' in decision ? { reason: decision.reason } : {}),
        ...('event' in read
          ? traceKeys({ correlationId: read.event.correlation_id, traceparent: read.event.traceparent })
          : {}),
      });
    }
    if (blockedReason)
      alerts.push({ kind: 'credentials-refused', destination: deps.stage, reason: blockedReason });
    await recordSafely(deps.ledger, steps, deps.logger);
    if (alerts.length > 0 && deps.raiseAlerts) {
      try {
        await deps.raiseAlerts(alerts);
      } catch (error) {
        deps.logger.error('Could not raise ops alerts', { stage: deps.stage, error: error as Error });
      }
    }
    return { batchItemFailures: failures.map((itemIdentifier) => ({ itemIdentifier })) };
  };

  /** Fetch, map, resolve the person and publish one reference; never throws. */
  async function enrichOne(
    event: LeadReferenceEvent,
    attempt: number,
    record: SQSRecord,
  ): Promise<EnrichAction> {
    const fetcher = deps.fetcherFor(event.source);
    if (!fetcher)
      return { action: 'dead-letter', reason: `source "${event.source}" has no enrich settings any more` };
    let outcome: FetchOutcome;
    try {
      outcome = await fetcher.fetch(event.reference);
    } catch (error) {
      outcome = { status: 'retry', reason: `fetcher error: ${(error as Error).name}` };
    }
    if (outcome.status !== 'fetched')
      return decideFetchHere(outcome, attempt, firstReceivedAt(record, now()));
    const built = await leadFrom(event, withWebhookIds(event, outcome.payload));
    if ('problem' in built) return { action: 'dead-letter', reason: built.problem };
    try {
      const erasedAt = deps.tombstones ? await erasedBefore(deps.tombstones, built.lead) : undefined;
      if (erasedAt !== undefined) return { action: 'erased', reason: erasedMessage(built.lead.id, erasedAt) };
      // The shared step ingest and replay use: a retried reference resolves to the same person.
      const { lead, mergedFrom } = await withPerson(deps.persons, built.lead);
      await deps.publish([leadReceived(lead, new Date(now()), event.traceparent)]);
      return { action: 'done', lead, ...(mergedFrom ? { mergedFrom } : {}) };
    } catch (error) {
      if (error instanceof PublishError && error.permanent)
        return { action: 'dead-letter', reason: `the bus refused the lead event: ${error.message}` };
      const what =
        error instanceof PersonDirectoryUnavailableError ? 'person directory unavailable' : 'publish failed';
      return decideFetchHere(
        { status: 'retry', reason: `${what}: ${(error as Error).name}` },
        attempt,
        firstReceivedAt(record, now()),
      );
    }
  }

  /** What a failed fetch means for the message, with this stage's timing (decideFetch). */
  function decideFetchHere(
    outcome: Exclude<FetchOutcome, { status: 'fetched' }>,
    attempt: number,
    firstReceived: number,
  ): EnrichAction {
    return decideFetch(outcome, {
      attempt,
      firstReceivedAt: firstReceived,
      now: now(),
      backoff: deps.backoff ?? DEFAULT_BACKOFF,
      horizonSeconds: deps.retryHorizonSeconds ?? DEFAULT_RETRY_HORIZON_SECONDS,
      blockedDelaySeconds: blockedDelay,
      ...(deps.random ? { random: deps.random } : {}),
    });
  }

  /** The fetched record as the lead ingest answered for: same id, provenance and correlation id. */
  async function leadFrom(
    event: LeadReferenceEvent,
    payload: unknown,
  ): Promise<{ lead: Lead } | { problem: string }> {
    const source = deps.config.sources[event.source];
    if (!source) return { problem: `source "${event.source}" is no longer configured` };
    try {
      const mapped = await mapPayload(source.mapping, {
        payload,
        contentType: 'application/json',
        headers: {},
        phoneRegion: deps.config.settings?.phoneRegion ?? 'US',
      });
      const built = leadFromMapped(mapped, {
        source: event.source,
        deliveryId: event.lead.raw.deliveryId,
        deliveryIdFrom: event.lead.raw.deliveryIdFrom ?? 'sender',
        correlationId: event.correlation_id,
        receivedAt: event.lead.receivedAt,
        contentType: event.lead.raw.contentType ?? 'application/json',
        body: Buffer.alloc(0),
      });
      // The codes only: a mapping message may quote what the person typed.
      if ('problem' in built)
        return {
          problem: `the fetched ${event.reference.sender} record is not a valid lead (${built.problem.code})`,
        };
      return { lead: { ...built.lead, id: event.lead.id, raw: event.lead.raw } };
    } catch (error) {
      if (error instanceof MappingError)
        return {
          problem: `the fetched ${event.reference.sender} record could not be mapped (${error.code})`,
        };
      throw error;
    }
  }

  function fetchStep(
    leadId: string,
    at: string,
    attempt: number,
    outcome: 'fetched' | 'retry' | 'rejected' | 'blocked',
    reason?: string,
    retryAfterSeconds?: number,
  ): LedgerEvent {
    return {
      leadId,
      at,
      kind: 'enriched',
      destination: deps.stage,
      attempt,
      outcome,
      ...(reason ? { reason: reason.slice(0, 1000) } : {}),
      ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
    };
  }

  /**
   * A fetched lead's steps: its `received` step again, with the same key and now the contact (so the
   * ledger finds it by email), then enriched, mapped and routed.
   */
  function doneSteps(
    event: LeadReferenceEvent,
    done: { lead: Lead; mergedFrom?: string },
    attempt: number,
    at: string,
  ): LedgerEvent[] {
    const { lead } = done;
    const routes = deps.decideRoutes?.(lead) ?? { matched: [], unmatched: [] };
    return [
      {
        leadId: lead.id,
        at: event.lead.receivedAt,
        kind: 'received',
        source: event.source,
        deliveryId: event.lead.raw.deliveryId,
        correlationId: event.correlation_id,
        contentType: event.lead.raw.contentType ?? '',
        bytes: event.lead.raw.bytes ?? 0,
        contact: contactOf(lead),
      },
      fetchStep(lead.id, at, attempt, 'fetched'),
      mappedEvent(lead, at, { mergedFrom: done.mergedFrom }),
      routedEvent(lead.id, at, routes),
    ];
  }
}

/**
 * The fetched record with the ids only the webhook had (Meta's page_id is not a lead field): the
 * record's own values win.
 */
function withWebhookIds(event: LeadReferenceEvent, payload: unknown): unknown {
  const context = event.reference.context;
  if (!context || typeof payload !== 'object' || payload === null || Array.isArray(payload)) return payload;
  return { ...context, ...payload };
}

/**
 * The stage's policy for a fetch that did not succeed: blocked waits the blocked delay (never given
 * up: the queue's retention is the limit), rejected is dead-lettered, retry waits a jittered
 * backoff no shorter than the sender asked, until the retry horizon since the first receive.
 */
export function decideFetch(
  outcome: Exclude<FetchOutcome, { status: 'fetched' }>,
  input: {
    attempt: number;
    firstReceivedAt: number;
    now: number;
    backoff: BackoffPolicy;
    horizonSeconds: number;
    blockedDelaySeconds: number;
    random?: () => number;
  },
): EnrichAction {
  switch (outcome.status) {
    case 'blocked':
      return { action: 'wait-blocked', delaySeconds: input.blockedDelaySeconds, reason: outcome.reason };
    case 'rejected':
      return { action: 'dead-letter', reason: outcome.reason };
    case 'retry': {
      const decision = decideRetry({
        attempt: input.attempt,
        firstReceivedAt: input.firstReceivedAt,
        now: input.now,
        delaySeconds: retryDelaySeconds(input.attempt, outcome.retryAfterMs, input.backoff, input.random),
        horizonSeconds: input.horizonSeconds,
        lastError: outcome.reason,
      });
      return decision.action === 'give-up'
        ? { action: 'dead-letter', reason: decision.reason }
        : { action: 'retry', delaySeconds: decision.delaySeconds, reason: outcome.reason };
    }
  }
}

/** The reference in an EventBridge-to-SQS envelope, or why it cannot be one. */
export function readReference(record: SQSRecord): { event: LeadReferenceEvent } | { problem: string } {
  let envelope: { 'detail-type'?: unknown; detail?: unknown };
  try {
    envelope = JSON.parse(record.body);
  } catch {
    return { problem: 'message body is not JSON' };
  }
  if (envelope['detail-type'] !== LEAD_REFERENCE)
    return { problem: `unexpected event type ${JSON.stringify(envelope['detail-type'])}` };
  const problem = referenceEventProblem(envelope.detail);
  return problem
    ? { problem: `invalid lead.reference event: ${problem}` }
    : { event: envelope.detail as LeadReferenceEvent };
}

/** As the deliver engine: the horizon counts from the first receive, not from the send. */
function firstReceivedAt(record: SQSRecord, fallback: number): number {
  const attributes = record.attributes;
  return Number(attributes.ApproximateFirstReceiveTimestamp) || Number(attributes.SentTimestamp) || fallback;
}
