import type { Logger } from '@aws-lambda-powertools/logger';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { Lead } from '../../schemas/generated/lead.ts';
import type { LedgerEvent } from '../../schemas/generated/ledger-event.ts';
import type { OpsAlert } from '../../schemas/generated/ops-alert-event.ts';
import { describeErrors, validateLeadReceived, validateOpsAlert } from '../../schemas/validate.ts';
import { isCanaryLead } from '../canary/settings.ts';
import { erasedBefore } from '../erasure/tombstones.ts';
import { recordSafely } from '../ledger/events.ts';
import { traceKeys } from '../observability/trace-context.ts';
import type {
  DeliveryQueue,
  DestinationAdapter,
  LeadLedger,
  OpsAlertSink,
  Outcome,
  TombstoneStore,
} from '../ports.ts';
import { LEAD_RECEIVED, OPS_ALERT } from '../routing/rules.ts';
import {
  type BackoffPolicy,
  DEFAULT_BACKOFF,
  DEFAULT_BLOCKED_DELAY_SECONDS,
  DEFAULT_RETRY_HORIZON_SECONDS,
  decideRetry,
  MAX_RETRY_DELAY_SECONDS,
  retryDelaySeconds,
} from './backoff.ts';

export interface DeliverDependencies {
  destination: string;
  adapter: DestinationAdapter;
  opsAlerts?: OpsAlertSink;
  /** The destination's queue: retries, dead letters and credential waits are actions on it. */
  queue: DeliveryQueue;
  /**
   * Seconds from a lead's first receive within which transient failures are retried
   * (`delivery.retryHorizonSeconds`). The queue's redrive policy is only the crash backstop, set
   * above every receive the horizon allows (retryPlan).
   */
  retryHorizonSeconds?: number;
  /** Deprecated `delivery.maxAttempts`: if set, also gives up at this many receives (whichever comes first). */
  maxAttempts?: number;
  backoff?: BackoffPolicy;
  /** How long leads stay hidden when the destination refuses our credentials, before trying again. */
  blockedDelaySeconds?: number;
  /** Raises ops alerts (dead-lettered leads, refused credentials). */
  raiseAlerts?: (alerts: OpsAlert[]) => Promise<void>;
  logger: Logger;
  /** Where each attempt and dead letter is written, once its queue action is done; absent: nowhere. */
  ledger?: LeadLedger;
  /** Told what each batch came to, from the actions actually carried out (metrics on AWS). */
  onBatch?: (summary: BatchSummary) => void;
  /**
   * settings.canary.source: its canary leads (isCanaryLead) are counted, never handed to the
   * adapter, so vendors never get test records. @default none
   */
  canarySource?: string;
  /**
   * Erasure tombstones: a lead whose person was erased after it was received is dropped (outcome
   * reason "erased"), never handed to the adapter, and its message deleted. @default none
   */
  tombstones?: TombstoneStore;
  random?: () => number;
  now?: () => number;
}

/** What the engine needs of Lambda's context (the local consumer passes one too): the time left. */
export interface InvocationContext {
  getRemainingTimeInMillis(): number;
}

/**
 * Kept back from the invocation's time for what follows the last vendor call: one queue action per
 * message (concurrent SQS calls, with the SDK's retries), the alerts, the metrics flush. A chunk
 * is not started, and an adapter must have returned, by the function's timeout less this.
 */
export const INVOCATION_SAFETY_MARGIN_MS = 5_000;

/** What one batch came to: leads delivered, and the queue actions that succeeded. */
export interface BatchSummary {
  records: number;
  delivered: number;
  retried: number;
  deadLettered: number;
  blocked: number;
  /** Not tried: the invocation's time budget was spent first. They are visible again at once. */
  deferred: number;
  /** Actions that failed: those messages come back after their visibility timeout. */
  unsettled: number;
  /** Canary leads taken off the queue without a vendor call (not in `delivered`). */
  canaryDelivered: number;
  /** For each delivered lead, milliseconds from its acknowledgement (receivedAt) to now: the SLO's figure. */
  ackToCrmMs: number[];
  /** Leads of an erased person, dropped without a vendor call (not in `delivered`); present when any. */
  erased?: number;
}

type Item =
  | { record: SQSRecord; attempt: number; kind: 'lead'; lead: Lead; traceparent?: string }
  | { record: SQSRecord; attempt: number; kind: 'alert'; alert: OpsAlert }
  | { record: SQSRecord; attempt: number; kind: 'invalid'; reason: string };

/** An adapter's outcome, or: not tried, as the invocation's time ran out, a canary, or an erased person's (never tried). */
type Settled =
  | Outcome
  | { status: 'deferred' }
  | { status: 'canary' }
  | { status: 'erased'; reason: 'erased' };
const deferred: Settled = { status: 'deferred' };
const canary: Settled = { status: 'canary' };

/**
 * The SQS-batch side of a destination: hands leads to the vendor adapter in batches of its size,
 * then acts on each lead's outcome. Delivered: deleted. Retry: hidden for a jittered backoff and
 * reported as a batch item failure, until the retry horizon (time since the first receive) would
 * pass. Rejected, or past the horizon: put in the dead-letter queue with the reason. Blocked
 * (credentials refused): left on the queue, hidden for the blocked delay, never given up, and ops
 * alerted. Leads the invocation's time budget did not reach come back at once. The same engine
 * runs behind SQS on AWS and the embedded queue locally.
 *
 * A blocked lead is never sent anywhere: a function that sends to the queue that invokes it is a
 * loop to Lambda's recursive loop detection, which stops the chain after 16 invocations and lets
 * the redrive policy dead-letter the message without our reason
 * (https://docs.aws.amazon.com/lambda/latest/dg/invocation-recursion.html). A visibility change
 * is not a send, so it cannot trip it.
 */
export function createDeliver(
  deps: DeliverDependencies,
): (event: SQSEvent, context?: InvocationContext) => Promise<SQSBatchResponse> {
  const policy = deps.backoff ?? DEFAULT_BACKOFF;
  const random = deps.random ?? Math.random;
  const now = deps.now ?? Date.now;
  const horizonSeconds = deps.retryHorizonSeconds ?? DEFAULT_RETRY_HORIZON_SECONDS;
  const blockedDelay = Math.min(
    MAX_RETRY_DELAY_SECONDS,
    deps.blockedDelaySeconds ?? DEFAULT_BLOCKED_DELAY_SECONDS,
  );

  return async (event, context) => {
    const deadline = context
      ? now() + context.getRemainingTimeInMillis() - INVOCATION_SAFETY_MARGIN_MS
      : undefined;
    const budget = { deadline, now };
    const items = event.Records.map(readRecord);
    const outcomes = new Map<SQSRecord, Settled>();

    const leadItems = items.filter((item) => item.kind === 'lead');
    const { canarySource } = deps;
    const isCanary = (item: Extract<Item, { kind: 'lead' }>) =>
      canarySource !== undefined && isCanaryLead(item.lead, canarySource);
    for (const item of leadItems) if (isCanary(item)) outcomes.set(item.record, canary);
    for (const [record, outcome] of await erasureOutcomes(deps.tombstones, leadItems))
      outcomes.set(record, outcome);
    const realLeads = leadItems.filter((item) => !isCanary(item) && !outcomes.has(item.record));
    for (const [record, outcome] of await deliverLeads(deps.adapter, realLeads, budget))
      outcomes.set(record, outcome);

    const alertItems = items.filter((item) => item.kind === 'alert');
    if (alertItems.length > 0) {
      const results: Map<number, Settled> = spent(budget)
        ? new Map(alertItems.map((_, index) => [index, deferred]))
        : deps.opsAlerts
          ? await safely(() => deps.opsAlerts?.alert(alertItems.map((item) => item.alert)), alertItems.length)
          : new Map(
              alertItems.map((_, index) => [
                index,
                { status: 'rejected', reason: 'this destination does not take ops alerts' } as Outcome,
              ]),
            );
      for (const [index, item] of alertItems.entries())
        outcomes.set(item.record, results.get(index) ?? missing);
    }
    for (const item of items) {
      if (item.kind === 'invalid') outcomes.set(item.record, { status: 'rejected', reason: item.reason });
    }

    const failures: string[] = [];
    const summary: BatchSummary = {
      records: items.length,
      delivered: 0,
      retried: 0,
      deadLettered: 0,
      blocked: 0,
      deferred: 0,
      unsettled: 0,
      canaryDelivered: 0,
      ackToCrmMs: [],
    };
    const alerts: OpsAlert[] = [];
    const steps: LedgerEvent[] = [];
    let blockedReason: string | undefined;
    await Promise.all(
      items.map(async (item) => {
        const outcome = outcomes.get(item.record) ?? missing;
        const leadId = item.kind === 'lead' ? item.lead.id : item.record.messageId;
        // One line per lead, keyed like ingest's, so a lead's timeline is one query on its correlation id.
        const trace = item.kind === 'lead' ? leadTrace(item) : {};
        if (item.kind === 'lead')
          deps.logger.info('Lead outcome', outcomeLog(deps.destination, item, outcome));
        const at = new Date(now()).toISOString();
        /** The ledger's account of this attempt, once its queue action is done. */
        const step = (extra: Partial<Extract<LedgerEvent, { kind: 'attempt' }>> = {}) => {
          if (item.kind !== 'lead' || (outcome.status !== 'delivered' && !('reason' in outcome))) return;
          if (outcome.status === 'erased') return;
          steps.push({
            leadId: item.lead.id,
            at,
            kind: 'attempt',
            destination: deps.destination,
            attempt: item.attempt,
            outcome: outcome.status as 'delivered' | 'retry' | 'rejected' | 'blocked',
            ...(outcome.status === 'delivered' && outcome.ref
              ? { recordId: outcome.ref.id, ...(outcome.ref.url ? { recordUrl: outcome.ref.url } : {}) }
              : {}),
            ...('reason' in outcome ? { reason: outcome.reason.slice(0, 1000) } : {}),
            ...extra,
          });
        };
        const deadLetterStep = (reason: string) => {
          if (item.kind !== 'lead') return;
          steps.push({
            leadId: item.lead.id,
            at,
            kind: 'dead-lettered',
            destination: deps.destination,
            reason: reason.slice(0, 1000),
            attempts: item.attempt,
          });
        };
        try {
          switch (outcome.status) {
            case 'delivered':
              summary.delivered++;
              step();
              if (item.kind === 'lead') {
                const receivedAt = Date.parse(item.lead.receivedAt);
                if (Number.isFinite(receivedAt)) summary.ackToCrmMs.push(Math.max(0, now() - receivedAt));
              }
              return;
            case 'canary':
              summary.canaryDelivered++;
              return;
            case 'erased':
              // Not reported as a failure: the event source (or the local consumer) deletes it. No
              // ledger step either: the ledger holds nothing of an erased person.
              summary.erased = (summary.erased ?? 0) + 1;
              return;
            case 'rejected':
              await deadLetter(item, outcome.reason);
              summary.deadLettered++;
              step();
              deadLetterStep(outcome.reason);
              if (item.kind === 'lead') alerts.push(deadLettered(leadId, outcome.reason, item.attempt));
              return;
            case 'blocked':
              // Stays on the queue, hidden: no copy is sent (see above), and it is never given up.
              blockedReason = outcome.reason;
              failures.push(item.record.messageId);
              await deps.queue.retryAfter(item.record.receiptHandle, blockedDelay);
              summary.blocked++;
              step({ retryAfterSeconds: blockedDelay });
              return;
            case 'deferred':
              failures.push(item.record.messageId);
              await deps.queue.retryAfter(item.record.receiptHandle, 0);
              summary.deferred++;
              return;
            case 'retry': {
              const decision = decideRetry({
                attempt: item.attempt,
                firstReceivedAt: firstReceivedAt(item.record, now()),
                now: now(),
                delaySeconds: retryDelaySeconds(item.attempt, outcome.retryAfterMs, policy, random),
                horizonSeconds,
                maxAttempts: deps.maxAttempts,
                lastError: outcome.reason,
              });
              if (decision.action === 'give-up') {
                await deadLetter(item, decision.reason);
                summary.deadLettered++;
                step();
                deadLetterStep(decision.reason);
                if (item.kind === 'lead') alerts.push(deadLettered(leadId, decision.reason, item.attempt));
                return;
              }
              failures.push(item.record.messageId);
              await deps.queue.retryAfter(item.record.receiptHandle, decision.delaySeconds);
              summary.retried++;
              step({ retryAfterSeconds: decision.delaySeconds });
              return;
            }
          }
        } catch (error) {
          // The message stays on the queue and comes back after its visibility timeout: nothing is lost.
          if (!failures.includes(item.record.messageId)) failures.push(item.record.messageId);
          summary.unsettled++;
          deps.logger.error('Could not act on a delivery outcome', {
            destination: deps.destination,
            leadId,
            ...trace,
            error: error as Error,
          });
        }
      }),
    );
    if (blockedReason)
      alerts.push({ kind: 'credentials-refused', destination: deps.destination, reason: blockedReason });

    await recordSafely(deps.ledger, steps, deps.logger);
    deps.logger.info('Batch delivered', { destination: deps.destination, ...summary });
    deps.onBatch?.(summary);
    if (alerts.length > 0 && deps.raiseAlerts) {
      try {
        await deps.raiseAlerts(alerts);
      } catch (error) {
        deps.logger.error('Could not raise ops alerts', {
          destination: deps.destination,
          error: error as Error,
        });
      }
    }
    return { batchItemFailures: failures.map((itemIdentifier) => ({ itemIdentifier })) };
  };

  function deadLettered(leadId: string, reason: string, attempts: number): OpsAlert {
    return { kind: 'dead-lettered', destination: deps.destination, leadId, reason, attempts };
  }

  async function deadLetter(item: Item, reason: string): Promise<void> {
    await deps.queue.deadLetter(item.record, {
      reason: reason.slice(0, 1000),
      destination: deps.destination,
      attempts: item.attempt,
      failedAt: new Date().toISOString(),
      ...(item.kind === 'lead' ? { leadId: item.lead.id } : {}),
    });
  }
}

const missing: Outcome = { status: 'retry', reason: 'the adapter returned no outcome for this lead' };

const erased: Settled = { status: 'erased', reason: 'erased' };

/**
 * The leads whose person was erased after they were received (functions/erasure/tombstones.ts),
 * as `erased`; when the tombstones cannot be read, every lead is retried rather than risk
 * delivering an erased person's.
 */
async function erasureOutcomes(
  tombstones: TombstoneStore | undefined,
  items: readonly Extract<Item, { kind: 'lead' }>[],
): Promise<Map<SQSRecord, Settled>> {
  const outcomes = new Map<SQSRecord, Settled>();
  if (!tombstones || items.length === 0) return outcomes;
  await Promise.all(
    items.map(async (item) => {
      try {
        if (await erasedBefore(tombstones, item.lead)) outcomes.set(item.record, erased);
      } catch (error) {
        outcomes.set(item.record, {
          status: 'retry',
          reason: `could not read the erasure tombstones: ${(error as Error).name}`,
        });
      }
    }),
  );
  return outcomes;
}

/** The keys that tie a lead's deliver lines to its ingest lines: correlation id and traceparent. */
function leadTrace(item: Extract<Item, { kind: 'lead' }>) {
  return traceKeys({ correlationId: item.lead.correlationId, traceparent: item.traceparent });
}

/** A lead's outcome as logged: ids and what happened, never the lead's fields (the logger redacts the rest). */
function outcomeLog(destination: string, item: Extract<Item, { kind: 'lead' }>, outcome: Settled) {
  return {
    destination,
    leadId: item.lead.id,
    ...leadTrace(item),
    outcome: outcome.status,
    attempt: item.attempt,
    ...('reason' in outcome ? { reason: outcome.reason } : {}),
    ...(outcome.status === 'delivered' && outcome.ref ? { recordId: outcome.ref.id } : {}),
  };
}

/**
 * When the lead was first received: the horizon measures how long delivery has been tried, not how
 * long the lead waited behind others (a rate-guard backlog after an outage must not use up the
 * horizon of the leads at its back). SentTimestamp only if the attribute is missing. The queue
 * keeps a message 14 days, twice the longest horizon, which covers the wait before the first receive.
 */
function firstReceivedAt(record: SQSRecord, fallback: number): number {
  const attributes = record.attributes;
  return Number(attributes.ApproximateFirstReceiveTimestamp) || Number(attributes.SentTimestamp) || fallback;
}

interface Budget {
  /** Epoch ms by which vendor calls must be over; undefined without a context (no limit). */
  deadline: number | undefined;
  now: () => number;
}

const spent = (budget: Budget) => budget.deadline !== undefined && budget.now() >= budget.deadline;

function readRecord(record: SQSRecord): Item {
  const attempt = Number(record.attributes.ApproximateReceiveCount) || 1;
  let envelope: { 'detail-type'?: unknown; detail?: unknown };
  try {
    envelope = JSON.parse(record.body);
  } catch {
    return { record, attempt, kind: 'invalid', reason: 'message body is not JSON' };
  }
  if (envelope['detail-type'] === LEAD_RECEIVED) {
    if (validateLeadReceived(envelope.detail)) {
      const { lead, traceparent } = envelope.detail;
      return { record, attempt, kind: 'lead', lead, ...(traceparent ? { traceparent } : {}) };
    }
    return {
      record,
      attempt,
      kind: 'invalid',
      reason: `invalid lead.received event: ${describeErrors(validateLeadReceived.errors, 'detail').join('; ')}`,
    };
  }
  if (envelope['detail-type'] === OPS_ALERT) {
    if (validateOpsAlert(envelope.detail)) return { record, attempt, kind: 'alert', alert: envelope.detail };
    return { record, attempt, kind: 'invalid', reason: 'invalid ops.alert event' };
  }
  return {
    record,
    attempt,
    kind: 'invalid',
    reason: `unexpected event type ${JSON.stringify(envelope['detail-type'])}`,
  };
}

/**
 * Leads in batches of the adapter's size; a lead that arrives twice in one batch is sent once. No
 * chunk starts once the budget is spent: its leads are deferred, and the adapter is told the deadline.
 */
async function deliverLeads(
  adapter: DestinationAdapter,
  items: readonly Extract<Item, { kind: 'lead' }>[],
  budget: Budget,
): Promise<Map<SQSRecord, Settled>> {
  const byLead = new Map<string, Extract<Item, { kind: 'lead' }>[]>();
  for (const item of items) byLead.set(item.lead.id, [...(byLead.get(item.lead.id) ?? []), item]);
  const leads = [...byLead.values()].map((group) => (group[0] as Extract<Item, { kind: 'lead' }>).lead);
  const result = new Map<SQSRecord, Settled>();
  for (let i = 0; i < leads.length; i += adapter.maxBatchSize) {
    const chunk = leads.slice(i, i + adapter.maxBatchSize);
    const { deadline } = budget;
    const outcomes: Map<string, Settled> = spent(budget)
      ? new Map(chunk.map((lead) => [lead.id, deferred]))
      : await safely(
          () => (deadline === undefined ? adapter.deliver(chunk) : adapter.deliver(chunk, { deadline })),
          chunk.length,
          chunk.map((lead) => lead.id),
        );
    for (const lead of chunk) {
      for (const item of byLead.get(lead.id) ?? []) result.set(item.record, outcomes.get(lead.id) ?? missing);
    }
  }
  return result;
}

/** Adapters never throw for vendor errors; if one throws anyway, its batch is retried, not lost. */
async function safely<K>(
  call: () => Promise<Map<K, Outcome>> | undefined,
  size: number,
  keys?: K[],
): Promise<Map<K, Outcome>> {
  try {
    return (await call()) ?? new Map();
  } catch (error) {
    const outcome: Outcome = { status: 'retry', reason: `adapter error: ${(error as Error).name}` };
    const all = keys ?? (Array.from({ length: size }, (_, index) => index) as K[]);
    return new Map(all.map((key) => [key, outcome]));
  }
}
