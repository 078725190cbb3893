import { randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import { createAlertThrottle } from '../../functions/alerts/throttle.ts';
import { LEAD_REFERENCE, type LeadReferenceEvent } from '../../functions/enrich/reference.ts';
import { createLogger } from '../../functions/observability/logger.ts';
import type { AlertPublisher, LeadPublisher } from '../../functions/ports.ts';
import { matchesPattern } from '../../functions/routing/event-pattern.ts';
import {
  EVENT_SOURCE,
  LEAD_RECEIVED,
  OPS_ALERT,
  type RoutingRule,
  type TopicRule,
} from '../../functions/routing/rules.ts';
import type { OpsAlert } from '../../schemas/generated/ops-alert-event.ts';
import type { EmbeddedQueues } from './queues.ts';

export interface EmbeddedBusOptions {
  /** The routing rules generated from config (functions/routing/rules.ts), as the CDK stack uses them. */
  rules: readonly RoutingRule[];
  queues: EmbeddedQueues;
  /** Destinations that have a queue; a rule for any other is ignored. */
  destinations: readonly string[];
  /**
   * The rules whose target is the ops topic (opsTopicRules): alerts about the alerts destination
   * itself. There is no SNS locally, so they go to `toTopic`.
   */
  topicRules?: readonly TopicRule[];
  /** Where alerts for the ops topic go. Default: logged at ERROR and written to stderr (loudAlert). */
  toTopic?: (alert: OpsAlert) => void;
  /** The repeat cap on ops alerts (settings.alerts.repeatMinutes). @default DEFAULT_REPEAT_MINUTES */
  repeatMinutes?: number;
  region?: string;
  now?: () => Date;
}

export interface EmbeddedBus {
  publishLeads: LeadPublisher;
  publishAlerts: AlertPublisher;
  /** lead.reference events, to the enrichment stages whose rules (functions/enrich/reference.ts) match. */
  publishReferences: (events: readonly LeadReferenceEvent[]) => Promise<void>;
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

  const toTopic = options.toTopic ?? loudAlert(createLogger({ logLevel: 'ERROR' }));
  const throttle = createAlertThrottle({
    ...(options.repeatMinutes !== undefined ? { repeatMinutes: options.repeatMinutes } : {}),
    now: () => now().getTime(),
  });

  const publish = async (detailType: string, details: readonly object[]) => {
    const byQueue = new Map<string, string[]>();
    const forTopic: OpsAlert[] = [];
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
      if ((options.topicRules ?? []).some((rule) => matchesPattern(rule.eventPattern, event))) {
        forTopic.push(detail as OpsAlert);
      }
    }
    for (const [queue, bodies] of byQueue) options.queues.send(queue, bodies);
    for (const alert of forTopic) toTopic(alert);
    counts[detailType] = (counts[detailType] ?? 0) + details.length;
  };

  return {
    publishLeads: (events) => publish(LEAD_RECEIVED, events),
    publishReferences: (events) => publish(LEAD_REFERENCE, events),
    // The repeat cap, as on AWS (adapters/aws/publisher.ts): repeats are held back and counted.
    publishAlerts: async (alerts) => {
      const admitted = throttle.admit(alerts);
      if (admitted.send.length > 0) await publish(OPS_ALERT, admitted.send);
      admitted.commit();
    },
    counts,
  };
}

/**
 * The local stand-in for the SNS alarm topic: an alert about the alerts destination cannot go
 * there, so it is logged at ERROR (stderr) with a line a person running the host cannot miss.
 */
export function loudAlert(logger: Logger, stderr: NodeJS.WritableStream = process.stderr) {
  return (alert: OpsAlert): void => {
    const about = 'destination' in alert ? alert.destination : 'leadpipe';
    stderr.write(
      `\n!!! leadpipe OPS ALERT (${alert.kind}, ${about}): it is about the alerts destination itself, so it cannot be posted there, and the local host has no SNS topic. See the ERROR log line below.\n`,
    );
    logger.error('Ops alert about the alerts destination: not posted anywhere else locally', { alert });
  };
}
