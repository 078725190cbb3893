import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DLQ_ATTRIBUTES } from '../../adapters/aws/delivery-queue.ts';
import { createDeliverLambda, UnknownDestinationError } from '../../adapters/aws/lambda/deliver-lambda.ts';
import { ENVIRONMENT } from '../../adapters/aws/lambda/environment.ts';
import type { MetricName, PipelineMetrics } from '../../adapters/aws/lambda/metrics.ts';
import { awsSecretResolver } from '../../adapters/aws/secrets.ts';
import { createDestinationClients } from '../../adapters/index.ts';
import type { RunningSandbox } from '../../adapters/sandbox/kit.ts';
import { createSlackSandbox } from '../../adapters/slack/sandbox.ts';
import { pipelineChecks } from '../../functions/config/checks.ts';
import { parseConfig } from '../../functions/config/load.ts';
import { createLogger } from '../../functions/observability/logger.ts';
import { ensureDestinationQueues, type LocalSqs, receivedFixture, startSqs } from '../support/sqs-peer.ts';

const context = {
  functionName: 'deliver',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 30_000,
} as Context;

let sqsServer: LocalSqs;
let sqs: SQSClient;
let slack: RunningSandbox;
const ssm = mockClient(SSMClient);
let queueCount = 0;

beforeAll(async () => {
  sqsServer = await startSqs({});
  sqs = new SQSClient({
    endpoint: sqsServer.endpoint,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  slack = await createSlackSandbox({ channelErrors: { '#archived': 'is_archived' } }).listen(0);
});

afterAll(async () => {
  sqs.destroy();
  await slack.close();
  await sqsServer.end();
  ssm.restore();
});

afterEach(() => ssm.reset());

function recorder(): PipelineMetrics & { counted: MetricName[] } {
  const counted: MetricName[] = [];
  return {
    counted,
    count(name, value = 1) {
      for (let i = 0; i < value; i++) counted.push(name);
    },
    flush() {},
  };
}

async function build(channel: string) {
  const name = `slack-${++queueCount}`;
  const queue = await ensureDestinationQueues(sqs, `leadpipe-${name}`, {
    maxAttempts: 3,
    visibilityTimeoutSeconds: 30,
  });
  const config = parseConfig(
    JSON.stringify({
      settings: { alerts: { destination: name, channel: '#ops' } },
      sources: { demo: { verify: { scheme: 'none' }, mapping: { preset: 'generic' } } },
      destinations: {
        [name]: { type: 'slack', token: 'ssm:/leadpipe/slack-bot-token', channel, baseUrl: `${slack.url}/` },
      },
    }),
    'test.json',
    pipelineChecks,
  );
  ssm.on(GetParameterCommand, { Name: '/leadpipe/slack-bot-token', WithDecryption: true }).resolves({
    Parameter: { Name: '/leadpipe/slack-bot-token', Type: 'SecureString', Value: 'xoxb-test-token' },
  });
  const eventbridge = new EventBridgeClient({ region: 'eu-west-1' });
  const events = mockClient(eventbridge);
  events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e' }] });
  const metrics = recorder();
  const handler = createDeliverLambda({
    clients: createDestinationClients,
    config,
    env: {
      [ENVIRONMENT.pipeline]: 'leadpipe',
      [ENVIRONMENT.busName]: 'leadpipe-bus',
      [ENVIRONMENT.destination]: name,
      [ENVIRONMENT.queueUrl]: queue.queueUrl,
      [ENVIRONMENT.deadLetterQueueUrl]: queue.deadLetterQueueUrl,
    },
    sqs,
    eventbridge,
    secrets: awsSecretResolver({ ssm: new SSMProvider({ clientConfig: { region: 'eu-west-1' } }) }),
    metrics,
    logger: createLogger({ logLevel: 'SILENT' }),
  });
  return { handler, queue, events, metrics };
}

describe('deliver Lambda with a real SQS event', () => {
  it('delivers the lead to Slack with the token from SSM and reports no failures', async () => {
    const { handler, queue, metrics } = await build('#hot-leads');

    const answer = await handler(await receivedFixture(sqs, queue), context);

    expect(answer).toEqual({ batchItemFailures: [] });
    expect(metrics.counted).toEqual(['Delivered']);
    const records = await (await fetch(`${slack.url}/__sandbox/records`)).json();
    expect(JSON.stringify(records)).toContain('Analytical Engines');
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(1);
  });

  it('dead-letters a lead the vendor refuses, with its reason, and raises an ops alert', async () => {
    const { handler, queue, events, metrics } = await build('#archived');

    const answer = await handler(await receivedFixture(sqs, queue), context);

    expect(answer).toEqual({ batchItemFailures: [] });
    expect(metrics.counted).toEqual(['DeadLettered']);
    const dead = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queue.deadLetterQueueUrl,
        MessageAttributeNames: ['All'],
        WaitTimeSeconds: 1,
      }),
    );
    const message = dead.Messages?.[0];
    expect(message?.MessageAttributes?.[DLQ_ATTRIBUTES.reason]?.StringValue).toMatch(/is_archived/);
    expect(message?.MessageAttributes?.[DLQ_ATTRIBUTES.leadId]?.StringValue).toBe(
      'lead_3f1c0e9a7b5d4c2a9e8f7a6b5c4d3e2f',
    );
    const alert = JSON.parse(
      events.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0]?.Detail ?? '{}',
    );
    expect(alert).toMatchObject({ kind: 'dead-lettered', leadId: 'lead_3f1c0e9a7b5d4c2a9e8f7a6b5c4d3e2f' });
  });

  it('fails the whole batch while its secret cannot be read, and reads it again on the next batch', async () => {
    const { handler, queue, metrics } = await build('#hot-leads');
    ssm.reset();
    ssm
      .on(GetParameterCommand)
      .rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    const event = await receivedFixture(sqs, queue);

    await expect(handler(event, context)).rejects.toThrow(/ssm:\/leadpipe\/slack-bot-token/);
    ssm.reset();
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: 'xoxb-test-token' } });
    const answer = await handler(event, context);

    expect(answer).toEqual({ batchItemFailures: [] });
    expect(metrics.counted).toEqual(['Delivered']);
  });

  it('refuses to start for a destination missing from the embedded config', () => {
    expect(() =>
      createDeliverLambda({
        clients: createDestinationClients,
        config: { sources: {}, destinations: {} },
        env: {
          [ENVIRONMENT.pipeline]: 'leadpipe',
          [ENVIRONMENT.busName]: 'b',
          [ENVIRONMENT.destination]: 'hubspot',
          [ENVIRONMENT.queueUrl]: 'q',
          [ENVIRONMENT.deadLetterQueueUrl]: 'd',
        },
      }),
    ).toThrow(UnknownDestinationError);
  });
});
