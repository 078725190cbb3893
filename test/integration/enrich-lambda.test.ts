import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DLQ_ATTRIBUTES } from '../../adapters/aws/delivery-queue.ts';
import { createEnrichLambda, UnknownStageError } from '../../adapters/aws/lambda/enrich.lambda.ts';
import { ENVIRONMENT } from '../../adapters/aws/lambda/environment.ts';
import { createMetaSandbox } from '../../adapters/meta/sandbox.ts';
import type { RunningSandbox } from '../../adapters/sandbox/kit.ts';
import { pipelineChecks } from '../../functions/config/checks.ts';
import { parseConfig } from '../../functions/config/load.ts';
import { createLogger } from '../../functions/observability/logger.ts';
import { ensureDestinationQueues, type LocalSqs, startSqs } from '../support/sqs-peer.ts';

const LEAD = JSON.parse(readFileSync(new URL('../fixtures/meta_lead_graph.json', import.meta.url), 'utf8'));
const context = {
  functionName: 'enrich',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 30_000,
} as Context;

/** The enrich Lambda entry point with a real SQS event (fauxqs peer) against the Graph API sandbox. */
describe('enrich Lambda with a real SQS event', () => {
  let sqsServer: LocalSqs;
  let sqs: SQSClient;
  let graph: RunningSandbox;
  let queues = 0;

  beforeAll(async () => {
    sqsServer = await startSqs({});
    sqs = new SQSClient({
      endpoint: sqsServer.endpoint,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    graph = await createMetaSandbox().listen();
    await fetch(`${graph.url}/__sandbox/leads`, { method: 'POST', body: JSON.stringify(LEAD) });
  });
  afterAll(async () => {
    sqs.destroy();
    await graph.close();
    await sqsServer.end();
  });

  /** The stage's queue, its Lambda, and a lead.reference for `leadgenId` sent and received as SQS would hand it over. */
  async function build(leadgenId: string) {
    const queue = await ensureDestinationQueues(sqs, `leadpipe-enrich-meta-${++queues}`, {
      maxAttempts: 3,
      visibilityTimeoutSeconds: 30,
    });
    const config = parseConfig(
      JSON.stringify({
        sources: {
          'meta-ads': {
            verify: {
              scheme: 'meta',
              secrets: ['secretsmanager:leadpipe/meta-app'],
              verifyToken: 'secretsmanager:leadpipe/meta-verify',
            },
            mapping: { preset: 'meta' },
            enrich: { accessToken: 'secretsmanager:leadpipe/meta-page-token', baseUrl: graph.url },
          },
        },
        destinations: { crm: { type: 'hubspot', accessToken: 'secretsmanager:leadpipe/hubspot' } },
      }),
      'test.json',
      pipelineChecks,
    );
    const eventbridge = new EventBridgeClient({ region: 'eu-west-1' });
    const events = mockClient(eventbridge);
    events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e' }] });
    const asked: string[] = [];
    const handler = createEnrichLambda({
      config,
      env: {
        [ENVIRONMENT.pipeline]: 'leadpipe',
        [ENVIRONMENT.busName]: 'leadpipe-bus',
        [ENVIRONMENT.destination]: 'enrich:meta',
        [ENVIRONMENT.queueUrl]: queue.queueUrl,
        [ENVIRONMENT.deadLetterQueueUrl]: queue.deadLetterQueueUrl,
      },
      sqs,
      eventbridge,
      secrets: async (ref) => {
        asked.push(ref);
        return 'EAAdeployedToken';
      },
      logger: createLogger({ logLevel: 'SILENT' }),
    });
    const body = JSON.stringify({
      'detail-type': 'lead.reference',
      source: 'leadpipe',
      detail: {
        event_id: 'e1',
        event_type: 'lead.reference',
        source: 'meta-ads',
        timestamp: '2026-12-02T17:52:00.000Z',
        correlation_id: leadgenId,
        schema_version: 1,
        reference: { sender: 'meta', id: leadgenId },
        lead: {
          // A lead id and digest as ingest makes them (the lead.reference schema checks both).
          id: `lead_${createHash('sha256').update(leadgenId).digest('hex').slice(0, 32)}`,
          receivedAt: '2026-12-02T17:52:00.000Z',
          raw: {
            deliveryId: leadgenId,
            deliveryIdFrom: 'sender',
            contentType: 'application/json',
            sha256: createHash('sha256').update(leadgenId).digest('hex'),
            bytes: 289,
          },
        },
      },
    });
    await sqs.send(new SendMessageCommand({ QueueUrl: queue.queueUrl, MessageBody: body }));
    const received = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queue.queueUrl,
        MaxNumberOfMessages: 1,
        WaitTimeSeconds: 1,
        MessageSystemAttributeNames: ['All'],
      }),
    );
    const message = received.Messages?.[0];
    if (!message?.ReceiptHandle || !message.MessageId) throw new Error('nothing received');
    const event = {
      Records: [
        {
          messageId: message.MessageId,
          receiptHandle: message.ReceiptHandle,
          body,
          attributes: {
            ApproximateReceiveCount: '1',
            SentTimestamp: String(Date.now()),
            ApproximateFirstReceiveTimestamp: String(Date.now()),
          },
          messageAttributes: {},
          md5OfBody: '',
          eventSource: 'aws:sqs',
          eventSourceARN: queue.queueArn,
          awsRegion: 'eu-west-1',
        },
      ],
    } as unknown as SQSEvent;
    return { handler, queue, events, asked, event };
  }

  it('fetches the lead with the Page token from Secrets Manager and publishes lead.received', async () => {
    // Prepare
    const { handler, events, asked, event } = await build(LEAD.id);

    // Act
    const answer = await handler(event, context);

    // Assess
    expect(answer).toEqual({ batchItemFailures: [] });
    expect(asked).toEqual(['secretsmanager:leadpipe/meta-page-token']);
    const entry = events.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0];
    expect(entry?.DetailType).toBe('lead.received');
    expect(JSON.parse(entry?.Detail ?? '{}').lead).toMatchObject({
      id: `lead_${createHash('sha256').update(LEAD.id).digest('hex').slice(0, 32)}`,
      email: 'dana.okafor@northwind.example',
    });
  });

  it('dead-letters an unknown leadgen id with the Graph reason and raises an ops alert', async () => {
    // Prepare
    const { handler, queue, events, event } = await build('7770001112223334');

    // Act
    const answer = await handler(event, context);

    // Assess
    expect(answer).toEqual({ batchItemFailures: [] });
    const dead = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queue.deadLetterQueueUrl,
        MessageAttributeNames: ['All'],
        WaitTimeSeconds: 1,
      }),
    );
    expect(dead.Messages?.[0]?.MessageAttributes?.[DLQ_ATTRIBUTES.reason]?.StringValue).toMatch(
      /Graph error 100\/33/,
    );
    const alert = events.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0];
    expect(alert?.DetailType).toBe('ops.alert');
    expect(JSON.parse(alert?.Detail ?? '{}')).toMatchObject({
      kind: 'dead-lettered',
      destination: 'enrich:meta',
    });
  });

  it('refuses to start for a name that is not an enrichment stage', () => {
    // Act
    const start = () =>
      createEnrichLambda({
        config: { sources: {}, destinations: {} },
        env: {
          [ENVIRONMENT.pipeline]: 'leadpipe',
          [ENVIRONMENT.busName]: 'b',
          [ENVIRONMENT.destination]: 'hubspot',
          [ENVIRONMENT.queueUrl]: 'q',
          [ENVIRONMENT.deadLetterQueueUrl]: 'd',
        },
      });

    // Assess
    expect(start).toThrow(UnknownStageError);
  });
});
