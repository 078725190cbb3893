import type { Logger } from '@aws-lambda-powertools/logger';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { Lead } from '../../schemas/generated/lead.ts';
import type { OpsAlert } from '../../schemas/generated/ops-alert-event.ts';
import { describeErrors, validateLeadReceived, validateOpsAlert } from '../../schemas/validate.ts';
import type { DeliveryQueue, DestinationAdapter, OpsAlertSink, Outcome } from '../ports.ts';
import { LEAD_RECEIVED, OPS_ALERT } from '../routing/rules.ts';
import { type BackoffPolicy, DEFAULT_BACKOFF, retryDelaySeconds } from './backoff.ts';

export interface DeliverDependencies {
  destination: string;
  adapter: DestinationAdapter;
  opsAlerts?: OpsAlertSink;
  /** The destination's queue: retries, dead letters and credential waits are actions on it. */
  queue: DeliveryQueue;
  /** Receives before a lead is dead-lettered (the queue's redrive policy is a backstop at the same count + 1). */
  maxAttempts: number;
  backoff?: BackoffPolicy;
  /** How long leads wait when the destination refuses our credentials, before trying again. */
  blockedDelaySeconds?: number;
  /** Raises ops alerts (dead-lettered leads, refused credentials). */
  raiseAlerts?: (alerts: OpsAlert[]) => Promise<void>;
  logger: Logger;
  /** Told what each batch came to, from the actions actually carried out (metrics on AWS). */
  onBatch?: (summary: BatchSummary) => void;
  random?: () => number;
}

/** What one batch came to: leads delivered, and the queue actions that succeeded. */
export interface BatchSummary {
  records: number;
  delivered: number;
  retried: number;
  deadLettered: number;
  blocked: number;
  /** Actions that failed: those messages come back after their visibility timeout. */
  unsettled: number;
}

type Item =
  | { record: SQSRecord; attempt: number; kind: 'lead'; lead: Lead }
  | { record: SQSRecord; attempt: number; kind: 'alert'; alert: OpsAlert }
  | { record: SQSRecord; attempt: number; kind: 'invalid'; reason: string };

/** SQS's longest DelaySeconds, used when credentials are refused. */
const MAX_DELAY_SECONDS = 900;

/**
 * The SQS-batch side of a destination: hands leads to the vendor adapter in batches of its size,
 * then acts on each lead's outcome. Delivered: deleted. Retry: hidden for a jittered backoff and
 * reported as a batch item failure. Rejected, or out of attempts: put in the dead-letter queue
 * with the reason. Blocked (credentials refused): requeued with a delay, without burning an
 * attempt, and ops alerted. The same engine runs behind SQS on AWS and the embedded queue locally.
 */
export function createDeliver(deps: DeliverDependencies): (event: SQSEvent) => Promise<SQSBatchResponse> {
  const policy = deps.backoff ?? DEFAULT_BACKOFF;
  const random = deps.random ?? Math.random;
  const blockedDelay = Math.min(MAX_DELAY_SECONDS, deps.blockedDelaySeconds ?? 300);

  return async (event) => {
    const items = event.Records.map(readRecord);
    const outcomes = new Map<SQSRecord, Outcome>();

    const leadItems = items.filter((item) => item.kind === 'lead');
    for (const [record, outcome] of await deliverLeads(deps.adapter, leadItems))
      outcomes.set(record, outcome);

    const alertItems = items.filter((item) => item.kind === 'alert');
    if (alertItems.length > 0) {
      const results = deps.opsAlerts
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
      unsettled: 0,
    };
    const alerts: OpsAlert[] = [];
    let blockedReason: string | undefined;
    await Promise.all(
      items.map(async (item) => {
        const outcome = outcomes.get(item.record) ?? missing;
        const leadId = item.kind === 'lead' ? item.lead.id : item.record.messageId;
        try {
          switch (outcome.status) {
            case 'delivered':
              summary.delivered++;
              return;
            case 'rejected':
              await deadLetter(item, outcome.reason);
              summary.deadLettered++;
              if (item.kind === 'lead') alerts.push(deadLettered(leadId, outcome.reason, item.attempt));
              return;
            case 'blocked':
              blockedReason = outcome.reason;
              await deps.queue.requeue(item.record, blockedDelay);
              summary.blocked++;
              return;
            case 'retry':
              if (item.attempt >= deps.maxAttempts) {
                const reason = `gave up after ${item.attempt} attempts; last error: ${outcome.reason}`;
                await deadLetter(item, reason);
                summary.deadLettered++;
                if (item.kind === 'lead') alerts.push(deadLettered(leadId, reason, item.attempt));
                return;
              }
              failures.push(item.record.messageId);
              await deps.queue.retryAfter(
                item.record.receiptHandle,
                retryDelaySeconds(item.attempt, outcome.retryAfterMs, policy, random),
              );
              summary.retried++;
              return;
          }
        } catch (error) {
          // The message stays on the queue and comes back after its visibility timeout: nothing is lost.
          if (!failures.includes(item.record.messageId)) failures.push(item.record.messageId);
          summary.unsettled++;
          deps.logger.error('Could not act on a delivery outcome', {
            destination: deps.destination,
            leadId,
            error: error as Error,
          });
        }
      }),
    );
    if (blockedReason)
      alerts.push({ kind: 'credentials-refused', destination: deps.destination, reason: blockedReason });

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

function readRecord(record: SQSRecord): Item {
  const attempt = Number(record.attributes.ApproximateReceiveCount) || 1;
  let envelope: { 'detail-type'?: unknown; detail?: unknown };
  try {
    envelope = JSON.parse(record.body);
  } catch {
    return { record, attempt, kind: 'invalid', reason: 'message body is not JSON' };
  }
  if (envelope['detail-type'] === LEAD_RECEIVED) {
    if (validateLeadReceived(envelope.detail))
      return { record, attempt, kind: 'lead', lead: envelope.detail.lead };
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

/** Leads in batches of the adapter's size; a lead that arrives twice in one batch is sent once. */
async function deliverLeads(
  adapter: DestinationAdapter,
  items: readonly Extract<Item, { kind: 'lead' }>[],
): Promise<Map<SQSRecord, Outcome>> {
  const byLead = new Map<string, Extract<Item, { kind: 'lead' }>[]>();
  for (const item of items) byLead.set(item.lead.id, [...(byLead.get(item.lead.id) ?? []), item]);
  const leads = [...byLead.values()].map((group) => (group[0] as Extract<Item, { kind: 'lead' }>).lead);
  const result = new Map<SQSRecord, Outcome>();
  for (let i = 0; i < leads.length; i += adapter.maxBatchSize) {
    const chunk = leads.slice(i, i + adapter.maxBatchSize);
    const outcomes = await safely(
      () => adapter.deliver(chunk),
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
