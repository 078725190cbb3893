import { type CfnElement, Duration, Stack } from 'aws-cdk-lib';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DURATION_ALARM_SHARE } from '../../infra/function-alarms.ts';
import { exampleConfig, resourcesOf, type Synthesized, synthPipeline } from './synth.ts';

let synth: Synthesized;

beforeAll(() => {
  synth = synthPipeline(exampleConfig(), { deliverTimeout: Duration.seconds(40) });
});

const id = (construct: IConstruct) =>
  Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);
const alarmNamed = (name: string) =>
  Object.values(resourcesOf(synth.template, 'AWS::CloudWatch::Alarm')).find(
    (alarm) => alarm.Properties?.AlarmName === name,
  )?.Properties;

/** Every function the construct builds, by the name its alarms carry. */
function functions(): [string, LambdaFunction][] {
  const { pipeline } = synth;
  return [
    ['ingest', pipeline.ingestFunction],
    ...Object.entries(pipeline.destinations).map(
      ([name, resources]) => [`deliver-${name}`, resources.function] as [string, LambdaFunction],
    ),
    ['alarm', pipeline.alarmFunction as LambdaFunction],
  ];
}

describe('observability: tracing and function alarms', () => {
  it('turns on X-Ray active tracing on every function it builds', () => {
    for (const [, fn] of functions()) {
      const resource = resourcesOf(synth.template, 'AWS::Lambda::Function')[id(fn)];
      expect(resource?.Properties?.TracingConfig).toEqual({ Mode: 'Active' });
    }
  });

  it.each(['errors', 'throttles'])(
    'alarms on each function’s %s, notifying like every other alarm',
    (kind) => {
      // Prepare: the actions the existing alarms carry (alarm function + SNS topic).
      const reference = alarmNamed('leadpipe-ingest-5xx-rate');
      for (const [name, fn] of functions()) {
        // Act
        const alarm = alarmNamed(`leadpipe-${name}-${kind}`);
        // Assess
        expect(alarm, name).toMatchObject({
          Namespace: 'AWS/Lambda',
          MetricName: kind === 'errors' ? 'Errors' : 'Throttles',
          Dimensions: [{ Name: 'FunctionName', Value: { Ref: id(fn) } }],
          Statistic: 'Sum',
          Threshold: 0,
          ComparisonOperator: 'GreaterThanThreshold',
          TreatMissingData: 'notBreaching',
          AlarmActions: reference?.AlarmActions,
          OKActions: reference?.OKActions,
        });
      }
    },
  );

  it('alarms when a deliver function’s slowest invocation nears its timeout, and only deliver functions', () => {
    for (const [name] of functions()) {
      const alarm = alarmNamed(`leadpipe-${name}-duration`);
      if (!name.startsWith('deliver-')) {
        expect(alarm, name).toBeUndefined();
        continue;
      }
      expect(alarm, name).toMatchObject({
        MetricName: 'Duration',
        Statistic: 'Maximum',
        Threshold: 40_000 * DURATION_ALARM_SHARE,
        EvaluationPeriods: 2,
      });
    }
  });

  it('keeps every alarm in pipeline.alarms', () => {
    const names = synth.pipeline.alarms.map((alarm) => alarm.node.id);
    expect(names).toEqual(
      expect.arrayContaining(['IngestFunctionErrorsAlarm', 'AlarmFunctionThrottlesAlarm']),
    );
  });
});
