import { Match } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { LEAD_REFERENCE } from '../../functions/enrich/reference.ts';
import type { LeadpipeConfig } from '../../schemas/generated/config.ts';
import {
  exampleConfig,
  grantsOfRole,
  logicalId,
  resourcesOf,
  type Synthesized,
  synthPipeline,
} from './synth.ts';

const secretArn = (name: string) =>
  `arn:\${AWS::Partition}:secretsmanager:eu-west-1:111122223333:secret:${name}-??????`;

/** The example config plus a Meta lead ads source and a HubSpot contact.creation source that enrich. */
function enrichingConfig(): LeadpipeConfig {
  const base = exampleConfig();
  return {
    ...base,
    sources: {
      ...base.sources,
      'meta-ads': {
        verify: { scheme: 'meta', secrets: ['env:META_APP_SECRET'], verifyToken: 'env:META_VERIFY_TOKEN' },
        mapping: { preset: 'meta' },
        enrich: { accessToken: 'env:META_PAGE_TOKEN' },
      },
      'hubspot-contacts': {
        verify: { scheme: 'hubspot-v3', secrets: ['env:HUBSPOT_APP_SECRET'] },
        mapping: { preset: 'hubspot' },
        enrich: { accessToken: 'secretsmanager:leadpipe/hubspot-read', retryHorizonSeconds: 3600 },
      },
    },
  } as LeadpipeConfig;
}

describe('EnrichStage: a queue, DLQ, rule and function per sender that sends references', () => {
  let synth: Synthesized;
  beforeAll(() => {
    synth = synthPipeline(enrichingConfig());
  });

  it('builds nothing when no source enriches', () => {
    // Act
    const plain = synthPipeline(exampleConfig());

    // Assess
    expect(plain.pipeline.enrichStages).toEqual({});
    // The schema registry documents lead.reference whatever the config (as every event on the bus).
    const resources = Object.values(plain.template.toJSON().Resources as Record<string, { Type: string }>);
    const built = resources.filter((resource) => resource.Type !== 'AWS::EventSchemas::Schema');
    expect(built.length).toBeGreaterThan(0);
    expect(JSON.stringify(built)).not.toContain('enrich');
  });

  it('routes each sender’s lead.reference events to its own encrypted, TLS-only queue with a DLQ', () => {
    // Prepare
    const meta = synth.pipeline.enrichStages['enrich:meta'];
    if (!meta) throw new Error('an enrich:meta stage');

    // Assess
    synth.template.hasResourceProperties('AWS::Events::Rule', {
      Name: 'leadpipe-enrich-meta-references',
      EventPattern: {
        source: ['leadpipe'],
        'detail-type': [LEAD_REFERENCE],
        detail: { reference: { sender: ['meta'] } },
      },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalId(meta.queue), 'Arn'] } })],
    });
    synth.template.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: 'leadpipe-enrich-meta',
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 86_400,
      VisibilityTimeout: 180,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [logicalId(meta.deadLetterQueue), 'Arn'] } },
    });
    synth.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [logicalId(meta.queue), 'Arn'] },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    expect(Object.keys(synth.pipeline.enrichStages).sort()).toEqual(['enrich:hubspot', 'enrich:meta']);
    const queues = Object.values(resourcesOf(synth.template, 'AWS::SQS::Queue')).map(
      (q) => q.Properties?.QueueName,
    );
    expect(queues).toEqual(
      expect.arrayContaining(['leadpipe-enrich-hubspot', 'leadpipe-enrich-hubspot-dlq']),
    );
  });

  it('gives the stage’s function its own token, its DLQ, the bus, ledger appends, person items and tombstone reads only', () => {
    // Prepare
    const { pipeline, template } = synth;
    const stage = pipeline.enrichStages['enrich:meta'];
    if (!stage) throw new Error('an enrich:meta stage');

    // Act
    const grants = grantsOfRole(template, stage.function);

    // Assess
    const byResource = (resource: string) => grants.filter((grant) => grant.resource === resource);
    const queueArn = `${logicalId(stage.queue)}.Arn`;
    const dlqArn = `${logicalId(stage.deadLetterQueue)}.Arn`;
    const tableArn = `${logicalId(pipeline.table)}.Arn`;
    // The Page token only: not the app secret, not another stage's or a destination's secret.
    const secrets = grants.filter((grant) => grant.resource.includes('secretsmanager'));
    expect(secrets.map((grant) => grant.resource)).toEqual([secretArn('leadpipe/META_PAGE_TOKEN')]);
    expect(byResource(dlqArn).flatMap((grant) => grant.actions)).toContain('sqs:SendMessage');
    // Its own queue: the event source's receive and delete, never a send.
    expect(byResource(queueArn).flatMap((grant) => grant.actions)).not.toContain('sqs:SendMessage');
    expect(byResource(`${logicalId(pipeline.bus)}.Arn`)).toEqual([
      { actions: ['events:PutEvents'], resource: `${logicalId(pipeline.bus)}.Arn` },
    ]);
    expect(byResource(tableArn)).toEqual([
      {
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        resource: tableArn,
        condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['personkey#*', 'person#*'] } },
      },
      {
        actions: ['dynamodb:GetItem'],
        resource: tableArn,
        condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['tombstone#*'] } },
      },
    ]);
    const known = new Set([
      `${logicalId(stage.function.logGroup as IConstruct)}.Arn`,
      queueArn,
      dlqArn,
      tableArn,
      `${logicalId(pipeline.bus)}.Arn`,
      `${logicalId(pipeline.ledgerTable)}.Arn`,
      secretArn('leadpipe/META_PAGE_TOKEN'),
    ]);
    expect(grants.filter((grant) => !known.has(grant.resource))).toEqual([]);
  });

  it('does not let ingest read the enrichment tokens', () => {
    // Act
    const grants = grantsOfRole(synth.template, synth.pipeline.ingestFunction);

    // Assess
    const resources = grants.map((grant) => grant.resource).join('\n');
    expect(resources).not.toContain('META_PAGE_TOKEN');
    expect(resources).not.toContain('hubspot-read');
  });

  it('bundles each stage with its own sources only and names its stage in the environment', () => {
    // Prepare
    const stage = synth.pipeline.enrichStages['enrich:hubspot'];
    if (!stage) throw new Error('an enrich:hubspot stage');

    // Assess
    synth.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ LEADPIPE_DESTINATION: 'enrich:hubspot' }) },
    });
    const fn = resourcesOf(synth.template, 'AWS::Lambda::Function')[logicalId(stage.function)];
    expect(fn?.Properties?.Handler).toBe('index.handler');
  });

  it('alarms when a stage’s DLQ is not empty, its oldest reference waits too long, or its function fails', () => {
    // Prepare
    const names = Object.values(resourcesOf(synth.template, 'AWS::CloudWatch::Alarm')).map(
      (alarm) => alarm.Properties?.AlarmName,
    );

    // Assess
    expect(names).toEqual(
      expect.arrayContaining([
        'leadpipe-enrich-meta-dlq-not-empty',
        'leadpipe-enrich-meta-oldest-lead',
        'leadpipe-enrich-meta-errors',
        'leadpipe-enrich-hubspot-dlq-not-empty',
      ]),
    );
  });

  it('passes cdk-nag’s AwsSolutions checks', () => {
    // Assess
    expect([
      ...synth.annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-.*')),
      ...synth.annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*')),
    ]).toEqual([]);
  });
});
