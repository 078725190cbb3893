import type { AddressInfo } from 'node:net';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { EmbeddedBus } from '../adapters/embedded/bus.ts';
import { type Consumer, startConsumer } from '../adapters/embedded/consumer.ts';
import type { Durability, EmbeddedDatabase } from '../adapters/embedded/database.ts';
import { removeExpiredDeliveries } from '../adapters/embedded/delivered-store.ts';
import { removeExpiredIdempotencyRecords } from '../adapters/embedded/idempotency-store.ts';
import { removeExpiredQuarantine } from '../adapters/embedded/quarantine-store.ts';
import type { EmbeddedQueues } from '../adapters/embedded/queues.ts';
import { inWriteScope } from '../adapters/embedded/write-scope.ts';
import { createHubspotSandbox, type HubspotSandboxOptions } from '../adapters/hubspot/sandbox.ts';
import { createDestinationClients, type SandboxUrls, sandboxUrlField } from '../adapters/index.ts';
import { createSalesforceSandbox, type SalesforceSandboxOptions } from '../adapters/salesforce/sandbox.ts';
import type { Sandbox } from '../adapters/sandbox/kit.ts';
import { createSlackSandbox, type SlackSandboxOptions } from '../adapters/slack/sandbox.ts';
import type { BackoffPolicy } from '../functions/deliver/backoff.ts';
import type { BatchSummary } from '../functions/deliver/deliver.ts';
import { wireDeliver } from '../functions/deliver/wiring.ts';
import type { ThrottleOptions } from '../functions/ingest/throttle.ts';
import { wireIngest } from '../functions/ingest/wiring.ts';
import { createLogger } from '../functions/observability/logger.ts';
import type { DeliveredStore, DeliveryQueue, SecretResolver } from '../functions/ports.ts';
import { resolveSigningSecrets } from '../functions/verify/index.ts';
import type { DestinationConfig, LeadpipeConfig } from '../schemas/generated/config.ts';
import { openEmbeddedStore } from './embedded-store.ts';
import { createLocalServer, type LocalRoutes, type Readiness } from './http-server.ts';
import { createHostMetrics } from './metrics.ts';
import { isLoopback, SettingsError } from './settings.ts';

/** Locally a batch is handled in well under this; a crash is recovered at the next start instead. */
const VISIBILITY_TIMEOUT_SECONDS = 30;
/** While a destination is busy, a partial batch waits at most this long for more leads. */
const GATHER_MS = 300;

/** The vendors with a built-in sandbox: one per destination type. */
export type SandboxVendor = DestinationConfig['type'];

/** The sandboxes a host mounted, by vendor: only those some destination uses. */
export type MountedSandboxes = Readonly<Partial<Record<SandboxVendor, Sandbox>>>;

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
  /** Options for the embedded vendor sandboxes (fault injection, limits); a sandbox no destination uses is not mounted. */
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
  /** The sandboxes mounted under /sandbox/: only those a destination uses, none beyond loopback. */
  sandboxes: MountedSandboxes;
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
    const bindAddress = options.bindAddress ?? '127.0.0.1';
    // Decided before anything starts: a destination that cannot have its sandbox fails the start.
    const mounted = sandboxesToMount(config, bindAddress);
    // Every source's secrets must resolve now: a missing one fails the start, not the first webhook.
    // …and be usable by its scheme: an empty key would verify signatures anyone can make.
    for (const [name, source] of Object.entries(config.sources)) {
      await resolveSigningSecrets(name, source.verify, options.resolveSecret);
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
    removeExpiredDeliveries(database);

    const sandboxes = createSandboxes(mounted, options.sandboxes);
    const destinations = Object.keys(config.destinations);
    const deliveryQueues = Object.fromEntries(destinations.map((name) => [name, queues.deliveryQueue(name)]));
    const consuming = new Set<string>();
    const metrics = createHostMetrics({
      sources: Object.keys(config.sources),
      queues: deliveryQueues,
      quarantined: async () => (await store.quarantine.list()).length,
    });
    const routes: LocalRoutes = {
      sandboxes,
      ready: async () => readiness(database, routes, destinations, consuming),
      metrics: () => metrics.scrape(),
      observeWebhook: (observation) => metrics.observeWebhook(observation),
    };
    const server = createLocalServer(routes);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 3000, bindAddress, () => resolve());
    });
    stack.push(
      () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    );
    const { port, address } = server.address() as AddressInfo;
    const url = httpUrl(address, port);
    // The sandboxes are reached over the address the server really listens on.
    const sandboxUrl = `${httpUrl(address === '0.0.0.0' || address === '::' ? '127.0.0.1' : address, port)}/sandbox`;

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
    for (const name of destinations) {
      startConsumers.push(
        await prepareConsumer(name, {
          options,
          queues,
          bus,
          delivered: store.delivered,
          logger,
          // Only the mounted ones: a destination can reach no other sandbox.
          sandboxUrls: Object.fromEntries(mounted.map((vendor) => [vendor, `${sandboxUrl}/${vendor}`])),
          onBatch: (summary) => metrics.countBatch(name, summary),
          started: (consumer) => {
            consuming.add(name);
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
      queues: deliveryQueues,
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

/**
 * The sandboxes a host listening on `bindAddress` mounts for `config`: the vendors some destination
 * reaches through its sandbox. They have no auth and hold lead data, so beyond loopback none is
 * mounted, and a destination that would need one is a SettingsError naming the field to set.
 */
export function sandboxesToMount(config: LeadpipeConfig, bindAddress: string): SandboxVendor[] {
  const needs = Object.entries(config.destinations).flatMap(([name, destination]) => {
    const field = sandboxUrlField(destination);
    return field ? [{ name, vendor: destination.type, field }] : [];
  });
  if (needs.length > 0 && !isLoopback(bindAddress)) {
    throw new SettingsError(
      `leadpipe listens on ${bindAddress} (LEADPIPE_BIND), not loopback, so it mounts no vendor sandbox (they have no auth and hold lead data), but:\n` +
        needs
          .map(
            ({ name, vendor, field }) =>
              `  - destinations.${name}.${field} is not set, so "${name}" would deliver to the ${vendor} sandbox: set it to the ${vendor} API URL`,
          )
          .join('\n') +
        '\nor listen on 127.0.0.1.',
    );
  }
  return [...new Set(needs.map(({ vendor }) => vendor))];
}

function createSandboxes(
  vendors: readonly SandboxVendor[],
  options: LocalHostOptions['sandboxes'] = {},
): MountedSandboxes {
  return {
    ...(vendors.includes('hubspot') ? { hubspot: createHubspotSandbox(options.hubspot) } : {}),
    ...(vendors.includes('salesforce') ? { salesforce: createSalesforceSandbox(options.salesforce) } : {}),
    ...(vendors.includes('slack') ? { slack: createSlackSandbox(options.slack) } : {}),
  };
}

/** Builds one destination's deliver handler and returns what starts its consumer. */
async function prepareConsumer(
  name: string,
  context: {
    options: LocalHostOptions;
    queues: EmbeddedQueues;
    bus: EmbeddedBus;
    delivered: DeliveredStore;
    logger: Logger;
    sandboxUrls: SandboxUrls;
    onBatch: (summary: BatchSummary) => void;
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
    delivered: context.delivered,
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
    onBatch: context.onBatch,
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

/**
 * GET /ready: the database answers, ingest is wired (the config was loaded and its secrets
 * resolved), and each destination's consumer is started (not yet, with `deliver: false`).
 */
export async function readiness(
  database: EmbeddedDatabase,
  routes: LocalRoutes,
  destinations: readonly string[],
  consuming: ReadonlySet<string>,
): Promise<Readiness> {
  const components: Record<string, string> = {};
  try {
    database.db.prepare('SELECT 1').get();
    components.database = 'ok';
  } catch (error) {
    components.database = `down: ${(error as Error).name}`;
  }
  components.ingest = routes.ingest ? 'ok' : 'starting';
  for (const name of destinations)
    components[`delivery:${name}`] = consuming.has(name) ? 'ok' : 'not started';
  return { ready: Object.values(components).every((state) => state === 'ok'), components };
}

/** http://<address>:<port>, an IPv6 address in brackets. */
function httpUrl(address: string, port: number): string {
  return `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
}
