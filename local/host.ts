import type { AddressInfo } from 'node:net';
import type { Logger } from '@aws-lambda-powertools/logger';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { ListQueuesCommand } from '@aws-sdk/client-sqs';
import { createAwsClients, destroyAwsClients } from '../adapters/aws/clients.ts';
import { createIdempotencyStore } from '../adapters/aws/idempotency-store.ts';
import { createAlertPublisher, createLeadPublisher } from '../adapters/aws/publisher.ts';
import { createQuarantineStore } from '../adapters/aws/quarantine-store.ts';
import { createShapeStore } from '../adapters/aws/shape-store.ts';
import { createHubspotSandbox, type HubspotSandboxOptions } from '../adapters/hubspot/sandbox.ts';
import { createDestinationClients } from '../adapters/index.ts';
import { createSalesforceSandbox, type SalesforceSandboxOptions } from '../adapters/salesforce/sandbox.ts';
import type { Sandbox } from '../adapters/sandbox/kit.ts';
import { createSlackSandbox, type SlackSandboxOptions } from '../adapters/slack/sandbox.ts';
import type { BackoffPolicy } from '../functions/deliver/backoff.ts';
import { createDeliver } from '../functions/deliver/deliver.ts';
import { createShapeObserver } from '../functions/drift/observer.ts';
import { createIngestHandler } from '../functions/ingest/handler.ts';
import {
  createSourceThrottle,
  type ThrottleOptions,
  throttleOptionsFrom,
} from '../functions/ingest/throttle.ts';
import { createLogger } from '../functions/observability/logger.ts';
import type { SecretResolver } from '../functions/ports.ts';
import { routingRules } from '../functions/routing/rules.ts';
import type { LeadpipeConfig } from '../schemas/generated/config.ts';
import { startDynamo } from './dynamodb.ts';
import { startLocalBus } from './eventbridge.ts';
import { createLocalServer, type LocalRoutes } from './http-server.ts';
import { type Poller, startPoller } from './poller.ts';
import { type DestinationQueues, ensureDestinationQueues, startSqs } from './sqs.ts';

export const LOCAL_TABLE = 'leadpipe-local';
export const LOCAL_BUS = 'leadpipe-local';
/** Locally a batch is handled in well under this; on AWS the queue's timeout is 6 x the function timeout. */
const VISIBILITY_TIMEOUT_SECONDS = 30;

export interface LocalHostOptions {
  config: LeadpipeConfig;
  /** Default 3000; 0 picks a free port. Always bound to 127.0.0.1. */
  port?: number;
  /** Where dynalite and fauxqs persist; omitted: in memory (tests). */
  dataDir?: string;
  resolveSecret: SecretResolver;
  /** Options for the embedded vendor sandboxes (fault injection, limits). */
  sandboxes?: {
    hubspot?: HubspotSandboxOptions;
    salesforce?: SalesforceSandboxOptions;
    slack?: SlackSandboxOptions;
  };
  /** Invocations of each destination's deliver handler running at once. */
  deliverConcurrency?: number;
  /** Retry timing of every deliver handler (tests shorten it); default createDeliver's. */
  deliverTiming?: { backoff?: BackoffPolicy; blockedDelaySeconds?: number };
  /** False: queues fill but nothing is delivered until startDelivery() (benchmarks measure the drain). Default true. */
  deliver?: boolean;
  /** Overrides the config's per-source ingest rate limits (default 50/s, burst 100; functions/ingest/throttle.ts). */
  throttle?: ThrottleOptions;
  logger?: Logger;
}

export interface LocalHost {
  url: string;
  port: number;
  sandboxes: { hubspot: Sandbox; salesforce: Sandbox; slack: Sandbox };
  queues: Readonly<Record<string, DestinationQueues>>;
  /** Endpoints of the embedded AWS peers, for the CLI and tests. */
  endpoints: { dynamodb: string; sqs: string; eventbridge: string };
  /** Events the local bus accepted, by detail-type: proof of what was (not) published. */
  published: Readonly<Record<string, number>>;
  /** Starts the delivery pollers when the host was started with `deliver: false`. */
  startDelivery(): void;
  end(): Promise<void>;
}

/**
 * Runs the whole pipeline in one process: dynalite and fauxqs (persisted in the data dir), the
 * EventBridge stand-in, the vendor sandboxes, the real ingest handler behind a local API Gateway,
 * and one SQS poller per destination feeding the real deliver handler. Pieces start in order and
 * end in reverse.
 */
export async function startLocalHost(options: LocalHostOptions): Promise<LocalHost> {
  const { config } = options;
  const logger = options.logger ?? createLogger({ logLevel: 'WARN' });
  const stack: (() => Promise<void>)[] = [];
  const end = async () => {
    for (const stop of stack.reverse()) await stop().catch(() => undefined);
    stack.length = 0;
  };

  try {
    // Every source's secrets must resolve now: a missing one fails the start, not the first webhook.
    for (const source of Object.values(config.sources)) {
      await Promise.all((source.verify.secrets ?? []).map((ref) => options.resolveSecret(ref)));
    }
    const dynamo = await startDynamo({ dataDir: options.dataDir, tableName: LOCAL_TABLE });
    stack.push(dynamo.end);
    const sqsServer = await startSqs({ dataDir: options.dataDir });
    stack.push(sqsServer.end);
    const clients = createAwsClients({ dynamodb: dynamo.endpoint, sqs: sqsServer.endpoint });
    stack.push(async () => destroyAwsClients(clients));

    const queues: Record<string, DestinationQueues> = {};
    for (const [name, destination] of Object.entries(config.destinations)) {
      queues[name] = await ensureDestinationQueues(clients.sqs, `leadpipe-${name}`, {
        maxAttempts: destination.delivery?.maxAttempts ?? 8,
        // A batch may wait out its window before the handler runs: keep messages hidden for both.
        visibilityTimeoutSeconds:
          VISIBILITY_TIMEOUT_SECONDS + 2 * Math.ceil(destination.delivery?.batchWindowSeconds ?? 1),
      });
    }
    const bus = await startLocalBus({
      busName: LOCAL_BUS,
      rules: routingRules(config),
      queues: Object.fromEntries(Object.entries(queues).map(([name, queue]) => [name, queue.queueUrl])),
      sqs: clients.sqs,
    });
    stack.push(bus.end);
    const events = createAwsClients({ eventbridge: bus.endpoint }).eventbridge;
    stack.push(async () => events.destroy());

    const sandboxes = {
      hubspot: createHubspotSandbox(options.sandboxes?.hubspot),
      salesforce: createSalesforceSandbox(options.sandboxes?.salesforce),
      slack: createSlackSandbox(options.sandboxes?.slack),
    };
    const pollers: Poller[] = [];
    const routes: LocalRoutes = {
      sandboxes,
      health: async () => {
        const components: Record<string, string> = {};
        const check = async (name: string, probe: () => Promise<unknown>) => {
          try {
            await probe();
            components[name] = 'ok';
          } catch (error) {
            components[name] = `down: ${(error as Error).name}`;
          }
        };
        await check('dynamodb', () => clients.dynamodb.send(new ListTablesCommand({})));
        await check('sqs', () => clients.sqs.send(new ListQueuesCommand({})));
        components.eventbridge = 'ok';
        components.ingest = routes.ingest ? 'ok' : 'starting';
        components.delivery = pollers.length === Object.keys(queues).length ? 'ok' : 'starting';
        return { ok: Object.values(components).every((state) => state === 'ok'), components };
      },
    };
    const server = createLocalServer(routes);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 3000, '127.0.0.1', () => resolve());
    });
    stack.push(
      () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    );
    const port = (server.address() as AddressInfo).port;
    const url = `http://127.0.0.1:${port}`;

    const publishOptions = { client: events, busName: LOCAL_BUS };
    const raiseAlerts = createAlertPublisher(publishOptions);
    routes.ingest = createIngestHandler({
      config,
      secrets: options.resolveSecret,
      idempotencyStore: createIdempotencyStore(clients.dynamodb, LOCAL_TABLE),
      quarantine: createQuarantineStore(clients.dynamodb, LOCAL_TABLE),
      publish: createLeadPublisher(publishOptions),
      raiseAlerts,
      observeShape: createShapeObserver({
        store: createShapeStore(clients.dynamodb, LOCAL_TABLE),
        raiseAlerts,
        logger,
      }),
      throttle: createSourceThrottle({ ...throttleOptionsFrom(config), ...options.throttle }),
      logger,
    });

    const startPollers: (() => void)[] = [];
    const sandboxUrls = {
      hubspot: `${url}/sandbox/hubspot`,
      salesforce: `${url}/sandbox/salesforce`,
      slack: `${url}/sandbox/slack`,
    };
    const alerts = config.settings?.alerts;
    for (const [name, destination] of Object.entries(config.destinations)) {
      const queue = queues[name] as DestinationQueues;
      const { adapter, opsAlerts } = await createDestinationClients(name, destination, {
        resolveSecret: options.resolveSecret,
        sandboxUrls,
        ...(alerts?.destination === name ? { alertsChannel: alerts.channel } : {}),
      });
      const deliver = createDeliver({
        destination: name,
        adapter,
        ...(opsAlerts ? { opsAlerts } : {}),
        sqs: clients.sqs,
        queueUrl: queue.queueUrl,
        deadLetterQueueUrl: queue.deadLetterQueueUrl,
        maxAttempts: destination.delivery?.maxAttempts ?? 8,
        ...options.deliverTiming,
        raiseAlerts,
        logger,
      });
      startPollers.push(() => {
        const poller = startPoller({
          sqs: clients.sqs,
          queueUrl: queue.queueUrl,
          queueArn: queue.queueArn,
          handler: deliver,
          batchSize: Math.min(destination.delivery?.batchSize ?? adapter.maxBatchSize, adapter.maxBatchSize),
          batchWindowMs: (destination.delivery?.batchWindowSeconds ?? 1) * 1000,
          concurrency: options.deliverConcurrency ?? 2,
          onError: (error) =>
            logger.error('Delivery poller error', { destination: name, error: error as Error }),
        });
        pollers.push(poller);
        // Pollers end before the server and the emulators they call.
        stack.push(() => poller.end());
      });
    }
    const startDelivery = () => {
      for (const start of startPollers.splice(0)) start();
    };
    if (options.deliver !== false) startDelivery();

    return {
      url,
      port,
      sandboxes,
      queues,
      endpoints: { dynamodb: dynamo.endpoint, sqs: sqsServer.endpoint, eventbridge: bus.endpoint },
      published: bus.counts,
      startDelivery,
      end,
    };
  } catch (error) {
    await end();
    throw error;
  }
}
