import { CreateTableCommand, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { RemovalPolicy } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoLedger } from '../../adapters/aws/ledger.ts';
import { LEDGER_TABLE } from '../../adapters/aws/ledger-table.ts';
import type { LedgerEvent } from '../../schemas/generated/ledger-event.ts';
import { startTestTable, type TestTable } from '../support/dynamo.ts';
import { exampleConfig, logicalId, resourcesOf, type Synthesized, synthPipeline } from './synth.ts';

let synth: Synthesized;

beforeAll(() => {
  // Prepare: one synth of the example config, shared by the read-only assertions.
  synth = synthPipeline(exampleConfig());
});

/** The ledger table's resource in the template. */
function ledgerResource(from: Synthesized = synth) {
  const resource = resourcesOf(from.template, 'AWS::DynamoDB::Table')[logicalId(from.pipeline.ledgerTable)];
  if (!resource) throw new Error('no ledger table in the template');
  return resource as typeof resource & { DeletionPolicy?: string; UpdateReplacePolicy?: string };
}

const INDEXES = Object.entries(LEDGER_TABLE.indexes);

describe('LeadPipeline: the ledger table', () => {
  it('is a table of its own beside the pipeline table', () => {
    // Assess
    expect(Object.keys(resourcesOf(synth.template, 'AWS::DynamoDB::Table')).sort()).toEqual(
      [logicalId(synth.pipeline.table), logicalId(synth.pipeline.ledgerTable)].sort(),
    );
  });

  it('is keyed by pk and sk, on demand, with TTL on expiresAt, point-in-time recovery and KMS encryption', () => {
    // Act
    const properties = ledgerResource().Properties;

    // Assess
    expect(properties).toMatchObject({
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
    });
    // CloudFormation names it: a retained ledger never blocks the next deploy.
    expect(properties).not.toHaveProperty('TableName');
  });

  it('has exactly the adapter’s indexes, each on its own string keys, projecting whole items', () => {
    // Act
    const properties = ledgerResource().Properties as {
      GlobalSecondaryIndexes: unknown[];
      AttributeDefinitions: { AttributeName: string; AttributeType: string }[];
    };

    // Assess
    expect(properties.GlobalSecondaryIndexes).toEqual(
      INDEXES.map(([name, keys]) => ({
        IndexName: name,
        KeySchema: [
          { AttributeName: keys.partitionKey, KeyType: 'HASH' },
          { AttributeName: keys.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      })),
    );
    const keyAttributes = new Set(['pk', 'sk', ...INDEXES.flatMap(([, k]) => [k.partitionKey, k.sortKey])]);
    expect(properties.AttributeDefinitions).toEqual(
      expect.arrayContaining([...keyAttributes].map((name) => ({ AttributeName: name, AttributeType: 'S' }))),
    );
    expect(properties.AttributeDefinitions).toHaveLength(keyAttributes.size);
  });

  it('is kept when the stack is deleted, unless tableRemovalPolicy says otherwise', () => {
    // Prepare
    const destroyed = synthPipeline(exampleConfig(), { tableRemovalPolicy: RemovalPolicy.DESTROY });

    // Assess
    expect(ledgerResource()).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    expect(ledgerResource(destroyed)).toMatchObject({ DeletionPolicy: 'Delete' });
  });

  it('outputs its name', () => {
    // Act
    const outputs = Object.entries(synth.template.findOutputs('*'));

    // Assess
    expect(outputs.filter(([name]) => name.startsWith('PipelineLedgerTableName'))).toEqual([
      [
        expect.any(String),
        expect.objectContaining({ Value: { Ref: logicalId(synth.pipeline.ledgerTable) } }),
      ],
    ]);
  });
});

/**
 * The table as the template defines it, created on dynalite, with the DynamoDB ledger adapter on
 * top: every search the console makes goes through an index the template has, with the keys the
 * adapter writes. A key or index name that drifted between the two fails here.
 */
describe('the synthesized ledger table, on dynalite, under the DynamoDB ledger', () => {
  const TABLE = 'leadpipe-ledger-from-template';
  const now = Date.parse('2025-11-21T12:30:00.000Z');
  let peer: TestTable;
  let ledger: ReturnType<typeof createDynamoLedger>;

  beforeAll(async () => {
    peer = await startTestTable('leadpipe-pipeline-unused');
    await peer.client.send(
      new CreateTableCommand(createTableInput(TABLE, ledgerResource().Properties ?? {})),
    );
    ledger = createDynamoLedger({
      client: DynamoDBDocumentClient.from(peer.client),
      tableName: TABLE,
      now: () => now,
    });
    await ledger.append([
      ...leadEvents('lead_a', 'ada@example.com', '+14155550101', 'demo', '12:00'),
      ...leadEvents('lead_b', 'bob@example.com', '+14155550102', 'typeform', '12:10'),
    ]);
  });

  afterAll(async () => {
    await peer?.end();
  });

  it.each([
    ['email (byEmail)', { email: 'ADA@example.com' }, ['lead_a']],
    ['phone (byPhone)', { phone: '+1 415 555 0102' }, ['lead_b']],
    ['correlation id (byCorrelation)', { correlationId: 'corr-lead_a' }, ['lead_a']],
    ['source (bySource)', { source: 'typeform' }, ['lead_b']],
    ['nothing: newest first (byDay)', {}, ['lead_b', 'lead_a']],
  ])('finds leads by %s', async (_case, query, expected) => {
    // Act
    const page = await ledger.search(query);

    // Assess
    expect(page.leads.map((lead) => lead.leadId)).toEqual(expected);
  });

  it('reads a lead’s timeline from the table and recent events from the byHour index', async () => {
    // Act
    const timeline = await ledger.timeline('lead_a');
    const recent = await ledger.recent({ since: '2025-11-21T12:05:00.000Z' });

    // Assess
    expect(timeline?.lead).toMatchObject({ leadId: 'lead_a', status: 'delivered' });
    expect(timeline?.events.map((event) => event.kind)).toEqual(['received', 'routed', 'attempt']);
    expect(recent.map((event) => `${event.leadId} ${event.kind}`)).toEqual([
      'lead_b received',
      'lead_b routed',
      'lead_b attempt',
    ]);
  });
});

/** CloudFormation's AWS::DynamoDB::Table properties as a CreateTable request: the API spells them the same. */
function createTableInput(name: string, properties: Record<string, unknown>): CreateTableCommandInput {
  return {
    TableName: name,
    BillingMode: properties.BillingMode as CreateTableCommandInput['BillingMode'],
    KeySchema: properties.KeySchema as CreateTableCommandInput['KeySchema'],
    AttributeDefinitions: properties.AttributeDefinitions as CreateTableCommandInput['AttributeDefinitions'],
    GlobalSecondaryIndexes:
      properties.GlobalSecondaryIndexes as CreateTableCommandInput['GlobalSecondaryIndexes'],
  };
}

/** A lead received at `hhmm` (UTC, 2025-11-21), routed to hubspot, and delivered there a second later. */
function leadEvents(
  leadId: string,
  email: string,
  phone: string,
  source: string,
  hhmm: string,
): LedgerEvent[] {
  const at = (seconds: number) => `2025-11-21T${hhmm}:0${seconds}.000Z`;
  return [
    {
      leadId,
      at: at(0),
      kind: 'received',
      source,
      deliveryId: `delivery-${leadId}`,
      correlationId: `corr-${leadId}`,
      contentType: 'application/json',
      bytes: 120,
      contact: { email, phone },
    },
    { leadId, at: at(0), kind: 'routed', matched: ['hubspot'], unmatched: [] },
    { leadId, at: at(1), kind: 'attempt', destination: 'hubspot', attempt: 1, outcome: 'delivered' },
  ];
}
