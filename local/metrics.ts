import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { BatchSummary } from '../functions/deliver/deliver.ts';
import type { DeliveryQueue } from '../functions/ports.ts';

/**
 * What the webhook route answered: 202 accepted as a lead, or quarantined (signed, kept, but not
 * mappable: the answer's own status says so), 200 to a POST duplicate, any other 2xx Meta's
 * handshake, 4xx refused (nothing changed), 5xx failed (the sender retries).
 */
export type WebhookStatus = 'accepted' | 'quarantined' | 'duplicate' | 'handshake' | 'refused' | 'failed';

export const WEBHOOK_STATUSES: readonly WebhookStatus[] = [
  'accepted',
  'quarantined',
  'duplicate',
  'handshake',
  'refused',
  'failed',
];

/** The outcomes counted per destination: the deliver engine's BatchSummary fields. */
export type DeliveryOutcome = 'delivered' | 'retry' | 'dead_lettered' | 'blocked' | 'deferred' | 'canary';

export const DELIVERY_OUTCOMES: readonly DeliveryOutcome[] = [
  'delivered',
  'retry',
  'dead_lettered',
  'blocked',
  'deferred',
  'canary',
];

/** The label any source not in the config gets: a path segment must not mint series. */
export const UNKNOWN_SOURCE = 'unknown';

/** Spans the 500 ms goal of a lead in the CRM after its 202 up to the 24 h retry horizon. */
const ACK_TO_CRM_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600, 86_400];

/** One answer of the webhook route. */
export interface WebhookObservation {
  source: string;
  method: string;
  statusCode: number;
  /** A 202 that quarantined the payload instead of making it a lead. */
  quarantined?: boolean;
  /** From the request's arrival to its answer. */
  seconds: number;
}

/** Reads the state of the pipeline when Prometheus scrapes, not before. */
export interface ScrapeSources {
  sources: readonly string[];
  /** Each destination's queue, by destination name. */
  queues: Readonly<Record<string, DeliveryQueue>>;
  quarantined: () => Promise<number>;
}

export interface HostMetrics {
  observeWebhook(observation: WebhookObservation): void;
  countBatch(destination: string, summary: BatchSummary): void;
  /** The Prometheus text exposition of this host's registry. */
  scrape(): Promise<{ contentType: string; body: string }>;
}

/** The status label of an answer of the webhook route (see WebhookStatus). */
export function webhookStatus(method: string, statusCode: number, quarantined = false): WebhookStatus {
  if (statusCode === 202) return quarantined ? 'quarantined' : 'accepted';
  if (statusCode >= 200 && statusCode < 300)
    return method.toUpperCase() === 'POST' ? 'duplicate' : 'handshake';
  if (statusCode >= 500) return 'failed';
  return 'refused';
}

/** Each outcome's count in one batch's summary. */
export function batchOutcomes(summary: BatchSummary): Record<DeliveryOutcome, number> {
  return {
    delivered: summary.delivered,
    retry: summary.retried,
    dead_lettered: summary.deadLettered,
    blocked: summary.blocked,
    deferred: summary.deferred,
    canary: summary.canaryDelivered,
  };
}

/**
 * The local host's Prometheus metrics, on a registry of their own (two hosts in one process, as
 * tests run them, never share a series). Counters and histograms are fed as things happen; queue
 * depths and the quarantine are read from the ports at each scrape.
 */
export function createHostMetrics(read: ScrapeSources): HostMetrics {
  const registry = new Registry();
  const known = new Set(read.sources);
  const webhooks = new Counter({
    name: 'leadpipe_webhooks_total',
    help: 'Answers of POST /webhooks/{source}, by source and status (accepted, duplicate, handshake, refused, failed).',
    labelNames: ['source', 'status'],
    registers: [registry],
  });
  const ack = new Histogram({
    name: 'leadpipe_ack_seconds',
    help: 'Seconds from a webhook arriving to its 2xx answer (ingest latency).',
    labelNames: ['source'],
    registers: [registry],
  });
  const deliveries = new Counter({
    name: 'leadpipe_deliveries_total',
    help: 'Messages the deliver engine settled, by destination and outcome.',
    labelNames: ['destination', 'outcome'],
    registers: [registry],
  });
  const ackToCrm = new Histogram({
    name: 'leadpipe_ack_to_crm_seconds',
    help: 'Seconds from a lead being acknowledged (202) to its delivery, by destination.',
    labelNames: ['destination'],
    buckets: ACK_TO_CRM_BUCKETS,
    registers: [registry],
  });
  new Gauge({
    name: 'leadpipe_queue_depth',
    help: 'Messages in a destination queue, by state (visible, in_flight, delayed).',
    labelNames: ['destination', 'state'],
    registers: [registry],
    async collect() {
      for (const [destination, port] of Object.entries(read.queues)) {
        const { queue } = await port.depth();
        this.set({ destination, state: 'visible' }, queue.visible);
        this.set({ destination, state: 'in_flight' }, queue.inFlight);
        this.set({ destination, state: 'delayed' }, queue.delayed);
      }
    },
  });
  new Gauge({
    name: 'leadpipe_dead_letters',
    help: 'Messages in a destination dead-letter queue.',
    labelNames: ['destination'],
    registers: [registry],
    async collect() {
      for (const [destination, port] of Object.entries(read.queues)) {
        const { deadLetters } = await port.depth();
        this.set({ destination }, deadLetters.visible + deadLetters.inFlight + deadLetters.delayed);
      }
    },
  });
  new Gauge({
    name: 'leadpipe_quarantined',
    help: 'Payloads in quarantine (kept 30 days, replayable).',
    registers: [registry],
    async collect() {
      this.set(await read.quarantined());
    },
  });
  // Every series exists from the start, so a rate over the first events is not lost.
  for (const source of read.sources)
    for (const status of WEBHOOK_STATUSES) webhooks.inc({ source, status }, 0);
  for (const destination of Object.keys(read.queues))
    for (const outcome of DELIVERY_OUTCOMES) deliveries.inc({ destination, outcome }, 0);

  return {
    observeWebhook({ source, method, statusCode, quarantined, seconds }) {
      const label = known.has(source) ? source : UNKNOWN_SOURCE;
      webhooks.inc({ source: label, status: webhookStatus(method, statusCode, quarantined) });
      if (statusCode >= 200 && statusCode < 300) ack.observe({ source: label }, seconds);
    },
    countBatch(destination, summary) {
      for (const [outcome, count] of Object.entries(batchOutcomes(summary)))
        if (count > 0) deliveries.inc({ destination, outcome }, count);
      for (const milliseconds of summary.ackToCrmMs) ackToCrm.observe({ destination }, milliseconds / 1000);
    },
    async scrape() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
