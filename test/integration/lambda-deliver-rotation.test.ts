import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDeliverLambda } from '../../adapters/aws/lambda/deliver-lambda.ts';
import { ENVIRONMENT } from '../../adapters/aws/lambda/environment.ts';
import type { MetricName, PipelineMetrics } from '../../adapters/aws/lambda/metrics.ts';
import { awsSecretResolver, type RefreshableSecretResolver } from '../../adapters/aws/secrets.ts';
import { createHubspotSandbox } from '../../adapters/hubspot/sandbox.ts';
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
const PARAMETER = '/leadpipe/slack-bot-token';

let sqsServer: LocalSqs;
let sqs: SQSClient;
const ssm = mockClient(SSMClient);
const open: RunningSandbox[] = [];
let queueCount = 0;

beforeAll(async () => {
  sqsServer = await startSqs({});
  sqs = new SQSClient({
    endpoint: sqsServer.endpoint,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
});

afterAll(async () => {
  sqs.destroy();
  await sqsServer.end();
  ssm.restore();
});

afterEach(async () => {
  vi.useRealTimers();
  ssm.reset();
  await Promise.all(open.splice(0).map((running) => running.close()));
});

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

/** The SSM parameter now holds `value`, as after `aws ssm put-parameter --overwrite`. */
function storeToken(value: string) {
  ssm.reset();
  ssm.on(GetParameterCommand, { Name: PARAMETER, WithDecryption: true }).resolves({
    Parameter: { Name: PARAMETER, Type: 'SecureString', Value: value },
  });
}

/** The resolver the deployed function uses, recording whether each read bypassed the cache. */
function recordingSsmResolver() {
  const real = awsSecretResolver({ ssm: new SSMProvider({ clientConfig: { region: 'eu-west-1' } }) });
  const forced: boolean[] = [];
  const resolve: RefreshableSecretResolver = (ref, options) => {
    forced.push(options?.forceFetch ?? false);
    return real(ref, options);
  };
  return { resolve, forced };
}

async function build(destination: Record<string, unknown>, secrets: RefreshableSecretResolver) {
  const name = `rotation-${++queueCount}`;
  const queue = await ensureDestinationQueues(sqs, `leadpipe-${name}`, {
    maxAttempts: 3,
    visibilityTimeoutSeconds: 30,
  });
  const config = parseConfig(
    JSON.stringify({
      sources: { demo: { verify: { scheme: 'none' }, mapping: { preset: 'generic' } } },
      destinations: { [name]: destination },
    }),
    'test.json',
    pipelineChecks,
  );
  const eventbridge = new EventBridgeClient({ region: 'eu-west-1' });
  mockClient(eventbridge)
    .on(PutEventsCommand)
    .resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e' }] });
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
    secrets,
    metrics,
    logger: createLogger({ logLevel: 'SILENT' }),
  });
  return { handler, queue, metrics };
}

async function slackSandbox(tokens: string[]): Promise<string> {
  const running = await createSlackSandbox({ tokens }).listen(0);
  open.push(running);
  return `${running.url}/`;
}

describe('deliver Lambda after a secret rotation', () => {
  it('Slack: a warm function refused with the old token re-reads it once and delivers with the new one', async () => {
    // Prepare: the token works, then is rotated (Slack now accepts only the new one) within the cache age.
    const tokens = ['xoxb-old'];
    const baseUrl = await slackSandbox(tokens);
    storeToken('xoxb-old');
    const { resolve, forced } = recordingSsmResolver();
    const { handler, queue, metrics } = await build(
      { type: 'slack', token: `ssm:${PARAMETER}`, channel: '#hot-leads', baseUrl },
      resolve,
    );
    expect(await handler(await receivedFixture(sqs, queue), context)).toEqual({ batchItemFailures: [] });
    tokens.splice(0, 1, 'xoxb-new');
    storeToken('xoxb-new');

    // Act
    const answer = await handler(await receivedFixture(sqs, queue), context);

    // Assess
    expect(answer).toEqual({ batchItemFailures: [] });
    expect(metrics.counted).toEqual(['Delivered', 'Delivered']);
    // The cold start, the forced read after the refusal, and the rebuild (from the refreshed cache).
    expect(forced).toEqual([false, true, false]);
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(1);
  });

  it('Slack: a warm function reads a rotated secret again once it is past the max age, before any refusal', async () => {
    // Prepare
    const tokens = ['xoxb-old'];
    const baseUrl = await slackSandbox(tokens);
    storeToken('xoxb-old');
    const { resolve, forced } = recordingSsmResolver();
    const { handler, queue, metrics } = await build(
      { type: 'slack', token: `ssm:${PARAMETER}`, channel: '#hot-leads', baseUrl },
      resolve,
    );
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-03-01T10:00:00Z'));
    expect(await handler(await receivedFixture(sqs, queue), context)).toEqual({ batchItemFailures: [] });
    tokens.splice(0, 1, 'xoxb-new');
    storeToken('xoxb-new');

    // Act: six minutes later (the max age is five), on the same warm function.
    vi.setSystemTime(new Date('2026-03-01T10:06:00Z'));
    const answer = await handler(await receivedFixture(sqs, queue), context);

    // Assess: read again because of its age (not forced), and the first post used the new token.
    expect(answer).toEqual({ batchItemFailures: [] });
    expect(metrics.counted).toEqual(['Delivered', 'Delivered']);
    // The cold start, the check for its age, and the rebuild (from the refreshed cache): none forced.
    expect(forced).toEqual([false, false, false]);
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(1);
  });

  it('HubSpot: a token rotated between two invocations is delivered with, without the lead being blocked', async () => {
    // Prepare: HubSpot accepts only the new token; the function warmed up with the old one.
    const running = await createHubspotSandbox({ accessTokens: ['pat-new'] }).listen(0);
    open.push(running);
    let stored = 'pat-old';
    const reads: { ref: string; forceFetch: boolean }[] = [];
    const resolve: RefreshableSecretResolver = async (ref, options) => {
      reads.push({ ref, forceFetch: options?.forceFetch ?? false });
      return stored;
    };
    const ref = 'secretsmanager:leadpipe/hubspot#accessToken';
    const { handler, queue, metrics } = await build(
      { type: 'hubspot', accessToken: ref, baseUrl: running.url },
      resolve,
    );
    expect(await handler({ Records: [] }, context)).toEqual({ batchItemFailures: [] });
    stored = 'pat-new';

    // Act
    const answer = await handler(await receivedFixture(sqs, queue), context);

    // Assess
    expect(answer).toEqual({ batchItemFailures: [] });
    expect(metrics.counted).toEqual(['Delivered']);
    expect(reads).toEqual([
      { ref, forceFetch: false },
      { ref, forceFetch: true },
      { ref, forceFetch: false },
    ]);
    const records = (await (await fetch(`${running.url}/__sandbox/records`)).json()) as {
      contacts: { properties: Record<string, string> }[];
    };
    expect(records.contacts.map((contact) => contact.properties.email)).toEqual(['ada@example.com']);
  });
});
