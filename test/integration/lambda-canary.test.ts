import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { APIGatewayProxyEventV2, Context, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCanaryLambda } from '../../adapters/aws/lambda/canary.lambda.ts';
import { ENVIRONMENT } from '../../adapters/aws/lambda/environment.ts';
import { createIngestLambda } from '../../adapters/aws/lambda/ingest.lambda.ts';
import { awsSecretResolver } from '../../adapters/aws/secrets.ts';
import { CanaryRefusedError } from '../../functions/canary/canary.ts';
import { CANARY_EMAIL } from '../../functions/canary/settings.ts';
import { pipelineChecks } from '../../functions/config/checks.ts';
import { parseConfig } from '../../functions/config/load.ts';
import { createDeliver } from '../../functions/deliver/deliver.ts';
import { createLogger } from '../../functions/observability/logger.ts';
import type { DeliveryQueue, DestinationAdapter } from '../../functions/ports.ts';
import { startTestTable, type TestTable } from '../support/dynamo.ts';

const TABLE = 'leadpipe-lambda-canary';
const BUS = 'leadpipe-test-bus';
const SECRET = 'whsec_bGVhZHBpcGUtY2FuYXJ5LXNpZ25pbmcta2V5LTAwMDE=';
const URL = 'https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/webhooks/canary';
const logger = createLogger({ logLevel: 'SILENT' });
const context = {
  functionName: 'f',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 10_000,
} as Context;

const config = parseConfig(
  JSON.stringify({
    settings: { canary: { source: 'canary' } },
    sources: {
      canary: {
        verify: { scheme: 'standard-webhooks', secrets: ['secretsmanager:leadpipe/canary-secret'] },
        mapping: { preset: 'generic' },
      },
    },
    destinations: { hubspot: { type: 'hubspot', accessToken: 'secretsmanager:leadpipe/hubspot' } },
  }),
  'test.json',
  pipelineChecks,
);

interface Posted {
  url: string;
  headers: Record<string, string>;
  body: Buffer;
}

/** A fetch that records what the canary posted and answers as given. */
function fakeFetch(answer: (posted: Posted) => Promise<Response> | Response) {
  const posted: Posted[] = [];
  const fetch = (async (url: string, init: RequestInit) => {
    const request = {
      url,
      headers: init.headers as Record<string, string>,
      body: Buffer.from(init.body as Buffer),
    };
    posted.push(request);
    return answer(request);
  }) as unknown as typeof globalThis.fetch;
  return { fetch, posted };
}

/** The request as API Gateway hands it to the ingest function. */
function apiGatewayEvent(posted: Posted): APIGatewayProxyEventV2 {
  const url = new globalThis.URL(posted.url);
  return {
    version: '2.0',
    routeKey: `POST ${url.pathname}`,
    rawPath: url.pathname,
    rawQueryString: '',
    headers: { ...posted.headers, host: url.host, 'x-forwarded-proto': 'https' },
    requestContext: {
      http: {
        method: 'POST',
        path: url.pathname,
        protocol: 'HTTP/1.1',
        sourceIp: '203.0.113.9',
        userAgent: 'x',
      },
      domainName: url.host,
      stage: '$default',
      timeEpoch: Date.now(),
    } as APIGatewayProxyEventV2['requestContext'],
    body: posted.body.toString('base64'),
    isBase64Encoded: true,
  };
}

let table: TestTable;
let dynamodb: DynamoDBClient;
const secretsManager = mockClient(SecretsManagerClient);
const secrets = () =>
  awsSecretResolver({ secrets: new SecretsProvider({ clientConfig: { region: 'eu-west-1' } }) });

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
    .on(GetSecretValueCommand, { SecretId: 'leadpipe/canary-secret' })
    .resolves({ Name: 'leadpipe/canary-secret', SecretString: SECRET });
});

function canary(fetch: typeof globalThis.fetch) {
  return createCanaryLambda({
    config,
    env: { [ENVIRONMENT.pipeline]: 'leadpipe', [ENVIRONMENT.canaryUrl]: URL },
    secrets: secrets(),
    logger,
    fetch,
  });
}

describe('the canary Lambda', () => {
  it('posts a lead the real ingest function accepts, and the deliver engine counts it without the vendor', async () => {
    // Prepare: the ingest function as deployed answers the canary's request.
    const eventbridge = new EventBridgeClient({ region: 'eu-west-1' });
    const events = mockClient(eventbridge);
    events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
    const ingest = createIngestLambda({
      config,
      env: {
        [ENVIRONMENT.pipeline]: 'leadpipe',
        [ENVIRONMENT.tableName]: TABLE,
        [ENVIRONMENT.busName]: BUS,
      },
      dynamodb,
      eventbridge,
      secrets: secrets(),
      metrics: { count() {}, flush() {} },
      logger,
    });
    const { fetch, posted } = fakeFetch(async (request) => {
      const answer = await ingest(apiGatewayEvent(request), context);
      return new Response(answer.body, { status: answer.statusCode });
    });

    // Act
    const result = await canary(fetch)({}, context);

    // Assess: accepted, published as a lead of the canary source at the reserved address.
    expect(posted).toHaveLength(1);
    expect(posted[0]?.url).toBe(URL);
    expect(result).toMatchObject({ statusCode: 202, leadId: expect.stringMatching(/^lead_/) });
    const entry = events.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0];
    const detail = JSON.parse(entry?.Detail ?? '{}');
    expect(detail.lead).toMatchObject({ id: result.leadId, source: 'canary', email: CANARY_EMAIL });

    // Act: the published event reaches a deliver function.
    const calls: string[][] = [];
    const adapter: DestinationAdapter = {
      maxBatchSize: 10,
      async deliver(leads) {
        calls.push(leads.map((lead) => lead.id));
        return new Map(leads.map((lead) => [lead.id, { status: 'delivered' }]));
      },
    };
    const summaries: { canaryDelivered: number; delivered: number }[] = [];
    const deliver = createDeliver({
      destination: 'hubspot',
      adapter,
      queue: {} as DeliveryQueue,
      logger,
      canarySource: 'canary',
      onBatch: (summary) => summaries.push(summary),
    });
    const record = {
      messageId: 'm-1',
      receiptHandle: 'r-1',
      body: JSON.stringify({ 'detail-type': entry?.DetailType, source: entry?.Source, detail }),
      attributes: { ApproximateReceiveCount: '1' },
    } as unknown as SQSRecord;
    const response = await deliver({ Records: [record] });

    // Assess: deleted (no failure), counted, and the vendor never called.
    expect(response.batchItemFailures).toEqual([]);
    expect(calls).toEqual([]);
    expect(summaries).toMatchObject([{ canaryDelivered: 1, delivered: 0 }]);
  });

  it('fails the run, naming the answer, when the API refuses the canary', async () => {
    // Prepare
    const { fetch } = fakeFetch(
      () =>
        new Response(
          JSON.stringify({ error: { code: 'signature_invalid', message: 'No matching signature found' } }),
          {
            status: 401,
          },
        ),
    );

    // Act
    const run = canary(fetch)({}, context);

    // Assess
    await expect(run).rejects.toBeInstanceOf(CanaryRefusedError);
    await expect(run).rejects.toMatchObject({
      statusCode: 401,
      message: expect.stringContaining('signature_invalid'),
    });
  });

  it('refuses to start without settings.canary', () => {
    // Act / Assess
    expect(() =>
      createCanaryLambda({
        config: { ...config, settings: {} },
        env: { [ENVIRONMENT.pipeline]: 'leadpipe', [ENVIRONMENT.canaryUrl]: URL },
        secrets: secrets(),
        logger,
      }),
    ).toThrow(/settings\.canary\.source/);
  });
});
