import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, Context, SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type ConsoleEvent,
  consoleRequest,
  createConsoleLambda,
  MAX_CONSOLE_BODY_BYTES,
  PAGE_CSP,
  pageResponse,
  parseQueueUrls,
  readPageFiles,
} from '../../../../../adapters/aws/lambda/console.lambda.ts';
import { createDeliverLambda } from '../../../../../adapters/aws/lambda/deliver-lambda.ts';
import { ENVIRONMENT } from '../../../../../adapters/aws/lambda/environment.ts';
import { createIngestLambda } from '../../../../../adapters/aws/lambda/ingest.lambda.ts';
import { createDynamoLedger } from '../../../../../adapters/aws/ledger.ts';
import { LEDGER_TABLE } from '../../../../../adapters/aws/ledger-table.ts';
import { createQuarantineStore } from '../../../../../adapters/aws/quarantine-store.ts';
import { pipelineChecks } from '../../../../../functions/config/checks.ts';
import { parseConfig } from '../../../../../functions/config/load.ts';
import { leadIdFor } from '../../../../../functions/lead/identity.ts';
import { createLogger } from '../../../../../functions/observability/logger.ts';
import { OPS_PAGE_DIR, PROJECT_ROOT } from '../../../../../infra/bundling.ts';
import { QUARANTINE_ITEM_PREFIX, REPLAY_CLAIM_PREFIX } from '../../../../../infra/ops-console.ts';
import { createLedgerTable, startTestTable, type TestTable } from '../../../../support/dynamo.ts';
import { ensureDestinationQueues, type LocalSqs, startSqs } from '../../../../support/sqs-peer.ts';

/** A real API Gateway v2 event (the ingest fixture), as the console's routes receive it. */
const FIXTURE = join(
  import.meta.dirname,
  '../../../../fixtures/events/api-gateway-v2/standard-webhooks-post.json',
);
const SQS_FIXTURE = join(import.meta.dirname, '../../../../fixtures/events/sqs/lead-received.json');
const HOST = 'a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com';
const SUBJECT = 'c4e8f1a2-5b6d-4e7f-8a9b-0c1d2e3f4a5b';

/**
 * The fixture turned into a console request: the route key API Gateway matched, the raw path and
 * query, the headers a browser sends, and (behind the JWT authorizer) the token's claims under
 * requestContext.authorizer.jwt, as API Gateway's payload format 2.0 carries them.
 */
function consoleEvent(options: {
  method?: string;
  path: string;
  query?: string;
  body?: string;
  base64?: boolean;
  headers?: Record<string, string>;
  claims?: Record<string, unknown> | null;
}): ConsoleEvent {
  const fixture = JSON.parse(readFileSync(FIXTURE, 'utf8')) as ConsoleEvent;
  const method = options.method ?? 'GET';
  const api = options.path.startsWith('/ops/api/');
  const routeKey = api
    ? 'ANY /ops/api/{proxy+}'
    : options.path === '/ops'
      ? 'GET /ops'
      : 'GET /ops/assets/{file}';
  const event: ConsoleEvent = {
    ...fixture,
    routeKey,
    rawPath: options.path,
    rawQueryString: options.query ?? '',
    headers: {
      accept: 'application/json',
      host: HOST,
      'user-agent': 'Mozilla/5.0',
      'sec-fetch-site': 'same-origin',
      'x-forwarded-proto': 'https',
      ...(api ? { authorization: 'Bearer eyJraWQiOi.fixture.token' } : {}),
      ...options.headers,
    },
    requestContext: {
      ...fixture.requestContext,
      routeKey,
      http: { ...fixture.requestContext.http, method, path: options.path, userAgent: 'Mozilla/5.0' },
      ...(api && options.claims !== null
        ? {
            authorizer: {
              jwt: {
                claims: options.claims ?? {
                  sub: SUBJECT,
                  iss: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123',
                  client_id: '4f7qexampleclientid',
                  token_use: 'access',
                  scope: 'openid',
                  exp: '1763730000',
                },
                scopes: null,
              },
            },
          }
        : {}),
    },
    pathParameters: api ? { proxy: options.path.slice('/ops/api/'.length) } : {},
    isBase64Encoded: options.base64 ?? false,
  };
  if (options.body === undefined) delete event.body;
  else event.body = options.body;
  return event;
}

describe('consoleRequest: the API Gateway v2 event as the console API’s request', () => {
  it('takes the method, the path after /ops/api, the query, the headers, the body and the JWT subject', () => {
    // Prepare
    const event = consoleEvent({
      method: 'POST',
      path: '/ops/api/destinations/hubspot/redrive',
      query: 'dry=1&tag=a&tag=b',
      body: Buffer.from('{"messageIds":["m-1"]}').toString('base64'),
      base64: true,
      headers: { 'content-type': 'application/json', origin: `https://${HOST}` },
    });

    // Act
    const translated = consoleRequest(event);

    // Assess
    if (!('request' in translated)) throw new Error('refused');
    const { request } = translated;
    expect(request).toMatchObject({
      method: 'POST',
      path: '/destinations/hubspot/redrive',
      body: '{"messageIds":["m-1"]}',
      actor: SUBJECT,
    });
    expect(request.query.getAll('tag')).toEqual(['a', 'b']);
    expect(request.headers).toMatchObject({
      'content-type': 'application/json',
      origin: `https://${HOST}`,
      host: HOST,
      'sec-fetch-site': 'same-origin',
    });
  });

  it.each([
    ['no authorizer context (a route without the authorizer)', null],
    ['claims without a subject', { iss: 'https://issuer.example', client_id: 'x' }],
    ['an empty subject', { sub: '' }],
  ])('refuses %s with 401', (_case, claims) => {
    // Act
    const translated = consoleRequest(consoleEvent({ path: '/ops/api/overview', claims }));

    // Assess
    expect(translated).toEqual({
      refusal: { status: 401, body: { error: { code: 'unauthorized', message: expect.any(String) } } },
    });
  });

  it('refuses a body above the limit with 413', () => {
    // Act
    const translated = consoleRequest(
      consoleEvent({
        method: 'POST',
        path: '/ops/api/destinations/hubspot/redrive',
        body: 'x'.repeat(MAX_CONSOLE_BODY_BYTES + 1),
      }),
    );

    // Assess
    expect(translated).toMatchObject({
      refusal: { status: 413, body: { error: { code: 'payload_too_large' } } },
    });
  });
});

describe('the page', () => {
  const page = readPageFiles(join(PROJECT_ROOT, OPS_PAGE_DIR));

  it('is read from ops/: index.html with its scripts and styles', () => {
    // Assess
    expect([...page.keys()]).toContain('index.html');
    expect([...page.keys()].every((name) => /\.(html|js|css)$/.test(name))).toBe(true);
  });

  it.each([
    ['/ops', 'index.html', 'text/html; charset=utf-8'],
    ['/ops/assets/app.js', 'app.js', 'text/javascript; charset=utf-8'],
    ['/ops/assets/styles.css', 'styles.css', 'text/css; charset=utf-8'],
  ])('serves %s as %s with the page’s security headers', (path, file, contentType) => {
    // Act
    const result = pageResponse(page, path);

    // Assess
    expect(result.statusCode).toBe(200);
    expect(result.body).toBe(page.get(file)?.body);
    expect(result.headers).toEqual({
      'content-type': contentType,
      'content-security-policy': PAGE_CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
    });
  });

  it.each(['/ops/assets/missing.js', '/ops/assets/..%2Fpackage.json', '/ops/assets/../../package.json'])(
    'answers 404 for %s, serving nothing outside the page',
    (path) => {
      // Act
      const result = pageResponse(page, path);

      // Assess
      expect(result.statusCode).toBe(404);
      expect(JSON.parse(String(result.body))).toMatchObject({ error: { code: 'not_found' } });
    },
  );

  it('holds the exact policy the page was written for', () => {
    expect(PAGE_CSP).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
  });
});

describe('parseQueueUrls', () => {
  it('reads the construct’s JSON', () => {
    expect(parseQueueUrls('{"hubspot":{"queueUrl":"q","deadLetterQueueUrl":"d"}}')).toEqual({
      hubspot: { queueUrl: 'q', deadLetterQueueUrl: 'd' },
    });
  });

  it.each(['not json', '[]', '{"hubspot":{"queueUrl":"q"}}'])('refuses %s, naming the variable', (text) => {
    expect(() => parseQueueUrls(text)).toThrow(/LEADPIPE_QUEUES/);
  });
});

/**
 * The whole function on its real peers: dynalite for the pipeline table and the ledger's own table
 * (built from the key design the CDK stack builds it from), fauxqs for the queues; EventBridge has no
 * local peer, so PutEvents is mocked.
 */
describe('the console function, end to end', () => {
  const PIPELINE_TABLE = 'leadpipe-console-pipeline';
  const LEDGER = 'leadpipe-console-ledger';
  const context = {
    functionName: 'console',
    awsRequestId: 'req-1',
    getRemainingTimeInMillis: () => 29_000,
  } as Context;
  const now = new Date('2025-11-21T12:30:00.000Z');
  const config = parseConfig(
    JSON.stringify({
      sources: { demo: { verify: { scheme: 'none' }, mapping: { preset: 'generic' } } },
      destinations: { hubspot: { type: 'hubspot', accessToken: 'secretsmanager:leadpipe/hubspot' } },
    }),
    'console.json',
    pipelineChecks,
  );
  let table: TestTable;
  let sqsPeer: LocalSqs;
  let sqs: SQSClient;
  let queues: Awaited<ReturnType<typeof ensureDestinationQueues>>;
  const eventbridge = new EventBridgeClient({ region: 'eu-west-1' });
  const events = mockClient(eventbridge);
  let handler: ReturnType<typeof createConsoleLambda>;

  beforeAll(async () => {
    table = await startTestTable(PIPELINE_TABLE, 'eu-west-1');
    await createLedgerTable(table.client, LEDGER);
    sqsPeer = await startSqs({});
    sqs = new SQSClient({
      endpoint: sqsPeer.endpoint,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    queues = await ensureDestinationQueues(sqs, 'leadpipe-hubspot', {
      maxAttempts: 5,
      visibilityTimeoutSeconds: 30,
    });
    handler = createConsoleLambda({
      config,
      env: {
        [ENVIRONMENT.pipeline]: 'leadpipe',
        [ENVIRONMENT.tableName]: PIPELINE_TABLE,
        [ENVIRONMENT.ledgerTableName]: LEDGER,
        [ENVIRONMENT.busName]: 'leadpipe-bus',
        [ENVIRONMENT.apiUrl]: `https://${HOST}`,
        [ENVIRONMENT.queues]: JSON.stringify({
          hubspot: { queueUrl: queues.queueUrl, deadLetterQueueUrl: queues.deadLetterQueueUrl },
        }),
      },
      dynamodb: table.client,
      sqs,
      eventbridge,
      logger: createLogger({ logLevel: 'SILENT' }),
      pageDir: join(PROJECT_ROOT, OPS_PAGE_DIR),
      now: () => now,
    });
    await ledger().append([
      {
        leadId: 'lead_0000000000000000000000000000000a',
        at: '2025-11-21T12:00:00.000Z',
        kind: 'received',
        source: 'demo',
        deliveryId: 'msg-a',
        correlationId: 'corr-a',
        contentType: 'application/json',
        bytes: 64,
        contact: { email: 'ada@example.com' },
      },
      {
        leadId: 'lead_0000000000000000000000000000000a',
        at: '2025-11-21T12:00:01.000Z',
        kind: 'routed',
        matched: ['hubspot'],
        unmatched: [],
      },
    ]);
  });

  afterAll(async () => {
    sqs?.destroy();
    await sqsPeer?.end();
    await table?.end();
  });

  beforeEach(() => {
    events.reset();
    events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
  });

  const ledger = () =>
    createDynamoLedger({
      client: DynamoDBDocumentClient.from(table.client),
      tableName: LEDGER,
      now: () => now.getTime(),
    });
  const json = (result: { body?: string }) => JSON.parse(result.body ?? 'null');
  const post = (path: string, body = '{}') =>
    consoleEvent({
      method: 'POST',
      path,
      body,
      headers: { 'content-type': 'application/json', origin: `https://${HOST}` },
    });

  it('searches the ledger by the query string, answering JSON that no one keeps', async () => {
    // Act
    const result = await handler(
      consoleEvent({ path: '/ops/api/leads', query: 'q=ADA%40example.com' }),
      context,
    );

    // Assess
    expect(result.statusCode).toBe(200);
    expect(result.headers).toMatchObject({
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
    expect(json(result).leads).toEqual([
      expect.objectContaining({
        leadId: 'lead_0000000000000000000000000000000a',
        status: 'in-progress',
        destinations: { hubspot: 'pending' },
      }),
    ]);
  });

  it('reads a lead’s timeline by its path', async () => {
    // Act
    const result = await handler(
      consoleEvent({ path: '/ops/api/leads/lead_0000000000000000000000000000000a' }),
      context,
    );

    // Assess
    expect(result.statusCode).toBe(200);
    expect(json(result).events.map((event: { kind: string }) => event.kind)).toEqual(['received', 'routed']);
  });

  it('answers the overview with the webhook URLs on this API and the queues’ depth', async () => {
    // Act
    const result = await handler(consoleEvent({ path: '/ops/api/overview' }), context);

    // Assess
    expect(result.statusCode).toBe(200);
    expect(json(result)).toMatchObject({
      host: 'aws',
      liveFeed: 'poll',
      config: { version: expect.stringMatching(/^[0-9a-f]{12}$/), loadedAt: now.toISOString() },
      sources: [{ name: 'demo', webhookUrl: `https://${HOST}/webhooks/demo` }],
      destinations: [
        { name: 'hubspot', type: 'hubspot', queue: { visible: 0 }, deadLetters: { visible: 0 } },
      ],
    });
  });

  it('replays a quarantined payload: published, removed, and its steps in the ledger with the JWT subject', async () => {
    // Prepare
    // The id ingest gives a delivery: the replayed lead gets the very same one.
    const leadId = leadIdFor('demo', 'msg-b');
    await createQuarantineStore(table.client, PIPELINE_TABLE).put({
      leadId,
      source: 'demo',
      deliveryId: 'msg-b',
      receivedAt: '2025-11-21T12:20:00.000Z',
      reason: { code: 'mapping_failed', message: 'no email' },
      contentType: 'application/json',
      body: Buffer.from(JSON.stringify({ email: 'bob@example.com', firstName: 'Bob' })).toString('base64'),
    });
    const itemIds = async () =>
      ((await table.client.send(new ScanCommand({ TableName: PIPELINE_TABLE }))).Items ?? []).map((item) =>
        String(item.id?.S),
      );
    // The IAM conditions (infra/ops-console.ts) name these prefixes: the adapters really use them.
    expect(await itemIds()).toContain(`${QUARANTINE_ITEM_PREFIX}${leadId}`);

    // Act
    const result = await handler(post(`/ops/api/quarantine/${leadId}/replay`), context);

    // Assess
    expect(result.statusCode).toBe(200);
    expect(json(result)).toEqual({ status: 'replayed', leadId });
    const entries = events.commandCalls(PutEventsCommand).flatMap((call) => call.args[0].input.Entries ?? []);
    expect(entries).toEqual([
      expect.objectContaining({ EventBusName: 'leadpipe-bus', DetailType: 'lead.received' }),
    ]);
    const ids = await itemIds();
    expect(ids).not.toContain(`${QUARANTINE_ITEM_PREFIX}${leadId}`);
    expect(ids.filter((id) => id.startsWith(REPLAY_CLAIM_PREFIX))).toHaveLength(1);
    const timeline = await ledger().timeline(leadId);
    expect(timeline?.lead).toMatchObject({ leadId, contact: { email: 'bob@example.com' } });
    expect(timeline?.events.map((event) => event.kind)).toEqual(['received', 'replayed', 'mapped', 'routed']);
    expect(timeline?.events).toContainEqual(
      expect.objectContaining({ kind: 'replayed', by: SUBJECT, outcome: 'published' }),
    );
  });

  it('redrives the dead letters and writes who asked into each lead’s timeline', async () => {
    // Prepare
    const leadId = 'lead_0000000000000000000000000000000c';
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queues.deadLetterQueueUrl,
        MessageBody: JSON.stringify({
          'detail-type': 'lead.received',
          source: 'leadpipe',
          detail: { lead: { id: leadId, source: 'demo' } },
        }),
      }),
    );

    // Act
    const result = await handler(post('/ops/api/destinations/hubspot/redrive'), context);

    // Assess
    expect(result.statusCode).toBe(200);
    expect(json(result)).toMatchObject({ destination: 'hubspot', moved: 1, failed: 0 });
    const moved = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queues.queueUrl, WaitTimeSeconds: 1 }),
    );
    expect(moved.Messages?.map((message) => JSON.parse(message.Body ?? '{}').detail.lead.id)).toEqual([
      leadId,
    ]);
    const timeline = await ledger().recent({ since: now.toISOString() });
    expect(timeline.filter((event) => event.leadId === leadId)).toEqual([
      { leadId, at: now.toISOString(), kind: 'redriven', destination: 'hubspot', by: SUBJECT },
    ]);
  });

  it('passes the shared API’s refusals through: an unknown destination is 404, a cross-site action 403', async () => {
    // Act
    const unknown = await handler(consoleEvent({ path: '/ops/api/destinations/nope/dead-letters' }), context);
    const crossSite = await handler(
      consoleEvent({
        method: 'POST',
        path: '/ops/api/destinations/hubspot/redrive',
        body: '{}',
        headers: {
          'content-type': 'application/json',
          origin: 'https://evil.example',
          'sec-fetch-site': 'cross-site',
        },
      }),
      context,
    );

    // Assess
    expect(unknown.statusCode).toBe(404);
    expect(json(unknown)).toMatchObject({ error: { code: 'not_found' } });
    expect(crossSite.statusCode).toBe(403);
    expect(json(crossSite)).toMatchObject({ error: { code: 'cross_origin' } });
  });

  it('serves the page without asking for a token', async () => {
    // Act
    const result = await handler(consoleEvent({ path: '/ops' }), context);

    // Assess
    expect(result.statusCode).toBe(200);
    expect(result.headers?.['content-security-policy']).toBe(PAGE_CSP);
    expect(result.body).toContain('<!doctype html>');
  });

  it('answers a generic 500 when AWS fails, never the error', async () => {
    // Prepare: a function whose ledger table does not exist.
    const broken = createConsoleLambda({
      config,
      env: {
        [ENVIRONMENT.pipeline]: 'leadpipe',
        [ENVIRONMENT.tableName]: PIPELINE_TABLE,
        [ENVIRONMENT.ledgerTableName]: 'no-such-table',
        [ENVIRONMENT.busName]: 'leadpipe-bus',
        [ENVIRONMENT.apiUrl]: `https://${HOST}`,
        [ENVIRONMENT.queues]: '{}',
      },
      dynamodb: table.client,
      sqs,
      eventbridge,
      logger: createLogger({ logLevel: 'SILENT' }),
      pageDir: join(PROJECT_ROOT, OPS_PAGE_DIR),
    });

    // Act
    const result = await broken(
      consoleEvent({ path: '/ops/api/leads/lead_0000000000000000000000000000000a' }),
      context,
    );

    // Assess
    expect(result.statusCode).toBe(500);
    expect(json(result)).toEqual({ error: { code: 'internal_error', message: expect.any(String) } });
    expect(result.body).not.toMatch(/no-such-table|ResourceNotFound/);
  });
});

/**
 * What the console shows is what the deployed ingest and deliver functions wrote: the signed
 * webhook fixture through the ingest function, the event it published through the deliver
 * function (as the SQS message EventBridge would have queued), then the lead's timeline through the
 * console function, all on one ledger table.
 */
describe('the ledger the ingest and deliver functions write, read through the console', () => {
  const PIPELINE_TABLE = 'leadpipe-writers-pipeline';
  const LEDGER = 'leadpipe-writers-ledger';
  /** The key the ingest fixture was signed with. */
  const SIGNING_SECRET = 'whsec_bGVhZHBpcGUtZml4dHVyZS1zaWduaW5nLWtleS0wMDAx';
  const fixture = JSON.parse(readFileSync(FIXTURE, 'utf8')) as APIGatewayProxyEventV2;
  const signedAt = new Date(Number(fixture.headers['webhook-timestamp']) * 1000 + 2000);
  const context = {
    functionName: 'fn',
    awsRequestId: 'req-2',
    getRemainingTimeInMillis: () => 29_000,
  } as Context;
  const config = parseConfig(
    JSON.stringify({
      settings: { ledger: { retentionDays: 400 } },
      sources: {
        demo: {
          verify: { scheme: 'standard-webhooks', secrets: ['secretsmanager:leadpipe/demo-webhook-secret'] },
          mapping: { preset: 'generic' },
        },
      },
      destinations: { hubspot: { type: 'hubspot', accessToken: 'secretsmanager:leadpipe/hubspot' } },
    }),
    'writers.json',
    pipelineChecks,
  );
  const silent = () => createLogger({ logLevel: 'SILENT' });
  const noMetrics = { count: () => undefined, flush: () => undefined };
  let table: TestTable;
  let sqsPeer: LocalSqs;
  let sqs: SQSClient;

  beforeAll(async () => {
    table = await startTestTable(PIPELINE_TABLE, 'eu-west-1');
    await createLedgerTable(table.client, LEDGER);
    sqsPeer = await startSqs({});
    sqs = new SQSClient({
      endpoint: sqsPeer.endpoint,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
  });

  afterAll(async () => {
    sqs?.destroy();
    await sqsPeer?.end();
    await table?.end();
  });

  it('shows received, mapped, routed and the delivered attempt, with the lead delivered', async () => {
    // Prepare
    const queues = await ensureDestinationQueues(sqs, 'leadpipe-writers-hubspot', {
      maxAttempts: 5,
      visibilityTimeoutSeconds: 30,
    });
    const eventbridge = new EventBridgeClient({ region: 'eu-west-1' });
    const bus = mockClient(eventbridge);
    bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
    const ingest = createIngestLambda({
      config,
      env: {
        [ENVIRONMENT.pipeline]: 'leadpipe',
        [ENVIRONMENT.tableName]: PIPELINE_TABLE,
        [ENVIRONMENT.busName]: 'leadpipe-bus',
        [ENVIRONMENT.ledgerTableName]: LEDGER,
      },
      dynamodb: table.client,
      eventbridge,
      secrets: async () => SIGNING_SECRET,
      metrics: noMetrics,
      logger: silent(),
      now: () => signedAt,
    });
    const deliver = createDeliverLambda({
      config,
      env: {
        [ENVIRONMENT.pipeline]: 'leadpipe',
        [ENVIRONMENT.busName]: 'leadpipe-bus',
        [ENVIRONMENT.destination]: 'hubspot',
        [ENVIRONMENT.queueUrl]: queues.queueUrl,
        [ENVIRONMENT.deadLetterQueueUrl]: queues.deadLetterQueueUrl,
        [ENVIRONMENT.ledgerTableName]: LEDGER,
      },
      sqs,
      eventbridge,
      dynamodb: table.client,
      secrets: async () => 'unused',
      metrics: noMetrics,
      logger: silent(),
      // The vendor is not the subject here: an adapter that takes every lead.
      clients: async () => ({
        adapter: {
          maxBatchSize: 100,
          deliver: async (leads) =>
            new Map(leads.map((lead) => [lead.id, { status: 'delivered' as const, ref: { id: 'crm-1' } }])),
        },
      }),
    });
    const opsConsole = createConsoleLambda({
      config,
      env: {
        [ENVIRONMENT.pipeline]: 'leadpipe',
        [ENVIRONMENT.tableName]: PIPELINE_TABLE,
        [ENVIRONMENT.ledgerTableName]: LEDGER,
        [ENVIRONMENT.busName]: 'leadpipe-bus',
        [ENVIRONMENT.apiUrl]: `https://${HOST}`,
        [ENVIRONMENT.queues]: JSON.stringify({
          hubspot: { queueUrl: queues.queueUrl, deadLetterQueueUrl: queues.deadLetterQueueUrl },
        }),
      },
      dynamodb: table.client,
      sqs,
      eventbridge,
      logger: silent(),
      pageDir: join(PROJECT_ROOT, OPS_PAGE_DIR),
      now: () => signedAt,
    });

    // Act
    const accepted = await ingest(fixture, context);
    const leadId = JSON.parse(accepted.body ?? '{}').leadId as string;
    const [published] = bus
      .commandCalls(PutEventsCommand)
      .flatMap((call) => call.args[0].input.Entries ?? []);
    const batch = await queuedAsEventBridgeWould(sqs, queues.queueUrl, published);
    const delivered = await deliver(batch, context);
    const timeline = await opsConsole(consoleEvent({ path: `/ops/api/leads/${leadId}` }), context);
    const search = await opsConsole(
      consoleEvent({ path: '/ops/api/leads', query: 'email=ada%40example.com' }),
      context,
    );

    // Assess
    expect(accepted.statusCode).toBe(202);
    expect(delivered).toEqual({ batchItemFailures: [] });
    expect(timeline.statusCode).toBe(200);
    const body = JSON.parse(timeline.body ?? '{}') as {
      lead: Record<string, unknown>;
      events: Record<string, unknown>[];
    };
    expect(body.lead).toMatchObject({
      leadId,
      source: 'demo',
      correlationId: 'msg_2Zq8fixture0001',
      status: 'delivered',
      destinations: { hubspot: 'delivered' },
    });
    expect(body.events.map((event) => event.kind)).toEqual(['received', 'mapped', 'routed', 'attempt']);
    expect(body.events.at(-1)).toMatchObject({
      destination: 'hubspot',
      outcome: 'delivered',
      recordId: 'crm-1',
    });
    expect(JSON.parse(search.body ?? '{}').leads.map((lead: { leadId: string }) => lead.leadId)).toEqual([
      leadId,
    ]);
  });
});

/**
 * The SQS batch a deliver function gets for a published entry: the EventBridge envelope around its
 * detail, really sent to and received from the queue, in the SQS fixture's record shape.
 */
async function queuedAsEventBridgeWould(
  sqs: SQSClient,
  queueUrl: string,
  entry: PutEventsRequestEntry | undefined,
): Promise<SQSEvent> {
  if (!entry?.Detail) throw new Error('nothing was published');
  const envelope = {
    version: '0',
    id: '8f2b6c1e-9d4a-4b3c-a2e1-7f6d5c4b3a29',
    'detail-type': entry.DetailType,
    source: entry.Source,
    account: '111122223333',
    time: '2025-11-21T12:00:02Z',
    region: 'eu-west-1',
    resources: [],
    detail: JSON.parse(entry.Detail),
  };
  await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(envelope) }));
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: 1,
      WaitTimeSeconds: 1,
      MessageSystemAttributeNames: ['All'],
    }),
  );
  const message = Messages[0];
  if (!message?.ReceiptHandle || !message.MessageId || !message.Body) throw new Error('nothing received');
  const fixture = JSON.parse(readFileSync(SQS_FIXTURE, 'utf8')) as SQSEvent;
  const record = fixture.Records[0];
  if (!record) throw new Error('empty fixture');
  return {
    Records: [
      {
        ...record,
        messageId: message.MessageId,
        receiptHandle: message.ReceiptHandle,
        body: message.Body,
        eventSourceARN: 'arn:aws:sqs:eu-west-1:111122223333:leadpipe-writers-hubspot',
      },
    ],
  };
}
