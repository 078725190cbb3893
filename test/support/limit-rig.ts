import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import {
  createDeliverLambda,
  type DeliverLambda,
  forDestinationType,
} from '../../adapters/aws/lambda/deliver-lambda.ts';
import { ENVIRONMENT } from '../../adapters/aws/lambda/environment.ts';
import { createHubspotClients } from '../../adapters/hubspot/destination.ts';
import { createHubspotSandbox, type HubspotSandboxCounts } from '../../adapters/hubspot/sandbox.ts';
import type { RateLimit } from '../../adapters/rate-limit.ts';
import { pipelineChecks } from '../../functions/config/checks.ts';
import { parseConfig } from '../../functions/config/load.ts';
import { createLogger } from '../../functions/observability/logger.ts';
import { type LoggedSandbox, listenLogged, maxInRollingWindow } from './call-log.ts';
import { startTestTable, type TestTable } from './dynamo.ts';

const TABLE = 'leadpipe-deliver-limit';
const FIXTURE = join(import.meta.dirname, '../fixtures/events/sqs/lead-received.json');
const context = {
  functionName: 'deliver-hubspot',
  awsRequestId: 'req-limit',
  getRemainingTimeInMillis: () => 30_000,
} as Context;

/** What one run of concurrent deliver handlers did at the vendor. */
export interface ConcurrentRun {
  /** Messages the handlers reported as failed (left for SQS to deliver again). */
  failures: string[];
  requests: HubspotSandboxCounts;
  /** The most vendor calls that arrived in any rolling window of the limit. */
  maxPerWindow: number;
  seconds: number;
}

/**
 * N deliver handlers (createDeliverLambda, as N concurrent Lambda invocations of one HubSpot
 * destination) against the HubSpot sandbox enforcing `limit`, sharing one dynalite table (the
 * DynamoDB limiter) or, with `shared: false`, each keeping its limit in its own memory.
 */
export interface LimitRig {
  run(options: { handlers: number; invocationsPerHandler: number; shared: boolean }): Promise<ConcurrentRun>;
  end(): Promise<void>;
}

export async function startLimitRig(limit: RateLimit): Promise<LimitRig> {
  const table: TestTable = await startTestTable(TABLE);
  const hubspot: LoggedSandbox = await listenLogged(
    createHubspotSandbox({ rateLimit: { max: limit.requests, intervalMs: limit.perSeconds * 1000 } }),
  );
  let leads = 0;
  const config = parseConfig(
    JSON.stringify({
      sources: { demo: { verify: { scheme: 'none' }, mapping: { preset: 'generic' } } },
      destinations: {
        hubspot: {
          type: 'hubspot',
          accessToken: 'secretsmanager:leadpipe/hubspot',
          baseUrl: hubspot.url,
          rateLimit: limit,
        },
      },
    }),
    'limit-rig.json',
    pipelineChecks,
  );

  /** The fixture's SQS event with a lead of its own: one message per invocation, as a batch of one. */
  const leadEvent = (): SQSEvent => {
    const fixture: SQSEvent = JSON.parse(readFileSync(FIXTURE, 'utf8'));
    const record = fixture.Records[0] as SQSRecord;
    const body = JSON.parse(record.body);
    const index = ++leads;
    body.detail.lead.id = `lead_${index.toString(16).padStart(32, '0')}`;
    body.detail.lead.email = `limit-${index}@example.com`;
    // Sent just now: the fixture's own timestamps are past the retry horizon.
    const now = String(Date.now());
    const attributes = { ...record.attributes, SentTimestamp: now, ApproximateFirstReceiveTimestamp: now };
    return {
      Records: [{ ...record, messageId: `msg-limit-${index}`, body: JSON.stringify(body), attributes }],
    };
  };

  const handler = (shared: boolean): DeliverLambda => {
    // Nothing is retried or dead-lettered when all goes well; a 429 changes a message's visibility.
    const sqs = new SQSClient({ region: 'eu-west-1' });
    mockClient(sqs).onAnyCommand().resolves({});
    const eventbridge = new EventBridgeClient({ region: 'eu-west-1' });
    mockClient(eventbridge).onAnyCommand().resolves({ FailedEntryCount: 0, Entries: [] });
    return createDeliverLambda({
      // What the deployed entry (deliver-hubspot.lambda.ts) passes.
      clients: forDestinationType('hubspot', createHubspotClients),
      config,
      env: {
        [ENVIRONMENT.pipeline]: 'leadpipe',
        [ENVIRONMENT.busName]: 'leadpipe-bus',
        [ENVIRONMENT.destination]: 'hubspot',
        [ENVIRONMENT.queueUrl]: 'https://sqs.eu-west-1.amazonaws.com/111122223333/leadpipe-hubspot',
        [ENVIRONMENT.deadLetterQueueUrl]:
          'https://sqs.eu-west-1.amazonaws.com/111122223333/leadpipe-hubspot-dlq',
        ...(shared ? { [ENVIRONMENT.tableName]: TABLE } : {}),
      },
      sqs,
      eventbridge,
      dynamodb: table.client,
      secrets: async () => 'pat-na1-limit-test',
      metrics: { count() {}, flush() {} },
      logger: createLogger({ logLevel: 'SILENT' }),
    });
  };

  return {
    async run({ handlers, invocationsPerHandler, shared }) {
      hubspot.arrivals.length = 0;
      await fetch(`${hubspot.url}/__sandbox/reset`, { method: 'POST' });
      const started = performance.now();
      // Every handler at once, each taking its invocations one after another, as Lambda does.
      const failures = await Promise.all(
        Array.from({ length: handlers }, () => handler(shared)).map(async (deliver) => {
          const failed: string[] = [];
          for (let i = 0; i < invocationsPerHandler; i++) {
            const answer = await deliver(leadEvent(), context);
            failed.push(...answer.batchItemFailures.map((failure) => failure.itemIdentifier));
          }
          return failed;
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      const { requests } = (await (await fetch(`${hubspot.url}/__sandbox/records`)).json()) as {
        requests: HubspotSandboxCounts;
      };
      const maxPerWindow = maxInRollingWindow(hubspot.arrivals, limit.perSeconds * 1000);
      return { failures: failures.flat(), requests, maxPerWindow, seconds };
    },
    async end() {
      await hubspot.close();
      await table.end();
    },
  };
}
