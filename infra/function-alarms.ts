import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';

/** Share of a function's timeout that its slowest invocation may reach before the Duration alarm fires. */
export const DURATION_ALARM_SHARE = 0.8;
const PERIOD = Duration.minutes(5);

export interface AlarmedFunction {
  /** The name in the alarm's name: `<prefix>-<name>-errors`. */
  readonly name: string;
  /** CDK id stem of the alarms (PascalCase). */
  readonly id: string;
  readonly fn: IFunction;
  /** With a timeout, also a Duration alarm at DURATION_ALARM_SHARE of it (deliver functions). @default none */
  readonly timeout?: Duration;
}

/**
 * Lambda's own failures, which the pipeline's metrics cannot see: Errors (an invocation that threw
 * or timed out; a deliver batch then comes back whole), Throttles (account or reserved concurrency
 * reached: webhooks answered 429/500 by API Gateway, batches delayed), and, for deliver functions,
 * a slowest invocation near its timeout (the vendor slowing down before it times out).
 */
export function functionAlarms(
  scope: Construct,
  prefix: string,
  functions: readonly AlarmedFunction[],
): Alarm[] {
  const alarms: Alarm[] = [];
  for (const { name, id, fn, timeout } of functions) {
    alarms.push(
      new Alarm(scope, `${id}ErrorsAlarm`, {
        alarmName: `${prefix}-${name}-errors`,
        alarmDescription: `The ${name} function failed (threw or timed out): see its logs, by correlation_id.`,
        metric: fn.metricErrors({ period: PERIOD, statistic: 'Sum' }),
        threshold: 0,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
      new Alarm(scope, `${id}ThrottlesAlarm`, {
        alarmName: `${prefix}-${name}-throttles`,
        alarmDescription: `The ${name} function was throttled: the account's or its concurrency limit was reached.`,
        metric: fn.metricThrottles({ period: PERIOD, statistic: 'Sum' }),
        threshold: 0,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );
    if (timeout) {
      const threshold = Math.round(timeout.toMilliseconds() * DURATION_ALARM_SHARE);
      alarms.push(
        new Alarm(scope, `${id}DurationAlarm`, {
          alarmName: `${prefix}-${name}-duration`,
          alarmDescription: `The ${name} function ran more than ${DURATION_ALARM_SHARE * 100}% of its ${timeout.toHumanString()} timeout in two 5-minute periods running: the vendor is slowing down.`,
          metric: fn.metricDuration({ period: PERIOD, statistic: 'Maximum' }),
          threshold,
          comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 2,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
    }
  }
  return alarms;
}
