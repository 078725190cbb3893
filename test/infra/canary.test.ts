import { Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../functions/config/errors.ts';
import type { LeadpipeConfig } from '../../schemas/generated/config.ts';
import { exampleConfig, resourcesOf, synthPipeline } from './synth.ts';

/** The example config with a dedicated, signed canary source. */
function withCanary(
  canary: Record<string, unknown> = {},
  settings: Record<string, unknown> = {},
): LeadpipeConfig {
  const config = exampleConfig();
  return {
    ...config,
    settings: { ...config.settings, ...settings, canary: { source: 'canary', ...canary } },
    sources: {
      ...config.sources,
      canary: {
        verify: {
          scheme: 'standard-webhooks',
          secrets: ['secretsmanager:leadpipe/canary-secret', 'secretsmanager:leadpipe/canary-secret-old'],
        },
        mapping: { preset: 'generic' },
      },
    },
  };
}

const DESTINATIONS = ['hubspot', 'salesforce', 'slack'];
const synth = synthPipeline(withCanary());
const logicalId = (construct: IConstruct) =>
  Stack.of(construct).getLogicalId(construct.node.defaultChild as never);

describe('the canary', () => {
  it('invokes the canary function on an hourly schedule', () => {
    // Prepare
    const fn = synth.pipeline.canaryFunction;

    // Assess
    expect(fn).toBeDefined();
    synth.template.hasResourceProperties('AWS::Events::Rule', {
      Name: 'leadpipe-canary',
      ScheduleExpression: Match.stringLikeRegexp('^rate\\((60 minutes|1 hour)\\)$'),
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalId(fn as IConstruct), 'Arn'] } })],
    });
  });

  it("posts to its source's webhook URL on the API", () => {
    // Assess
    synth.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          LEADPIPE_CANARY_URL: {
            'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('/webhooks/canary$')])],
          },
        }),
      },
    });
  });

  it("may read its own log group and its source's newest secret, nothing else", () => {
    // Prepare
    const fn = synth.pipeline.canaryFunction as NonNullable<typeof synth.pipeline.canaryFunction>;
    const roleId = logicalId(fn.role as IConstruct);

    // Act
    const statements = Object.values(resourcesOf(synth.template, 'AWS::IAM::Policy'))
      .filter((policy) => JSON.stringify(policy.Properties?.Roles) === JSON.stringify([{ Ref: roleId }]))
      .flatMap((policy) => {
        const document = policy.Properties?.PolicyDocument as
          | { Statement: { Action: unknown; Resource: unknown }[] }
          | undefined;
        return document?.Statement ?? [];
      })
      // Active tracing's X-Ray writes take no resource ("*"); test/infra/iam.test.ts covers them.
      .filter(
        (statement) => ![statement.Action].flat().every((action) => String(action).startsWith('xray:')),
      );

    // Assess
    const text = JSON.stringify(statements);
    expect(text).toContain('secret:leadpipe/canary-secret-??????');
    expect(text).not.toContain('canary-secret-old');
    expect(text).not.toMatch(
      /demo-webhook-secret|TYPEFORM_SECRET|hubspot|salesforce|slack|sqs:|events:|dynamodb:/,
    );
    expect(
      statements
        .flatMap((statement) => [statement.Resource].flat())
        .map((resource) => JSON.stringify(resource)),
    ).toHaveLength(2);
  });

  it.each(DESTINATIONS)(
    'alarms when no canary reached %s for two periods, missing data breaching',
    (name) => {
      // Assess
      synth.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: `leadpipe-${name}-canary-missing`,
        Namespace: 'Leadpipe',
        MetricName: 'CanaryDelivered',
        Dimensions: Match.arrayWith([{ Name: 'destination', Value: name }]),
        Statistic: 'Sum',
        Period: 3600,
        EvaluationPeriods: 2,
        DatapointsToAlarm: 2,
        Threshold: 1,
        ComparisonOperator: 'LessThanThreshold',
        TreatMissingData: 'breaching',
        AlarmActions: Match.arrayWith([{ Ref: Match.stringLikeRegexp('AlarmTopic') }]),
      });
    },
  );

  it.each(DESTINATIONS)('has an ack→CRM p95 SLO alarm for %s at 30 s', (name) => {
    // Assess
    synth.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: `leadpipe-${name}-ack-to-crm-p95`,
      MetricName: 'AckToCrmMs',
      Dimensions: Match.arrayWith([{ Name: 'destination', Value: name }]),
      ExtendedStatistic: 'p95',
      Period: 300,
      EvaluationPeriods: 3,
      Threshold: 30_000,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
      OKActions: Match.arrayWith([{ Ref: Match.stringLikeRegexp('AlarmTopic') }]),
    });
  });

  it("routes canaries to a filtered destination's queue whatever its filter", () => {
    // Assess: slack filters on score; hubspot and salesforce take every lead already.
    synth.template.hasResourceProperties('AWS::Events::Rule', {
      Name: 'leadpipe-slack-canary',
      EventPattern: {
        source: ['leadpipe'],
        'detail-type': ['lead.received'],
        detail: { lead: { source: ['canary'] } },
      },
    });
    const names = Object.values(resourcesOf(synth.template, 'AWS::Events::Rule')).map(
      (rule) => rule.Properties?.Name,
    );
    expect(names.filter((name) => String(name).endsWith('-canary'))).toEqual([
      'leadpipe-canary',
      'leadpipe-slack-canary',
    ]);
  });

  it('takes the schedule and the objective from the config', () => {
    // Act
    const { template } = synthPipeline(withCanary({ rateMinutes: 15 }, { slo: { ackToCrmP95Seconds: 10 } }));

    // Assess
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(15 minutes)' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'leadpipe-hubspot-canary-missing',
      Period: 900,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'leadpipe-hubspot-ack-to-crm-p95',
      Threshold: 10_000,
    });
  });

  it('is not built when turned off, while the SLO alarms stay', () => {
    // Act
    const { template, pipeline } = synthPipeline(withCanary({ enabled: false }));

    // Assess
    expect(pipeline.canaryFunction).toBeUndefined();
    template.resourcePropertiesCountIs('AWS::Events::Rule', { Name: 'leadpipe-canary' }, 0);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'leadpipe-slack-ack-to-crm-p95' });
  });

  it('passes cdk-nag with no new suppression', () => {
    // Assess
    expect(synth.annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual([]);
  });

  it.each([
    ['an unknown source', { source: 'nope' }, {}, /settings\.canary\.source: no source named "nope"/],
    ['an unsigned source', {}, { scheme: 'none' }, /scheme none/],
  ])('refuses %s', (_case, canary, verify, message) => {
    // Prepare
    const config = withCanary(canary);
    const source = config.sources.canary;
    if (source && 'scheme' in verify) source.verify = { scheme: 'none' };

    // Act / Assess
    expect(() => synthPipeline(config)).toThrow(ConfigError);
    expect(() => synthPipeline(config)).toThrow(message);
  });
});
