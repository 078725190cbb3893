import { type CfnElement, Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { matchesPattern } from '../../functions/routing/event-pattern.ts';
import { EVENT_SOURCE, OPS_ALERT } from '../../functions/routing/rules.ts';
import type { LeadpipeConfig } from '../../schemas/generated/config.ts';
import { exampleConfig, resourcesOf, type Synthesized, synthPipeline } from './synth.ts';

let config: LeadpipeConfig;
let synth: Synthesized;
const id = (construct: IConstruct) =>
  Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);
const topicRef = () => ({ Ref: id(synth.pipeline.alarmTopic?.topic as IConstruct) });

/** An ops.alert event as EventBridge sees it. */
const alertEvent = (detail: object) => ({ source: EVENT_SOURCE, 'detail-type': OPS_ALERT, detail });
const aboutSlack = { kind: 'credentials-refused', destination: 'slack', reason: 'invalid_auth' };
const aboutHubspot = { kind: 'credentials-refused', destination: 'hubspot', reason: 'HTTP 401' };
const aboutNoDestination = { kind: 'quarantined', source: 'demo', quarantineId: 'q1', reason: 'no email' };

beforeAll(() => {
  // Prepare: the example config alerts to `slack` and notifies an email address and a pager URL.
  config = exampleConfig();
  synth = synthPipeline(config);
});

describe('LeadPipeline: the SNS alarm topic', () => {
  it('is encrypted with its own rotated KMS key that CloudWatch and EventBridge may use', () => {
    const key = synth.pipeline.alarmTopic?.key as IConstruct;
    synth.template.hasResourceProperties('AWS::SNS::Topic', {
      TopicName: 'leadpipe-alarms',
      KmsMasterKeyId: { 'Fn::GetAtt': [id(key), 'Arn'] },
    });
    synth.template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith(
          ['cloudwatch.amazonaws.com', 'events.amazonaws.com'].map((service) =>
            Match.objectLike({
              Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
              Effect: 'Allow',
              Principal: { Service: service },
            }),
          ),
        ),
      },
    });
  });

  it('refuses publishing without TLS', () => {
    synth.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [topicRef()],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 'sns:Publish',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('subscribes the config notify list, the HTTPS URL resolved from Secrets Manager at deploy', () => {
    const subscriptions = Object.values(resourcesOf(synth.template, 'AWS::SNS::Subscription')).map(
      (resource) => resource.Properties,
    );
    expect(subscriptions).toEqual(
      expect.arrayContaining([
        { Protocol: 'email', Endpoint: 'ops@acme.example', TopicArn: topicRef() },
        {
          Protocol: 'https',
          Endpoint: '{{resolve:secretsmanager:leadpipe/pager-webhook-url:SecretString:::}}',
          TopicArn: topicRef(),
        },
      ]),
    );
    expect(subscriptions).toHaveLength(2);
  });

  it('is the action of every alarm, on alarm and on recovery, beside the alarm function', () => {
    const alarms = Object.values(resourcesOf(synth.template, 'AWS::CloudWatch::Alarm'));
    expect(alarms.length).toBe(synth.pipeline.alarms.length);
    for (const alarm of alarms) {
      expect(alarm.Properties?.AlarmActions).toContainEqual(topicRef());
      expect(alarm.Properties?.OKActions).toContainEqual(topicRef());
    }
  });

  it('outputs the topic ARN', () => {
    const outputs = Object.entries(synth.template.findOutputs('*'));
    const arn = outputs.find(([name]) => name.includes('TopicArn'));
    expect(arn?.[1].Value).toEqual(topicRef());
  });

  it('is absent, with no action on the alarms, when settings.alerts is absent', () => {
    const quiet = structuredClone(config);
    delete quiet.settings?.alerts;
    const result = synthPipeline(quiet);
    expect(result.pipeline.alarmTopic).toBeUndefined();
    result.template.resourceCountIs('AWS::SNS::Topic', 0);
  });
});

describe('LeadPipeline: alerts about the alerts destination never queue behind it', () => {
  const rulesByName = () =>
    new Map(
      Object.values(resourcesOf(synth.template, 'AWS::Events::Rule')).map((rule) => [
        rule.Properties?.Name as string,
        rule.Properties ?? {},
      ]),
    );

  it('keeps alerts about slack off the slack queue, and takes every other alert there', () => {
    const rule = rulesByName().get('leadpipe-slack-alerts');
    const pattern = rule?.EventPattern as Parameters<typeof matchesPattern>[0];
    expect(rule?.Targets).toEqual([
      expect.objectContaining({
        Arn: { 'Fn::GetAtt': [id(synth.pipeline.destinations.slack?.queue as IConstruct), 'Arn'] },
      }),
    ]);
    expect(matchesPattern(pattern, alertEvent(aboutSlack))).toBe(false);
    expect(matchesPattern(pattern, alertEvent(aboutHubspot))).toBe(true);
    expect(matchesPattern(pattern, alertEvent(aboutNoDestination))).toBe(true);
  });

  it('sends alerts about slack, and only those, to the SNS topic', () => {
    const rule = rulesByName().get('leadpipe-slack-alerts-topic');
    const pattern = rule?.EventPattern as Parameters<typeof matchesPattern>[0];
    expect(rule?.Targets).toEqual([expect.objectContaining({ Arn: topicRef() })]);
    expect(matchesPattern(pattern, alertEvent(aboutSlack))).toBe(true);
    expect(matchesPattern(pattern, alertEvent(aboutHubspot))).toBe(false);
    expect(matchesPattern(pattern, alertEvent(aboutNoDestination))).toBe(false);
  });

  it('lets EventBridge publish to the topic', () => {
    synth.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Action: 'sns:Publish',
            Principal: { Service: 'events.amazonaws.com' },
          }),
        ]),
      },
    });
  });
});
