import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ENVIRONMENT, EnvironmentError } from '../../adapters/aws/lambda/environment.ts';
import { createIngestLambda } from '../../adapters/aws/lambda/ingest.lambda.ts';
import type { MetricName, PipelineMetrics } from '../../adapters/aws/lambda/metrics.ts';
import { awsSecretResolver } from '../../adapters/aws/secrets.ts';
import { pipelineChecks } from '../../functions/config/checks.ts';
import { parseConfig } from '../../functions/config/load.ts';
import { createLogger } from '../../functions/observability/logger.ts';
import { startTestTable, type TestTable } from '../support/dynamo.ts';

const FIXTURE = join(import.meta.dirname, '../fixtures/events/api-gateway-v2/standard-webhooks-post.json');
/** The key the fixture was signed with (whsec_ + base64), stored as the demo source's secret. */
const SIGNING_SECRET = 'whsec_bGVhZHBpcGUtZml4dHVyZS1zaWduaW5nLWtleS0wMDAx';
const TABLE = 'leadpipe-lambda-ingest';
const BUS = 'leadpipe-test-bus';

const config = parseConfig(
  JSON.stringify({
    sources: {
      demo: {
        verify: { scheme: 'standard-webhooks', secrets: ['secretsmanager:leadpipe/demo-webhook-secret'] },
        mapping: { preset: 'generic' },
      },
    },
    destinations: { slack: { type: 'slack', token: 'secretsmanager:leadpipe/slack', channel: '#leads' } },
  }),
  'test.json',
  pipelineChecks,
);
const fixture = (): APIGatewayProxyEventV2 => JSON.parse(readFileSync(FIXTURE, 'utf8'));
const signedAt = () => new Date(Number(fixture().headers['webhook-timestamp']) * 1000 + 2000);
const context = {
  functionName: 'ingest',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 10_000,
} as Context;

function recorder(): PipelineMetrics & { counted: MetricName[]; flushes: number } {
  const counted: MetricName[] = [];
  return {
    counted,
    flushes: 0,
    count(name) {
      counted.push(name);
    },
    flush() {
      this.flushes++;
    },
  };
}

let table: TestTable;
let dynamodb: DynamoDBClient;
const secretsManager = mockClient(SecretsManagerClient);

beforeAll(async () => {
  table = await startTestTable(TABLE, 'eu-west-1');
  dynamodb = table.client;
});

afterAll(async () => {
  await table.end();
  secretsManager.restore();
});

beforeEach(() => {
  secretsManager.reset();
  secretsManager
    .on(GetSecretValueCommand, { SecretId: 'leadpipe/demo-webhook-secret' })
    .resolves({ Name: 'leadpipe/demo-webhook-secret', SecretString: SIGNING_SECRET });
});

/** An empty table, for a test that must not see the idempotency records of the others. */
async function freshTable(name: string): Promise<string> {
  const tableName = `${TABLE}-${name}`;
  await dynamodb.send(
    new CreateTableCommand({
      TableName: tableName,
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  return tableName;
}

/** A fresh function as Lambda would build it, on a table whose idempotency records survive across tests. */
function build(options: { eventbridge?: EventBridgeClient; table?: string } = {}) {
  const eventbridge = options.eventbridge ?? new EventBridgeClient({ region: 'eu-west-1' });
  const events = mockClient(eventbridge);
  events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
  const metrics = recorder();
  const handler = createIngestLambda({
    config,
    env: {
      [ENVIRONMENT.pipeline]: 'leadpipe',
      [ENVIRONMENT.tableName]: options.table ?? TABLE,
      [ENVIRONMENT.busName]: BUS,
    },
    dynamodb,
    eventbridge,
    secrets: awsSecretResolver({
      secrets: new SecretsProvider({ clientConfig: { region: 'eu-west-1' } }),
    }),
    metrics,
    logger: createLogger({ logLevel: 'SILENT' }),
    now: signedAt,
  });
  return { handler, events, metrics };
}

describe('ingest Lambda with a real API Gateway v2 event', () => {
  it('accepts the signed webhook, publishes lead.received once, and says so again for a retry', async () => {
    const { handler, events, metrics } = build();

    const first = await handler(fixture(), context);
    const retry = await handler(fixture(), context);

    expect(first.statusCode).toBe(202);
    expect(JSON.parse(first.body ?? '{}')).toMatchObject({ status: 'accepted', leadId: expect.any(String) });
    expect(retry.statusCode).toBe(200);
    expect(JSON.parse(retry.body ?? '{}')).toEqual({
      status: 'duplicate',
      leadId: JSON.parse(first.body ?? '{}').leadId,
    });
    const puts = events.commandCalls(PutEventsCommand);
    expect(puts).toHaveLength(1);
    const entry = puts[0]?.args[0].input.Entries?.[0];
    expect(entry).toMatchObject({ EventBusName: BUS, Source: 'leadpipe', DetailType: 'lead.received' });
    const detail = JSON.parse(entry?.Detail ?? '{}');
    expect(detail.lead).toMatchObject({ email: 'ada@example.com', source: 'demo', score: 82 });
    expect(detail.correlation_id).toBe('msg_2Zq8fixture0001');
    expect(metrics.counted).toEqual(['LeadsReceived', 'Duplicates']);
    expect(metrics.flushes).toBe(2);
  });

  it('reads the signing secret from Secrets Manager once, then from the cache', async () => {
    const table = await freshTable('cache');
    const { handler } = build({ table });

    await handler(fixture(), context);
    await handler(fixture(), context);

    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('answers 401 to a body changed after signing, publishes nothing and counts it', async () => {
    const { handler, events, metrics } = build();
    const event = fixture();
    event.body = (event.body ?? '').replace('"score":82', '"score":99');

    const answer = await handler(event, context);

    expect(answer.statusCode).toBe(401);
    expect(events.commandCalls(PutEventsCommand)).toHaveLength(0);
    expect(metrics.counted).toEqual(['RejectedSignatures']);
  });

  it('answers 5xx while EventBridge refuses the event, remembering nothing, so the sender retry succeeds', async () => {
    const table = await freshTable('publish');
    const { handler, events } = build({ table });
    events.reset();
    events.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }],
    });

    const refused = await handler(fixture(), context);
    events.reset();
    events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-2' }] });
    const retried = await handler(fixture(), context);

    expect(refused.statusCode).toBeGreaterThanOrEqual(500);
    expect(retried.statusCode).toBe(202);
    expect(JSON.parse(retried.body ?? '{}').status).toBe('accepted');
  });

  it('fails at cold start, naming every missing environment variable', () => {
    expect(() => createIngestLambda({ config, env: { [ENVIRONMENT.pipeline]: 'leadpipe' } })).toThrow(
      new EnvironmentError([ENVIRONMENT.tableName, ENVIRONMENT.busName]),
    );
  });
});
