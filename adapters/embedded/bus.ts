import { randomUUID } from 'node:crypto';
import type { AlertPublisher, LeadPublisher } from '../../functions/ports.ts';
import { EVENT_SOURCE, LEAD_RECEIVED, OPS_ALERT, type RoutingRule } from '../../functions/routing/rules.ts';
import { matchesPattern } from './event-pattern.ts';
import type { EmbeddedQueues } from './queues.ts';

export interface EmbeddedBusOptions {
  /** The routing rules generated from config (functions/routing/rules.ts), as the CDK stack uses them. */
  rules: readonly RoutingRule[];
  queues: EmbeddedQueues;
  /** Destinations that have a queue; a rule for any other is ignored. */
  destinations: readonly string[];
  region?: string;
  now?: () => Date;
}

export interface EmbeddedBus {
  publishLeads: LeadPublisher;
  publishAlerts: AlertPublisher;
  /** Events published so far, by detail-type: proof of what was (not) published, for tests and /health. */
  readonly counts: Readonly<Record<string, number>>;
}

/**
 * EventBridge, in process: each event is matched against the very patterns the CDK stack turns
 * into EventBridge rules, and put on the queue of every matching destination in the envelope an
 * EventBridge SQS target delivers. Inside an ingest invocation the queue rows commit with the
 * delivery's idempotency record (write-scope.ts), so a lead is queued exactly when it is
 * remembered.
 */
export function createEmbeddedBus(options: EmbeddedBusOptions): EmbeddedBus {
  const counts: Record<string, number> = {};
  const region = options.region ?? 'local';
  const now = options.now ?? (() => new Date());
  const known = new Set(options.destinations);

  const publish = async (detailType: string, details: readonly object[]) => {
    const byQueue = new Map<string, string[]>();
    for (const detail of details) {
      const event = {
        version: '0',
        id: randomUUID(),
        'detail-type': detailType,
        source: EVENT_SOURCE,
        account: '000000000000',
        time: `${now().toISOString().slice(0, 19)}Z`,
        region,
        resources: [],
        detail,
      };
      const body = JSON.stringify(event);
      const targets = new Set(
        options.rules
          .filter((rule) => matchesPattern(rule.eventPattern, event))
          .map((rule) => rule.destination),
      );
      for (const destination of targets) {
        if (known.has(destination)) byQueue.set(destination, [...(byQueue.get(destination) ?? []), body]);
      }
    }
    for (const [queue, bodies] of byQueue) options.queues.send(queue, bodies);
    counts[detailType] = (counts[detailType] ?? 0) + details.length;
  };

  return {
    publishLeads: (events) => publish(LEAD_RECEIVED, events),
    publishAlerts: (alerts) => publish(OPS_ALERT, alerts),
    counts,
  };
}
