import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import { METRIC, METRICS_NAMESPACE } from '../adapters/aws/lambda/metrics.ts';

/** The SLO's window: p95 over 5 minutes, breached 3 periods in a row (a sustained miss, not one slow batch). */
export const SLO_PERIOD = Duration.minutes(5);
export const SLO_EVALUATION_PERIODS = 3;

/** AckToCrmMs of one destination at p95 per SLO_PERIOD. */
export function ackToCrmMetric(prefix: string, destination: string): Metric {
  return new Metric({
    namespace: METRICS_NAMESPACE,
    metricName: METRIC.ackToCrmMs,
    dimensionsMap: { service: prefix, destination },
    statistic: 'p95',
    period: SLO_PERIOD,
  });
}

/**
 * The ack→CRM SLO of one destination: p95 of the time from a lead's 202 to its delivery above the
 * objective. No leads is no breach (missing data is not breaching): the canary alarm watches that.
 */
export function ackToCrmSloAlarm(
  scope: Construct,
  id: string,
  props: { readonly prefix: string; readonly destination: string; readonly objectiveSeconds: number },
): Alarm {
  return new Alarm(scope, id, {
    alarmName: `${props.prefix}-${props.destination}-ack-to-crm-p95`,
    alarmDescription: `The 95th percentile of 202 → delivered for ${props.destination} has been above ${props.objectiveSeconds} s for ${Duration.minutes(SLO_PERIOD.toMinutes() * SLO_EVALUATION_PERIODS).toHumanString()} (docs/runbook.md).`,
    metric: ackToCrmMetric(props.prefix, props.destination),
    threshold: props.objectiveSeconds * 1000,
    comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: SLO_EVALUATION_PERIODS,
    datapointsToAlarm: SLO_EVALUATION_PERIODS,
    treatMissingData: TreatMissingData.NOT_BREACHING,
  });
}
