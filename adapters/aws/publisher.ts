import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import { type AlertThrottleOptions, createAlertThrottle } from '../../functions/alerts/throttle.ts';
import { type AlertPublisher, type LeadPublisher, PublishError } from '../../functions/ports.ts';
import { EVENT_SOURCE, LEAD_RECEIVED, OPS_ALERT } from '../../functions/routing/rules.ts';

/** PutEvents takes at most 10 entries per call. */
export const PUT_EVENTS_LIMIT = 10;
/** An entry (Time, Source, DetailType, Detail, in UTF-8) may be at most 256 KiB. */
export const PUT_EVENTS_ENTRY_BYTES = 256 * 1024;
/**
 * Refusals of the event itself: retrying cannot help. Throttling, internal failures, the network and
 * refused credentials (fixed by an operator, after which the sender's retry succeeds) are all passing.
 */
const PERMANENT_ERRORS = new Set(['ValidationException', 'MalformedDetail', 'InvalidArgument']);

/** Entry size as EventBridge counts it (docs: "Calculating PutEvents event entry size"). */
export function entryBytes(entry: PutEventsRequestEntry): number {
  const bytes = (text: string | undefined) => (text === undefined ? 0 : Buffer.byteLength(text));
  const resources = (entry.Resources ?? []).reduce((sum, resource) => sum + bytes(resource), 0);
  return (
    (entry.Time ? 14 : 0) + bytes(entry.Source) + bytes(entry.DetailType) + bytes(entry.Detail) + resources
  );
}

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

/**
 * Publishes ops.alert events; a routing rule takes them to the alerts destination (or, about that
 * destination itself, to the SNS alarm topic). The repeat cap (functions/alerts/throttle.ts) holds
 * back the same alert within `repeatMinutes`, per function instance: there is no cross-instance
 * cap, so N warm instances may each send one.
 */
export function createAlertPublisher(
  options: PublisherOptions & { throttle?: AlertThrottleOptions },
): AlertPublisher {
  const publish = createEventPublisher(options);
  const throttle = createAlertThrottle(options.throttle);
  return async (alerts) => {
    const admitted = throttle.admit(alerts);
    if (admitted.send.length > 0) await publish(OPS_ALERT, admitted.send);
    // Only once published: a failed publish holds back nothing, and the caller may try again.
    admitted.commit();
  };
}

/**
 * Publishes events, 10 per PutEvents call, retrying only the entries that failed. Throws
 * PublishError if any remain, so ingest answers 5xx and the sender retries; the error is `permanent`
 * when EventBridge refused an entry itself (over 256 KiB, checked before sending, or a validation error),
 * which no retry would change.
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
    const oversized = pending.filter((entry) => entryBytes(entry) > PUT_EVENTS_ENTRY_BYTES);
    if (oversized.length > 0) {
      throw new PublishError(oversized.length, `entry larger than ${PUT_EVENTS_ENTRY_BYTES} bytes`, {
        permanent: true,
      });
    }
    let lastReason = 'unknown';
    const refused: string[] = [];
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
              const reason = `${entry.ErrorCode}: ${entry.ErrorMessage ?? ''}`.trim();
              if (PERMANENT_ERRORS.has(entry.ErrorCode)) refused.push(reason);
              else {
                retry.push(sent);
                lastReason = reason;
              }
            }
          });
        } catch (error) {
          const name = (error as Error).name || 'request failed';
          if (PERMANENT_ERRORS.has(name)) {
            refused.push(...chunk.map(() => name));
            continue;
          }
          lastReason = name;
          retry.push(...chunk);
          if (attempt === attempts) throw new PublishError(retry.length, lastReason, { cause: error });
        }
      }
      pending = retry;
    }
    if (pending.length > 0) throw new PublishError(pending.length + refused.length, lastReason);
    // Only refusals are left: retrying the whole call would be refused the same way.
    if (refused.length > 0) {
      throw new PublishError(refused.length, refused[0] as string, { permanent: true });
    }
  };
}
