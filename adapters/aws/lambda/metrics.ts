import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

/** CloudWatch namespace of every leadpipe metric; the construct's dashboard and alarms read it. */
export const METRICS_NAMESPACE = 'Leadpipe';

/** The pipeline's own metrics (EMF). Ingest ones have the `service` dimension; deliver ones add `destination`. */
export const METRIC = {
  leadsReceived: 'LeadsReceived',
  duplicates: 'Duplicates',
  quarantined: 'Quarantined',
  rejectedSignatures: 'RejectedSignatures',
  delivered: 'Delivered',
  retried: 'Retried',
  deadLettered: 'DeadLettered',
  blocked: 'Blocked',
  /** Canary leads a deliver function took off its queue (counted, not sent to the vendor). */
  canaryDelivered: 'CanaryDelivered',
  /** Milliseconds from a lead's 202 to its delivery, one value per lead: the ack→CRM SLO's p95. */
  ackToCrmMs: 'AckToCrmMs',
} as const;

export type MetricName = (typeof METRIC)[keyof typeof METRIC];

/** What handlers count; the Powertools implementation writes EMF, tests pass a recorder. */
export interface PipelineMetrics {
  count(name: MetricName, value?: number): void;
  /** Records one duration in milliseconds (percentiles are computed by CloudWatch). A recorder may leave it out. */
  measure?(name: MetricName, milliseconds: number): void;
  /** Writes what was counted; called once per invocation. */
  flush(): void;
}

/** Counts as CloudWatch embedded-metric-format lines, through Powertools. */
export function powertoolsMetrics(options: {
  service: string;
  dimensions?: Record<string, string>;
  metrics?: Metrics;
}): PipelineMetrics {
  const metrics =
    options.metrics ??
    new Metrics({
      namespace: METRICS_NAMESPACE,
      serviceName: options.service,
      defaultDimensions: options.dimensions ?? {},
    });
  let counted = false;
  return {
    count(name, value = 1) {
      metrics.addMetric(name, MetricUnit.Count, value);
      counted = true;
    },
    measure(name, milliseconds) {
      // Powertools writes the values of one name as an EMF array (flushing at 100), each a sample.
      metrics.addMetric(name, MetricUnit.Milliseconds, milliseconds);
      counted = true;
    },
    flush() {
      // An invocation that counted nothing writes nothing (Powertools would warn about an empty set).
      if (counted) metrics.publishStoredMetrics();
      counted = false;
    },
  };
}
