import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  exampleConfig,
  grantsOfRole,
  logicalId,
  resourcesOf,
  type Synthesized,
  synthPipeline,
  TRACE_WRITES,
} from './synth.ts';

let synth: Synthesized;

beforeAll(() => {
  synth = synthPipeline(exampleConfig());
});

const grantsOf = (fn: LambdaFunction) => grantsOfRole(synth.template, fn);

const secretArn = (name: string) =>
  `arn:\${AWS::Partition}:secretsmanager:eu-west-1:111122223333:secret:${name}-??????`;
const parameterArn = (path: string) => `arn:\${AWS::Partition}:ssm:eu-west-1:111122223333:parameter${path}`;

describe('IAM: each function reaches only its own table, bus, queues and secrets', () => {
  it('ingest: its log group, the table (single items), the bus, the ledger (appends), and the sources’ secrets', () => {
    const { pipeline } = synth;
    const grants = grantsOf(pipeline.ingestFunction);
    expect(grants.map((grant) => grant.resource).sort()).toEqual(
      [
        `${logicalId(pipeline.ingestFunction.logGroup as IConstruct)}.Arn`,
        `${logicalId(pipeline.table)}.Arn`,
        `${logicalId(pipeline.bus)}.Arn`,
        `${logicalId(pipeline.ledgerTable)}.Arn`,
        secretArn('leadpipe/demo-webhook-secret'),
        // env:TYPEFORM_SECRET deploys as the Secrets Manager secret leadpipe/TYPEFORM_SECRET.
        secretArn('leadpipe/TYPEFORM_SECRET'),
      ].sort(),
    );
    const table = grants.find((grant) => grant.resource === `${logicalId(pipeline.table)}.Arn`);
    expect(table?.actions.sort()).toEqual([
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
    ]);
    expect(grants.filter((grant) => grant.resource === `${logicalId(pipeline.ledgerTable)}.Arn`)).toEqual([
      {
        actions: ['dynamodb:BatchWriteItem', 'dynamodb:PutItem'],
        resource: `${logicalId(pipeline.ledgerTable)}.Arn`,
      },
    ]);
  });

  it.each([
    ['hubspot', [secretArn('leadpipe/hubspot')], false],
    ['salesforce', [secretArn('leadpipe/salesforce')], false],
    ['slack', [parameterArn('/leadpipe/slack-bot-token')], true],
  ])(
    'deliver %s: its log group, its queue and DLQ, the bus, its own secret, its vendor rate-limit items (Slack: its own delivered records), the ledger (appends)',
    (name, secrets, recordsDeliveries) => {
      const resources = synth.pipeline.destinations[name];
      if (!resources) throw new Error(`no destination ${name}`);
      const grants = grantsOf(resources.function);
      const table = `${logicalId(synth.pipeline.table)}.Arn`;
      expect([...new Set(grants.map((grant) => grant.resource))].sort()).toEqual(
        [
          `${logicalId(resources.function.logGroup as IConstruct)}.Arn`,
          `${logicalId(resources.queue)}.Arn`,
          `${logicalId(resources.deadLetterQueue)}.Arn`,
          `${logicalId(synth.pipeline.bus)}.Arn`,
          `${logicalId(synth.pipeline.ledgerTable)}.Arn`,
          ...secrets,
          table,
        ].sort(),
      );
      // Appends to the ledger, on the table only (no index, no read).
      const ledger = `${logicalId(synth.pipeline.ledgerTable)}.Arn`;
      expect(grants.filter((grant) => grant.resource === ledger)).toEqual([
        { actions: ['dynamodb:BatchWriteItem', 'dynamodb:PutItem'], resource: ledger },
      ]);
      // Only its vendor's `limiter#<vendor>#` items (the shared rate limit) and batch reads and writes
      // of its own `delivered#<name>#` items: never idempotency records or payloads.
      expect(grants.filter((grant) => grant.resource === table)).toEqual([
        {
          actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
          resource: table,
          condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`limiter#${name}#*`] } },
        },
        // Erasure tombstones, read one by one (an erased person's older leads are dropped).
        {
          actions: ['dynamodb:GetItem'],
          resource: table,
          condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['tombstone#*'] } },
        },
        ...(recordsDeliveries
          ? [
              {
                actions: ['dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem'],
                resource: table,
                condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`delivered#${name}#*`] } },
              },
            ]
          : []),
      ]);
      const onDeadLetters = grants
        .filter((grant) => grant.resource === `${logicalId(resources.deadLetterQueue)}.Arn`)
        .flatMap((grant) => grant.actions);
      // It may add to its DLQ, never read or delete from it (that is the operator's redrive).
      expect(onDeadLetters).toContain('sqs:SendMessage');
      expect(onDeadLetters).not.toContain('sqs:ReceiveMessage');
      expect(onDeadLetters).not.toContain('sqs:DeleteMessage');
    },
  );

  it('alarm: its log group and the bus, nothing else', () => {
    const fn = synth.pipeline.alarmFunction;
    if (!fn) throw new Error('no alarm function');
    expect(grantsOf(fn)).toEqual([
      {
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resource: `${logicalId(fn.logGroup as IConstruct)}.Arn`,
      },
      { actions: ['events:PutEvents'], resource: `${logicalId(synth.pipeline.bus)}.Arn` },
    ]);
  });

  it('grants nothing on "*" but X-Ray trace writes, and no role carries a managed policy', () => {
    const policies = resourcesOf(synth.template, 'AWS::IAM::Policy');
    const statements = Object.values(policies).flatMap(
      (policy) =>
        (
          (policy.Properties?.PolicyDocument ?? { Statement: [] }) as {
            Statement: { Action: string | string[]; Resource: unknown }[];
          }
        ).Statement,
    );
    expect(statements.length).toBeGreaterThan(0);
    const onEverything = statements.filter((s) => [s.Resource].flat().includes('*'));
    // Only X-Ray's writes, which take no resource (one statement per traced function's role).
    expect(onEverything.length).toBeGreaterThan(0);
    for (const statement of onEverything) {
      expect([statement.Action].flat().sort()).toEqual(TRACE_WRITES);
      expect(statement.Resource).toBe('*');
    }
    const roles = resourcesOf(synth.template, 'AWS::IAM::Role');
    for (const role of Object.values(roles)) expect(role.Properties?.ManagedPolicyArns).toBeUndefined();
  });
});
