import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  type IMetric,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { type IEventBus, Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction, SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRIC, METRICS_NAMESPACE } from '../adapters/aws/lambda/metrics.ts';
import type { CanarySchedule } from '../functions/canary/settings.ts';
import { EVENT_SOURCE, LEAD_RECEIVED } from '../functions/routing/rules.ts';
import type { LeadpipeConfig } from '../schemas/generated/config.ts';

/** A destination as the canary sees it: where its leads queue, and whether a filter could drop a canary. */
export interface CanaryDestination {
  readonly queue: IQueue;
  readonly deadLetterQueue: IQueue;
  /** The destination has a `filter`: the canary gets a rule of its own to its queue. */
  readonly filtered: boolean;
}

export interface CanaryProps {
  /** Name prefix of the rules and alarms. */
  readonly prefix: string;
  /** The canary function (adapters/aws/lambda/canary.lambda.ts), already granted its source's secret. */
  readonly function: IFunction;
  /** settings.canary with its defaults (canarySchedule). */
  readonly schedule: CanarySchedule;
  /** The pipeline's bus, for the canary rules of filtered destinations. */
  readonly bus: IEventBus;
  readonly destinations: Readonly<Record<string, CanaryDestination>>;
  /** Construct-id part per destination name (LeadPipeline's logicalName). */
  readonly logicalName: (name: string) => string;
}

/**
 * The canary: an EventBridge schedule invoking the canary function every `rateMinutes`, a rule per
 * filtered destination so a filter cannot keep the canary from it, and per destination an alarm
 * when no CanaryDelivered was counted for two periods in a row (missing data is breaching: no
 * canary is the very thing it watches). Alarm actions are the caller's (`alarms`).
 */
export class Canary extends Construct {
  readonly scheduleRule: Rule;
  readonly rules: Rule[];
  readonly alarms: Alarm[];

  constructor(scope: Construct, id: string, props: CanaryProps) {
    super(scope, id);
    const period = Duration.minutes(props.schedule.rateMinutes);
    this.scheduleRule = new Rule(this, 'Schedule', {
      ruleName: `${props.prefix}-canary`,
      description: `leadpipe: a signed synthetic lead to source ${props.schedule.source} every ${period.toHumanString()}`,
      schedule: Schedule.rate(period),
      // A late canary is worth nothing: the next one is due within the period.
      targets: [new LambdaFunction(props.function, { retryAttempts: 0, maxEventAge: period })],
    });
    this.rules = Object.entries(props.destinations)
      .filter(([, destination]) => destination.filtered)
      .map(
        ([name, destination]) =>
          new Rule(this, `Rule${props.logicalName(name)}`, {
            ruleName: `${props.prefix}-${name}-canary`,
            eventBus: props.bus,
            description: `leadpipe: canary leads for ${name}, whatever its filter`,
            eventPattern: canaryEventPattern(props.schedule.source),
            targets: [new SqsQueue(destination.queue, { deadLetterQueue: destination.deadLetterQueue })],
          }),
      );
    this.alarms = Object.keys(props.destinations).map(
      (name) =>
        new Alarm(this, `${props.logicalName(name)}MissingAlarm`, {
          alarmName: `${props.prefix}-${name}-canary-missing`,
          alarmDescription: `No canary lead reached ${name} for ${Duration.minutes(2 * props.schedule.rateMinutes).toHumanString()}: the path from API Gateway to its deliver function is broken somewhere (docs/runbook.md).`,
          metric: canaryMetric(props.prefix, name, period),
          threshold: 1,
          comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
          evaluationPeriods: 2,
          datapointsToAlarm: 2,
          treatMissingData: TreatMissingData.BREACHING,
        }),
    );
  }
}

/** The lead.received events of the canary source, in the CDK's spelling. */
export function canaryEventPattern(source: string) {
  return {
    source: [EVENT_SOURCE],
    detailType: [LEAD_RECEIVED],
    detail: { lead: { source: [source] } },
  };
}

/** CanaryDelivered of one destination, summed per period. */
export function canaryMetric(prefix: string, destination: string, period: Duration): IMetric {
  return new Metric({
    namespace: METRICS_NAMESPACE,
    metricName: METRIC.canaryDelivered,
    dimensionsMap: { service: prefix, destination },
    statistic: 'Sum',
    period,
  });
}

/** What the canary function is built with: the settings and its own source, nothing else. */
export function canaryFunctionConfig(config: LeadpipeConfig, source: string): LeadpipeConfig {
  const own = config.sources[source];
  return {
    ...(config.settings ? { settings: config.settings } : {}),
    sources: own ? { [source]: own } : {},
    destinations: {},
  };
}
