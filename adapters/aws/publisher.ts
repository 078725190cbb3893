import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import { type AlertPublisher, type LeadPublisher, PublishError } from '../../functions/ports.ts';
import { EVENT_SOURCE, LEAD_RECEIVED, OPS_ALERT } from '../../functions/routing/rules.ts';

/** PutEvents takes at most 10 entries per call. */
export const PUT_EVENTS_LIMIT = 10;

export interface PublisherOptions {
  client: EventBridgeClient;
  busName: string;
  /** Tries per entry, counting the first. */
  attempts?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** Publishes lead.received events (see createEventPublisher). */
export function createLeadPublisher(options: PublisherOptions): LeadPublisher {
  const publish = createEventPublisher(options);
  return (events) => publish(LEAD_RECEIVED, events);
}

/** Publishes ops.alert events; a routing rule takes them to the alerts destination. */
export function createAlertPublisher(options: PublisherOptions): AlertPublisher {
  const publish = createEventPublisher(options);
  return (alerts) => publish(OPS_ALERT, alerts);
}

/**
 * Publishes events, 10 per PutEvents call, retrying only the entries that failed. Throws
 * PublishError if any remain, so ingest answers 5xx and the sender retries.
 */
export function createEventPublisher(
  options: PublisherOptions,
): (detailType: string, details: readonly object[]) => Promise<void> {
  const { client, busName, attempts = 3 } = options;
  const sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  return async (detailType, details) => {
    let pending: PutEventsRequestEntry[] = details.map((detail) => ({
      EventBusName: busName,
      Source: EVENT_SOURCE,
      DetailType: detailType,
      Detail: JSON.stringify(detail),
      Time: new Date(),
    }));
    let lastReason = 'unknown';
    for (let attempt = 1; attempt <= attempts && pending.length > 0; attempt++) {
      if (attempt > 1) await sleep(Math.random() * 50 * 2 ** attempt);
      const retry: PutEventsRequestEntry[] = [];
      for (let i = 0; i < pending.length; i += PUT_EVENTS_LIMIT) {
        const chunk = pending.slice(i, i + PUT_EVENTS_LIMIT);
        try {
          const result = await client.send(new PutEventsCommand({ Entries: chunk }));
          result.Entries?.forEach((entry, index) => {
            const sent = chunk[index];
            if (entry.ErrorCode && sent) {
              retry.push(sent);
              lastReason = `${entry.ErrorCode}: ${entry.ErrorMessage ?? ''}`.trim();
            }
          });
        } catch (error) {
          retry.push(...chunk);
          lastReason = (error as Error).name || 'request failed';
          if (attempt === attempts) throw new PublishError(retry.length, lastReason, { cause: error });
        }
      }
      pending = retry;
    }
    if (pending.length > 0) throw new PublishError(pending.length, lastReason);
  };
}
