import { type CfnElement, Duration, Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENVIRONMENT } from '../../adapters/aws/lambda/environment.ts';
import { HUBSPOT_BATCH_LIMIT } from '../../adapters/hubspot/adapter.ts';
import { SALESFORCE_BATCH_LIMIT } from '../../adapters/salesforce/adapter.ts';
import { SLACK_MAX_BATCH_SIZE } from '../../adapters/slack/adapter.ts';
import { retryPlan } from '../../functions/deliver/backoff.ts';
import { opsTopicRules, routingRules } from '../../functions/routing/rules.ts';
import { VISIBILITY_TIMEOUT_FACTOR } from '../../infra/lead-pipeline.ts';
import type { LeadpipeConfig } from '../../schemas/generated/config.ts';
import { exampleConfig, resourcesOf, type Synthesized, synthPipeline } from './synth.ts';

let config: LeadpipeConfig;
let synth: Synthesized;
const id = (construct: IConstruct) =>
  Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);

beforeAll(() => {
  // Prepare: one synth of the example config, shared by the read-only assertions below.
  config = exampleConfig();
  synth = synthPipeline(config);
});

describe('LeadPipeline: HTTP API', () => {
  it('routes POST /webhooks/<name> of every source, and nothing else, to the ingest function with payload format 2.0', () => {
    const keys = Object.values(resourcesOf(synth.template, 'AWS::ApiGatewayV2::Route')).map(
      (route) => route.Properties?.RouteKey,
    );
    expect(keys.sort()).toEqual(['POST /webhooks/demo', 'POST /webhooks/typeform']);
    synth.template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
      IntegrationUri: { 'Fn::GetAtt': [id(synth.pipeline.ingestFunction), 'Arn'] },
    });
  });

  it('throttles each source route on the default stage and writes access logs', () => {
    synth.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      RouteSettings: {
        'POST /webhooks/demo': { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
        'POST /webhooks/typeform': { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      },
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
    });
  });

  it('outputs the webhook URL of every source', () => {
    const outputs = synth.template.findOutputs('*');
    const urls = Object.entries(outputs).filter(([name]) => name.includes('WebhookUrl'));
    expect(urls.map(([name]) => name.replace(/^Pipeline/, '').replace(/[0-9A-F]{8}$/, '')).sort()).toEqual([
      'WebhookUrlDemo',
      'WebhookUrlTypeform',
    ]);
    expect(JSON.stringify(urls)).toContain('/webhooks/typeform');
  });
});

describe('LeadPipeline: table', () => {
  it('is on-demand, with TTL, point-in-time recovery and KMS encryption, and kept on delete', () => {
    // No TableName: CloudFormation names it, so a retained table never blocks the next deploy.
    const [table] = Object.values(resourcesOf(synth.template, 'AWS::DynamoDB::Table'));
    expect(table?.Properties).not.toHaveProperty('TableName');
    synth.template.hasResource('AWS::DynamoDB::Table', {
      Properties: {
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
      },
      DeletionPolicy: 'Retain',
    });
  });
});

describe('LeadPipeline: bus and rules', () => {
  it('has one rule per routing rule, with exactly the pattern the local host applies', () => {
    const rules = resourcesOf(synth.template, 'AWS::Events::Rule');
    const expected = routingRules(config);
    // …and the ops-topic rules, whose target is SNS (test/infra/alarm-topic.test.ts).
    expect(Object.keys(rules)).toHaveLength(expected.length + opsTopicRules(config).length);
    for (const rule of expected) {
      const found = Object.values(rules).find((r) => r.Properties?.Name === `leadpipe-${rule.name}`);
      expect(found?.Properties?.EventPattern, rule.name).toEqual(rule.eventPattern);
      const queue = synth.pipeline.destinations[rule.destination]?.queue;
      expect(found?.Properties?.Targets).toEqual([
        expect.objectContaining({
          Arn: { 'Fn::GetAtt': [id(queue as IConstruct), 'Arn'] },
          DeadLetterConfig: expect.anything(),
        }),
      ]);
    }
  });

  it('names the bus after the prefix', () => {
    const custom = synthPipeline(config, { prefix: 'acme' });
    custom.template.hasResourceProperties('AWS::Events::EventBus', { Name: 'acme-bus' });
    custom.template.hasResourceProperties('AWS::SQS::Queue', { QueueName: 'acme-hubspot' });
  });
});

describe('LeadPipeline: queues', () => {
  it.each(['hubspot', 'salesforce', 'slack'])(
    '%s has an encrypted queue and DLQ, named for the CLI',
    (name) => {
      synth.template.hasResourceProperties('AWS::SQS::Queue', {
        QueueName: `leadpipe-${name}`,
        SqsManagedSseEnabled: true,
        RedrivePolicy: { maxReceiveCount: retryPlan({}).maxReceiveCount },
      });
      synth.template.hasResourceProperties('AWS::SQS::Queue', {
        QueueName: `leadpipe-${name}-dlq`,
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 14 * 24 * 3600,
      });
    },
  );

  it('refuses requests that are not TLS on every queue', () => {
    const policies = resourcesOf(synth.template, 'AWS::SQS::QueuePolicy');
    const queues = resourcesOf(synth.template, 'AWS::SQS::Queue');
    const tlsOnly = Object.values(policies).filter((policy) =>
      JSON.stringify(policy.Properties).includes('"aws:SecureTransport":"false"'),
    );
    const covered = new Set(
      tlsOnly.flatMap((policy) => ((policy.Properties?.Queues ?? []) as { Ref: string }[]).map((q) => q.Ref)),
    );
    expect([...covered].sort()).toEqual(Object.keys(queues).sort());
  });

  it(`keeps the visibility timeout at ${VISIBILITY_TIMEOUT_FACTOR} x the deliver timeout`, () => {
    const custom = synthPipeline(config, { deliverTimeout: Duration.seconds(45) });
    custom.template.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: 'leadpipe-hubspot',
      VisibilityTimeout: 45 * VISIBILITY_TIMEOUT_FACTOR,
    });
    custom.template.hasResourceProperties('AWS::Lambda::Function', {
      Timeout: 45,
      Environment: { Variables: Match.objectLike({ [ENVIRONMENT.destination]: 'hubspot' }) },
    });
  });
});

describe('LeadPipeline: functions', () => {
  it('builds every function for arm64 and Node 24, with source maps and its own log group', () => {
    const functions = resourcesOf(synth.template, 'AWS::Lambda::Function');
    expect(Object.keys(functions)).toHaveLength(5);
    for (const fn of Object.values(functions)) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        Environment: { Variables: expect.objectContaining({ NODE_OPTIONS: '--enable-source-maps' }) },
        LoggingConfig: { LogGroup: expect.anything() },
      });
    }
    const groups = resourcesOf(synth.template, 'AWS::Logs::LogGroup');
    for (const group of Object.values(groups)) expect(group.Properties?.RetentionInDays).toBe(30);
  });

  // The vendors' own per-call limits, from the adapters; the example config sets a 2 s window for Salesforce.
  it.each([
    ['hubspot', HUBSPOT_BATCH_LIMIT, 1],
    ['salesforce', SALESFORCE_BATCH_LIMIT, 2],
    ['slack', SLACK_MAX_BATCH_SIZE, 1],
  ])(
    'feeds the %s function batches of %i from its queue, partial failures reported',
    (name, batch, window) => {
      const fn = synth.pipeline.destinations[name]?.function as IConstruct;
      synth.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: id(fn) },
        BatchSize: batch,
        MaximumBatchingWindowInSeconds: window,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: 2 },
      });
    },
  );

  it('takes maximum concurrency per destination from props', () => {
    const custom = synthPipeline(config, { deliverConcurrency: { hubspot: 5 } });
    custom.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: HUBSPOT_BATCH_LIMIT,
      ScalingConfig: { MaximumConcurrency: 5 },
    });
  });

  it('gives each deliver function its queue, DLQ, destination, the table (its rate-limiter items) and the ledger', () => {
    const fn = synth.pipeline.destinations.salesforce?.function as IConstruct;
    const resources = resourcesOf(synth.template, 'AWS::Lambda::Function');
    expect(resources[id(fn)]?.Properties?.Environment).toEqual({
      Variables: {
        [ENVIRONMENT.pipeline]: 'leadpipe',
        [ENVIRONMENT.busName]: expect.anything(),
        [ENVIRONMENT.destination]: 'salesforce',
        [ENVIRONMENT.queueUrl]: { Ref: id(synth.pipeline.destinations.salesforce?.queue as IConstruct) },
        [ENVIRONMENT.deadLetterQueueUrl]: {
          Ref: id(synth.pipeline.destinations.salesforce?.deadLetterQueue as IConstruct),
        },
        [ENVIRONMENT.tableName]: { Ref: id(synth.pipeline.table) },
        [ENVIRONMENT.ledgerTableName]: { Ref: id(synth.pipeline.ledgerTable) },
        NODE_OPTIONS: '--enable-source-maps',
      },
    });
  });

  it('gives the ingest function the table, the bus and the ledger', () => {
    const resources = resourcesOf(synth.template, 'AWS::Lambda::Function');
    expect(resources[id(synth.pipeline.ingestFunction)]?.Properties?.Environment).toEqual({
      Variables: {
        [ENVIRONMENT.pipeline]: 'leadpipe',
        [ENVIRONMENT.tableName]: { Ref: id(synth.pipeline.table) },
        [ENVIRONMENT.busName]: expect.anything(),
        [ENVIRONMENT.ledgerTableName]: { Ref: id(synth.pipeline.ledgerTable) },
        NODE_OPTIONS: '--enable-source-maps',
      },
    });
  });
});

describe('LeadPipeline: alarms and dashboard', () => {
  const alarmFunctionArn = () => ({ 'Fn::GetAtt': [id(synth.pipeline.alarmFunction as IConstruct), 'Arn'] });
  // Every alarm notifies the alarm function (ops Slack) and the SNS topic (test/infra/alarm-topic.test.ts).
  const alarmActions = () => [
    alarmFunctionArn(),
    { Ref: id(synth.pipeline.alarmTopic?.topic as IConstruct) },
  ];

  it.each(['hubspot', 'salesforce', 'slack'])('alarms when %s has dead letters or an old lead', (name) => {
    synth.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: `leadpipe-${name}-dlq-not-empty`,
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: alarmActions(),
      OKActions: alarmActions(),
    });
    synth.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: `leadpipe-${name}-oldest-lead`,
      MetricName: 'ApproximateAgeOfOldestMessage',
      Threshold: 3600,
      AlarmActions: alarmActions(),
    });
  });

  it('alarms on the share of ingest requests answered 5xx', () => {
    synth.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'leadpipe-ingest-5xx-rate',
      Threshold: 5,
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: 'IF(requests > 0, 100 * errors / requests, 0)' }),
        Match.objectLike({
          MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: '5xx' }) }),
        }),
      ]),
      AlarmActions: alarmActions(),
    });
  });

  it('lets CloudWatch alarms, and only them, invoke the alarm function', () => {
    const permissions = resourcesOf(synth.template, 'AWS::Lambda::Permission');
    const forAlarm = Object.values(permissions).filter(
      (p) => JSON.stringify(p.Properties?.FunctionName) === JSON.stringify(alarmFunctionArn()),
    );
    expect(forAlarm.length).toBe(synth.pipeline.alarms.length);
    for (const permission of forAlarm) {
      expect(permission.Properties?.Principal).toBe('lambda.alarms.cloudwatch.amazonaws.com');
      expect(permission.Properties?.SourceArn).toBeDefined();
    }
  });

  it('has no alarm function when settings.alerts is absent, but keeps the alarms', () => {
    const quiet = structuredClone(config);
    delete quiet.settings?.alerts;
    const result = synthPipeline(quiet);
    expect(result.pipeline.alarmFunction).toBeUndefined();
    // + 11: each function's own Errors and Throttles (ingest and 3 deliver: 8), each deliver function's Duration (3).
    // + 3: each destination's ack→CRM p95 SLO (infra/slo.ts).
    result.template.resourceCountIs('AWS::CloudWatch::Alarm', 7 + 11 + 3);
    result.template.resourceCountIs('AWS::Lambda::Function', 4);
  });

  it('draws a dashboard with the pipeline metrics of every destination', () => {
    const dashboards = resourcesOf(synth.template, 'AWS::CloudWatch::Dashboard');
    const body = JSON.stringify(Object.values(dashboards)[0]?.Properties?.DashboardBody);
    for (const name of [
      'LeadsReceived',
      'Duplicates',
      'RejectedSignatures',
      'Delivered',
      'Retried',
      'DeadLettered',
    ]) {
      expect(body).toContain(name);
    }
    for (const destination of ['hubspot', 'salesforce', 'slack'])
      expect(body).toContain(`${destination}: deliveries`);
  });
});

describe('LeadPipeline: cdk-nag', () => {
  it('has no unsuppressed AwsSolutions finding', () => {
    const findings = [
      ...synth.annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-.*')),
      ...synth.annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*')),
    ];
    expect(findings.map((finding) => `${finding.id}: ${String(finding.entry.data).split('\n')[0]}`)).toEqual(
      [],
    );
  });
});
