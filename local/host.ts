import type { AddressInfo } from 'node:net';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { EmbeddedBus } from '../adapters/embedded/bus.ts';
import { type Consumer, startConsumer } from '../adapters/embedded/consumer.ts';
import type { Durability, EmbeddedDatabase } from '../adapters/embedded/database.ts';
import { removeExpiredIdempotencyRecords } from '../adapters/embedded/idempotency-store.ts';
import { removeExpiredQuarantine } from '../adapters/embedded/quarantine-store.ts';
import type { EmbeddedQueues } from '../adapters/embedded/queues.ts';
import { inWriteScope } from '../adapters/embedded/write-scope.ts';
import { createHubspotSandbox, type HubspotSandboxOptions } from '../adapters/hubspot/sandbox.ts';
import { createDestinationClients } from '../adapters/index.ts';
import { createSalesforceSandbox, type SalesforceSandboxOptions } from '../adapters/salesforce/sandbox.ts';
import type { Sandbox } from '../adapters/sandbox/kit.ts';
import { createSlackSandbox, type SlackSandboxOptions } from '../adapters/slack/sandbox.ts';
import type { BackoffPolicy } from '../functions/deliver/backoff.ts';
import { wireDeliver } from '../functions/deliver/wiring.ts';
import type { ThrottleOptions } from '../functions/ingest/throttle.ts';
import { wireIngest } from '../functions/ingest/wiring.ts';
import { createLogger } from '../functions/observability/logger.ts';
import type { DeliveryQueue, SecretResolver } from '../functions/ports.ts';
import type { LeadpipeConfig } from '../schemas/generated/config.ts';
import { openEmbeddedStore } from './embedded-store.ts';
import { createLocalServer, type LocalRoutes } from './http-server.ts';

/** Locally a batch is handled in well under this; a crash is recovered at the next start instead. */
const VISIBILITY_TIMEOUT_SECONDS = 30;
/** While a destination is busy, a partial batch waits at most this long for more leads. */
const GATHER_MS = 300;

export interface LocalHostOptions {
  config: LeadpipeConfig;
  /** Default 3000; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1: nothing listens beyond loopback unless the user asks. */
  bindAddress?: string;
  /** Where the SQLite database lives; omitted: in memory (tests). */
  dataDir?: string;
  /** Default 'full': a 202 means the lead is on disk (adapters/embedded/database.ts). */
  durability?: Durability;
  resolveSecret: SecretResolver;
  /** Options for the embedded vendor sandboxes (fault injection, limits). */
  sandboxes?: {
    hubspot?: HubspotSandboxOptions;
    salesforce?: SalesforceSandboxOptions;
    slack?: SlackSandboxOptions;
  };
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
  /** Each destination's queue and dead-letter queue, as the deliver engine and the CLI see them. */
  queues: Readonly<Record<string, DeliveryQueue>>;
  /** The SQLite database file, or ':memory:'. */
  database: string;
  durability: Durability;
  /** Events the bus accepted, by detail-type: proof of what was (not) published. */
  published: EmbeddedBus['counts'];
  /** Publishes lead.received straight to the bus, as ingest would (benchmarks skip the HTTP side). */
  publish: EmbeddedBus['publishLeads'];
  /** Starts the delivery consumers when the host was started with `deliver: false`. */
  startDelivery(): void;
  end(): Promise<void>;
}

/**
 * The whole pipeline in one process on the embedded default: one SQLite database behind the same
 * ports the AWS adapters implement, the vendor sandboxes, the real ingest handler behind a local
 * API Gateway, and one consumer per destination feeding the real deliver handler. Orchestration
 * only: pieces start in order and end in reverse.
 */
export async function startLocalHost(options: LocalHostOptions): Promise<LocalHost> {
  const { config } = options;
  const logger = options.logger ?? createLogger({ logLevel: 'WARN' });
  const stack: (() => Promise<void> | void)[] = [];
  const end = async () => {
    for (const stop of stack.reverse()) await Promise.resolve(stop()).catch(() => undefined);
    stack.length = 0;
  };

  try {
    // Every source's secrets must resolve now: a missing one fails the start, not the first webhook.
    for (const source of Object.values(config.sources)) {
      await Promise.all((source.verify.secrets ?? []).map((ref) => options.resolveSecret(ref)));
    }
    const store = openEmbeddedStore(config, {
      ...(options.dataDir ? { dataDir: options.dataDir } : {}),
      durability: options.durability ?? 'full',
    });
    stack.push(() => store.close());
    const { database, queues, bus } = store;
    // This process is the only consumer: what a previous one left in flight is visible again now.
    queues.releaseInFlight();
    removeExpiredIdempotencyRecords(database);
    removeExpiredQuarantine(database);

    const sandboxes = {
      hubspot: createHubspotSandbox(options.sandboxes?.hubspot),
      salesforce: createSalesforceSandbox(options.sandboxes?.salesforce),
      slack: createSlackSandbox(options.sandboxes?.slack),
    };
    const consumers: Consumer[] = [];
    const routes: LocalRoutes = {
      sandboxes,
      health: async () => health(database, routes, consumers.length, Object.keys(config.destinations).length),
    };
    const server = createLocalServer(routes);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 3000, options.bindAddress ?? '127.0.0.1', () => resolve());
    });
    stack.push(
      () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    );
    const { port, address } = server.address() as AddressInfo;
    const url = `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
    // The sandboxes are reached over the address the server really listens on.
    const reachable = address === '0.0.0.0' || address === '::' ? '127.0.0.1' : address;
    const sandboxUrl = `${url.replace(address.includes(':') ? `[${address}]` : address, reachable.includes(':') ? `[${reachable}]` : reachable)}/sandbox`;

    const ingest = wireIngest({
      config,
      ports: {
        // The host owns its data dir (main.ts refuses a second one), so claims can live in memory.
        idempotency: store.idempotency({ claims: 'memory' }),
        quarantine: store.quarantine,
        shapes: store.shapes,
        publishLeads: bus.publishLeads,
        publishAlerts: bus.publishAlerts,
        secrets: options.resolveSecret,
      },
      logger,
      ...(options.throttle ? { throttle: options.throttle } : {}),
    });
    // One write scope per invocation: the idempotency record and the queue rows commit together.
    routes.ingest = (event, context) => inWriteScope(database, () => ingest(event, context));

    const startConsumers: (() => void)[] = [];
    for (const name of Object.keys(config.destinations)) {
      startConsumers.push(
        await prepareConsumer(name, {
          options,
          queues,
          bus,
          logger,
          sandboxUrls: {
            hubspot: `${sandboxUrl}/hubspot`,
            salesforce: `${sandboxUrl}/salesforce`,
            slack: `${sandboxUrl}/slack`,
          },
          started: (consumer) => {
            consumers.push(consumer);
            // Consumers end before the server and the database they use.
            stack.push(() => consumer.end());
          },
        }),
      );
    }
    const startDelivery = () => {
      for (const start of startConsumers.splice(0)) start();
    };
    if (options.deliver !== false) startDelivery();

    return {
      url,
      port,
      sandboxes,
      queues: Object.fromEntries(
        Object.keys(config.destinations).map((name) => [name, queues.deliveryQueue(name)]),
      ),
      database: database.location,
      durability: database.durability,
      published: bus.counts,
      publish: bus.publishLeads,
      startDelivery,
      end,
    };
  } catch (error) {
    await end();
    throw error;
  }
}

/** Builds one destination's deliver handler and returns what starts its consumer. */
async function prepareConsumer(
  name: string,
  context: {
    options: LocalHostOptions;
    queues: EmbeddedQueues;
    bus: EmbeddedBus;
    logger: Logger;
    sandboxUrls: { hubspot: string; salesforce: string; slack: string };
    started: (consumer: Consumer) => void;
  },
): Promise<() => void> {
  const { options, queues, logger } = context;
  const destination = options.config.destinations[name];
  if (!destination) throw new Error(`No destination ${name}`);
  const alerts = options.config.settings?.alerts;
  const clients = await createDestinationClients(name, destination, {
    resolveSecret: options.resolveSecret,
    sandboxUrls: context.sandboxUrls,
    ...(alerts?.destination === name ? { alertsChannel: alerts.channel } : {}),
  });
  const queue = queues.deliveryQueue(name);
  const handler = wireDeliver({
    config: options.config,
    destination: name,
    adapter: clients.adapter,
    ...(clients.opsAlerts ? { opsAlerts: clients.opsAlerts } : {}),
    queue,
    publishAlerts: context.bus.publishAlerts,
    logger,
    ...(options.deliverTiming ? { timing: options.deliverTiming } : {}),
  });
  return () =>
    context.started(
      startConsumer({
        queue,
        handler,
        batchSize: Math.min(
          destination.delivery?.batchSize ?? clients.adapter.maxBatchSize,
          clients.adapter.maxBatchSize,
        ),
        visibilityTimeoutSeconds: VISIBILITY_TIMEOUT_SECONDS,
        gatherMs: GATHER_MS,
        onSend: (listener) => queues.onSend(name, listener),
        readiness: () => queues.readiness(name),
        queueArn: `arn:aws:sqs:local:000000000000:leadpipe-${name}`,
        onError: (error) =>
          logger.error('Delivery consumer error', { destination: name, error: error as Error }),
      }),
    );
}

async function health(
  database: EmbeddedDatabase,
  routes: LocalRoutes,
  consumers: number,
  destinations: number,
): Promise<{ ok: boolean; components: Record<string, string> }> {
  const components: Record<string, string> = {};
  try {
    database.db.prepare('SELECT 1').get();
    components.database = 'ok';
  } catch (error) {
    components.database = `down: ${(error as Error).name}`;
  }
  components.ingest = routes.ingest ? 'ok' : 'starting';
  components.delivery = consumers === destinations ? 'ok' : 'starting';
  return { ok: Object.values(components).every((state) => state === 'ok'), components };
}
