import type { AddressInfo } from 'node:net';
import type { Logger } from '@aws-lambda-powertools/logger';
import { type Consumer, startConsumer } from '../adapters/embedded/consumer.ts';
import type { Durability, EmbeddedDatabase } from '../adapters/embedded/database.ts';
import { removeExpiredDeliveries } from '../adapters/embedded/delivered-store.ts';
import { removeExpiredIdempotencyRecords } from '../adapters/embedded/idempotency-store.ts';
import { removeExpiredLedger } from '../adapters/embedded/ledger.ts';
import { removeExpiredQuarantine } from '../adapters/embedded/quarantine-store.ts';
import type { EmbeddedQueues } from '../adapters/embedded/queues.ts';
import { inWriteScope } from '../adapters/embedded/write-scope.ts';
import { setupFor as hubspotSetupFor } from '../adapters/hubspot/leadpipe-properties.ts';
import { createHubspotSandbox, type HubspotSandboxOptions } from '../adapters/hubspot/sandbox.ts';
import {
  createDestinationClients,
  createReferenceFetcher,
  type SandboxUrls,
  sandboxUrlField,
} from '../adapters/index.ts';
import { createMetaSandbox, type MetaSandboxOptions } from '../adapters/meta/sandbox.ts';
import { createSalesforceSandbox, type SalesforceSandboxOptions } from '../adapters/salesforce/sandbox.ts';
import type { Sandbox } from '../adapters/sandbox/kit.ts';
import { createSlackSandbox, type SlackSandboxOptions } from '../adapters/slack/sandbox.ts';
import { loadPipelineConfig } from '../functions/config/checks.ts';
import { ConfigError } from '../functions/config/errors.ts';
import { createConsoleApi } from '../functions/console/api.ts';
import type { BackoffPolicy } from '../functions/deliver/backoff.ts';
import type { BatchSummary } from '../functions/deliver/deliver.ts';
import { wireDeliver } from '../functions/deliver/wiring.ts';
import { enrichedSenders, referenceSenderOf, stageName } from '../functions/enrich/reference.ts';
import type { ReferenceFetcher, ReferenceSender } from '../functions/enrich/types.ts';
import { ENRICH_BATCH_SIZE, wireEnrich } from '../functions/enrich/wiring.ts';
import type { ThrottleOptions } from '../functions/ingest/throttle.ts';
import { wireIngest } from '../functions/ingest/wiring.ts';
import { redriveRecorded } from '../functions/ledger/redrive.ts';
import { createLogger } from '../functions/observability/logger.ts';
import {
  type AlertPublisher,
  type DeliveredStore,
  type DeliveryQueue,
  LEDGER_KEEP_DAYS,
  type LeadLedger,
  type LeadPublisher,
  type PersonDirectory,
  type SecretResolver,
  type TombstoneStore,
} from '../functions/ports.ts';
import { createReplay } from '../functions/quarantine/replay.ts';
import { decideRoutes } from '../functions/routing/route-decision.ts';
import { resolveSigningSecrets } from '../functions/verify/index.ts';
import { loadApiDocuments } from '../schemas/api-documents.ts';
import type { DestinationConfig, LeadpipeConfig } from '../schemas/generated/config.ts';
import { configVersion, watchConfigFile } from './config-watch.ts';
import { consoleToken } from './console-token.ts';
import { busFor, ensureQueues, openEmbeddedStore } from './embedded-store.ts';
import { createLocalServer, type LocalRoutes, type Readiness } from './http-server.ts';
import { createLiveFeed } from './live-feed.ts';
import { createHostMetrics } from './metrics.ts';
import { createOpsRoutes } from './ops-routes.ts';
import { isLoopback, SettingsError } from './settings.ts';

/** Locally a batch is handled in well under this; a crash is recovered at the next start instead. */
const VISIBILITY_TIMEOUT_SECONDS = 30;
/** While a destination is busy, a partial batch waits at most this long for more leads. */
const GATHER_MS = 300;

/** The vendors with a built-in sandbox: one per destination type, and Meta's Graph API for lead ads sources. */
export type SandboxVendor = DestinationConfig['type'] | 'meta';

/** The sandboxes a host mounted, by vendor: only those some destination uses. */
export type MountedSandboxes = Readonly<Partial<Record<SandboxVendor, Sandbox>>>;

export interface LocalHostOptions {
  config: LeadpipeConfig;
  /**
   * The file `config` was read from: watched, and a valid change applied without a restart (an
   * invalid one is refused and the running config kept). Omitted: the config is fixed (tests).
   */
  configPath?: string;
  /** Told what every config change came to (watched, SIGHUP or reload()). */
  onReload?: (result: ReloadResult) => void;
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
    meta?: MetaSandboxOptions;
  };
  /** Retry timing of every deliver handler (tests shorten it); default createDeliver's. */
  deliverTiming?: { backoff?: BackoffPolicy; blockedDelaySeconds?: number };
  /** False: queues fill but nothing is delivered until startDelivery() (benchmarks measure the drain). Default true. */
  deliver?: boolean;
  /** Overrides the config's per-source ingest rate limits (default 50/s, burst 100; functions/ingest/throttle.ts). */
  throttle?: ThrottleOptions;
  logger?: Logger;
}

/** What a config change came to. */
export type ReloadResult =
  | { status: 'applied'; version: string; changed: string[] }
  | { status: 'unchanged'; version: string }
  /** Nothing was changed: the running config is kept. */
  | { status: 'refused'; version: string; problems: string[] };

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
  published: Readonly<Record<string, number>>;
  /** Publishes lead.received straight to the bus, as ingest would (benchmarks skip the HTTP side). */
  publish: LeadPublisher;
  /** Every lead's timeline, as the console reads it. */
  ledger: LeadLedger;
  /** The console's bearer token (settings.console.token, or <data dir>/console-token). */
  consoleToken: string;
  /** The console page: `<url>/ops`; open it as `<consoleUrl>#token=<consoleToken>`. */
  consoleUrl: string;
  /** Which config is live. */
  configVersion(): { version: string; loadedAt: string };
  /** Reads the config file again and applies it when valid (also on SIGHUP and when the file changes). */
  reload(): Promise<ReloadResult>;
  /** Starts the delivery consumers when the host was started with `deliver: false`. */
  startDelivery(): void;
  end(): Promise<void>;
}

/** How often expired ledger entries are removed while the host runs. */
const LEDGER_SWEEP_MS = 3_600_000;

/**
 * The whole pipeline in one process on the embedded default: one SQLite database behind the same
 * ports the AWS adapters implement, the vendor sandboxes, the real ingest handler behind a local
 * API Gateway, one consumer per destination feeding the real deliver handler, and the ops
 * console. Orchestration only: pieces start in order and end in reverse. What depends on the
 * config (ingest, routing, each destination's consumer, the console API) is rebuilt when it changes.
 */
export async function startLocalHost(options: LocalHostOptions): Promise<LocalHost> {
  const logger = options.logger ?? createLogger({ logLevel: 'WARN' });
  const stack: (() => Promise<void> | void)[] = [];
  const end = async () => {
    for (const stop of stack.reverse()) await Promise.resolve(stop()).catch(() => undefined);
    stack.length = 0;
  };

  try {
    const bindAddress = options.bindAddress ?? '127.0.0.1';
    // Decided before anything starts: a destination that cannot have its sandbox fails the start.
    const mounted = sandboxesToMount(options.config, bindAddress);
    // Every source's secrets must resolve now: a missing one fails the start, not the first webhook.
    await checkSourceSecrets(options.config, options.resolveSecret);
    const store = openEmbeddedStore(options.config, {
      ...(options.dataDir ? { dataDir: options.dataDir } : {}),
      durability: options.durability ?? 'full',
    });
    stack.push(() => store.close());
    const { database, queues } = store;
    // This process is the only consumer: what a previous one left in flight is visible again now.
    queues.releaseInFlight();
    const sweep = () => {
      removeExpiredIdempotencyRecords(database);
      removeExpiredQuarantine(database);
      removeExpiredDeliveries(database);
      removeExpiredLedger(database, live.config.settings?.ledger?.retentionDays ?? LEDGER_KEEP_DAYS);
    };

    const feed = createLiveFeed(store.ledger);
    const ledger = feed.ledger;
    const sandboxes: Partial<Record<SandboxVendor, Sandbox>> = {
      ...createSandboxes(mounted, options.sandboxes, options.config),
    };
    let live = {
      config: options.config,
      version: configVersion(options.config),
      loadedAt: new Date().toISOString(),
    };
    let bus = store.bus;
    const sweepTimer = setInterval(sweep, LEDGER_SWEEP_MS);
    sweepTimer.unref();
    stack.push(() => clearInterval(sweepTimer));
    sweep();

    const deliveryQueues: Record<string, DeliveryQueue> = {};
    const consumers = new Map<string, RunningDestination>();
    const metrics = createHostMetrics({
      sources: Object.keys(options.config.sources),
      queues: deliveryQueues,
      quarantined: async () => (await store.quarantine.list()).length,
    });
    const token = await consoleToken({
      ...(options.dataDir ? { dataDir: options.dataDir } : {}),
      ...(options.config.settings?.console?.token
        ? { configured: await options.resolveSecret(options.config.settings.console.token) }
        : {}),
    });
    let consoleApi: ReturnType<typeof createConsoleApi> | undefined;
    const ops = createOpsRoutes({
      token,
      api: () => {
        if (!consoleApi) throw new Error('The console API is not ready');
        return consoleApi;
      },
      feed,
    });
    stack.push(() => ops.close());
    const routes: LocalRoutes = {
      sandboxes,
      ready: async () =>
        readiness(
          database,
          routes,
          Object.keys(live.config.destinations),
          new Set([...consumers].filter(([, running]) => running.consumer).map(([name]) => name)),
        ),
      metrics: () => metrics.scrape(),
      observeWebhook: (observation) => metrics.observeWebhook(observation),
      ops,
      documents: apiDocuments,
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
    let delivering = options.deliver !== false;

    /** Builds everything that depends on the config; nothing runs until `apply`. */
    const prepare = async (config: LeadpipeConfig, reuse: ReadonlyMap<string, RunningDestination>) => {
      const nextBus = bus === store.bus && config === options.config ? store.bus : busFor(config, queues);
      const ingest = wireIngest({
        config,
        ports: {
          // The host owns its data dir (main.ts refuses a second one), so claims can live in memory.
          idempotency: store.idempotency({ claims: 'memory' }),
          quarantine: store.quarantine,
          shapes: store.shapes,
          publishLeads: nextBus.publishLeads,
          publishAlerts: nextBus.publishAlerts,
          publishReferences: nextBus.publishReferences,
          secrets: options.resolveSecret,
          ledger,
          persons: store.persons,
        },
        logger,
        ...(options.throttle ? { throttle: options.throttle } : {}),
      });
      const destinations = new Map<string, RunningDestination>();
      for (const name of Object.keys(config.destinations)) {
        const same = reuse.get(name);
        if (same && sameDestination(same.config, config, name)) {
          destinations.set(name, same);
          continue;
        }
        destinations.set(name, {
          config,
          start: await prepareConsumer(name, {
            config,
            options,
            queues,
            publishAlerts: nextBus.publishAlerts,
            delivered: store.delivered,
            ledger,
            tombstones: store.tombstones,
            logger,
            // Only the mounted ones: a destination can reach no other sandbox.
            sandboxUrls: Object.fromEntries(
              (Object.keys(sandboxes) as SandboxVendor[]).map((vendor) => [
                vendor,
                `${sandboxUrl}/${vendor}`,
              ]),
            ),
            onBatch: (summary) => metrics.countBatch(name, summary),
          }),
        });
      }
      // Each enrichment stage (enrich:meta) runs like a destination: its own queue, consumer and DLQ.
      for (const sender of enrichedSenders(config)) {
        const name = stageName(sender);
        const same = reuse.get(name);
        if (same && sameStage(same.config, config, sender)) {
          destinations.set(name, same);
          continue;
        }
        destinations.set(name, {
          config,
          start: prepareStage(sender, {
            config,
            options,
            queues,
            publishLeads: nextBus.publishLeads,
            publishAlerts: nextBus.publishAlerts,
            ledger,
            persons: store.persons,
            tombstones: store.tombstones,
            logger,
            sandboxUrls: Object.fromEntries(
              (Object.keys(sandboxes) as SandboxVendor[]).map((vendor) => [
                vendor,
                `${sandboxUrl}/${vendor}`,
              ]),
            ),
          }),
        });
      }
      const replay = createReplay({
        config,
        quarantine: store.quarantine,
        idempotencyStore: store.idempotency({ claims: 'database' }),
        publish: nextBus.publishLeads,
        ledger: { ledger, logger, by: 'console', decideRoutes: decideRoutes(config) },
        persons: store.persons,
        tombstones: store.tombstones,
      });
      return { bus: nextBus, ingest, destinations, replay };
    };

    const apply = async (config: LeadpipeConfig, prepared: Awaited<ReturnType<typeof prepare>>) => {
      ensureQueues(queues, config);
      bus = prepared.bus;
      // One write scope per invocation: the idempotency record and the queue rows commit together.
      // Requests already running finish on the handler they started with.
      routes.ingest = (event, context) => inWriteScope(database, () => prepared.ingest(event, context));
      for (const name of Object.keys(deliveryQueues)) delete deliveryQueues[name];
      for (const name of prepared.destinations.keys()) deliveryQueues[name] = queues.deliveryQueue(name);
      // A destination removed or changed stops after its batch in hand; its queued leads stay queued.
      for (const [name, running] of consumers) {
        if (prepared.destinations.get(name) !== running) await running.consumer?.end();
      }
      consumers.clear();
      for (const [name, running] of prepared.destinations) consumers.set(name, running);
      if (delivering) startAll();
      consoleApi = createConsoleApi({
        config,
        configVersion: { version: live.version, loadedAt: live.loadedAt },
        host: 'local',
        baseUrl: url,
        ledger,
        queues: { ...deliveryQueues },
        quarantine: store.quarantine,
        replay: (leadId) => inWriteScope(database, () => prepared.replay(leadId)),
        redrive: (name, redriveOptions, by) =>
          redriveRecorded(queues.deliveryQueue(name), {
            ledger,
            logger,
            by,
            tombstones: store.tombstones,
            ...redriveOptions,
          }),
      });
    };

    const startAll = () => {
      for (const running of consumers.values()) {
        if (running.consumer) continue;
        running.consumer = running.start();
      }
    };
    stack.push(async () => {
      for (const running of consumers.values()) await running.consumer?.end();
    });

    await apply(options.config, await prepare(options.config, new Map()));

    let reloading: Promise<ReloadResult> = Promise.resolve({ status: 'unchanged', version: live.version });
    const reloadOnce = async (): Promise<ReloadResult> => {
      const path = options.configPath;
      if (!path) return { status: 'unchanged', version: live.version };
      let config: LeadpipeConfig;
      let prepared: Awaited<ReturnType<typeof prepare>>;
      try {
        config = await loadPipelineConfig(path);
        if (configVersion(config) === live.version) return { status: 'unchanged', version: live.version };
        for (const vendor of sandboxesToMount(config, bindAddress)) {
          sandboxes[vendor] ??= createSandboxes([vendor], options.sandboxes, config)[vendor];
        }
        await checkSourceSecrets(config, options.resolveSecret);
        prepared = await prepare(config, consumers);
      } catch (error) {
        const problems = error instanceof ConfigError ? [...error.problems] : [(error as Error).message];
        logger.error('Config change refused: the running config is kept', {
          problems,
          version: live.version,
        });
        return { status: 'refused', version: live.version, problems };
      }
      const changed = changedParts(live.config, config);
      live = { config, version: configVersion(config), loadedAt: new Date().toISOString() };
      await apply(config, prepared);
      feed.announceConfig({ version: live.version, loadedAt: live.loadedAt });
      logger.info('Config change applied', { version: live.version, changed });
      return { status: 'applied', version: live.version, changed };
    };
    // One reload at a time, in order: a change made during a reload is read by the next one.
    const reload = () => {
      reloading = reloading.then(reloadOnce, reloadOnce).then((result) => {
        if (result.status !== 'unchanged') options.onReload?.(result);
        return result;
      });
      return reloading;
    };
    if (options.configPath) {
      const watcher = watchConfigFile(options.configPath, () => void reload());
      stack.push(() => watcher.close());
    }

    return {
      url,
      port,
      sandboxes,
      queues: deliveryQueues,
      database: database.location,
      durability: database.durability,
      get published() {
        return bus.counts;
      },
      publish: (events) => bus.publishLeads(events),
      ledger,
      consoleToken: token,
      consoleUrl: `${url}/ops`,
      configVersion: () => ({ version: live.version, loadedAt: live.loadedAt }),
      reload,
      startDelivery: () => {
        delivering = true;
        startAll();
      },
      end,
    };
  } catch (error) {
    await end();
    throw error;
  }
}

/** A destination's consumer as the host runs it: built for a config, started once delivery runs. */
interface RunningDestination {
  config: LeadpipeConfig;
  start: () => Consumer;
  consumer?: Consumer;
}

/** A destination keeps running across a config change when neither it nor the settings changed. */
function sameDestination(before: LeadpipeConfig, after: LeadpipeConfig, name: string): boolean {
  return (
    JSON.stringify(before.destinations[name]) === JSON.stringify(after.destinations[name]) &&
    JSON.stringify(before.settings ?? {}) === JSON.stringify(after.settings ?? {})
  );
}

/** A stage keeps running when the sources it fetches for, and the settings, did not change. */
function sameStage(before: LeadpipeConfig, after: LeadpipeConfig, sender: ReferenceSender): boolean {
  const of = (config: LeadpipeConfig) =>
    JSON.stringify(
      Object.entries(config.sources).filter(([, source]) => referenceSenderOf(source) === sender),
    );
  return (
    of(before) === of(after) && JSON.stringify(before.settings ?? {}) === JSON.stringify(after.settings ?? {})
  );
}

/** Builds one enrichment stage's handler (a fetcher per source) and returns what starts its consumer. */
function prepareStage(
  sender: ReferenceSender,
  context: {
    config: LeadpipeConfig;
    options: LocalHostOptions;
    queues: EmbeddedQueues;
    publishLeads: LeadPublisher;
    publishAlerts: AlertPublisher;
    ledger: LeadLedger;
    persons: PersonDirectory;
    tombstones: TombstoneStore;
    logger: Logger;
    sandboxUrls: SandboxUrls;
  },
): () => Consumer {
  const { config, options, queues, logger } = context;
  const name = stageName(sender);
  const fetchers = new Map<string, ReferenceFetcher>();
  for (const [source, settings] of Object.entries(config.sources)) {
    if (referenceSenderOf(settings) !== sender) continue;
    const fetcher = createReferenceFetcher(settings, {
      resolveSecret: options.resolveSecret,
      sandboxUrls: context.sandboxUrls,
    });
    if (fetcher) fetchers.set(source, fetcher);
  }
  const queue = queues.deliveryQueue(name);
  const handler = wireEnrich({
    config,
    sender,
    fetchers,
    queue,
    publishLeads: context.publishLeads,
    publishAlerts: context.publishAlerts,
    ledger: context.ledger,
    persons: context.persons,
    tombstones: context.tombstones,
    logger,
    ...(options.deliverTiming ? { timing: options.deliverTiming } : {}),
  });
  return () =>
    startConsumer({
      queue,
      handler,
      batchSize: ENRICH_BATCH_SIZE,
      visibilityTimeoutSeconds: VISIBILITY_TIMEOUT_SECONDS,
      gatherMs: GATHER_MS,
      onSend: (listener) => queues.onSend(name, listener),
      readiness: () => queues.readiness(name),
      queueArn: `arn:aws:sqs:local:000000000000:leadpipe-${name.replace(':', '-')}`,
      onError: (error) => logger.error('Enrichment consumer error', { stage: name, error: error as Error }),
    });
}

/** What a change touched, for the log: `sources.typeform`, `destinations.crm`, `settings`. */
function changedParts(before: LeadpipeConfig, after: LeadpipeConfig): string[] {
  const parts: string[] = [];
  for (const section of ['sources', 'destinations'] as const) {
    const names = new Set([...Object.keys(before[section]), ...Object.keys(after[section])]);
    for (const name of names) {
      if (JSON.stringify(before[section][name]) !== JSON.stringify(after[section][name]))
        parts.push(`${section}.${name}`);
    }
  }
  if (JSON.stringify(before.settings ?? {}) !== JSON.stringify(after.settings ?? {})) parts.push('settings');
  return parts;
}

/** Every source's secrets resolve, and are usable by its scheme: an empty key would verify signatures anyone can make. */
async function checkSourceSecrets(config: LeadpipeConfig, resolveSecret: SecretResolver): Promise<void> {
  for (const [name, source] of Object.entries(config.sources)) {
    await resolveSigningSecrets(name, source.verify, resolveSecret);
    if (source.enrich) await resolveSecret(source.enrich.accessToken);
  }
}

/** The API documents, read once: they are part of what the project ships. */
let documents: { openapi: object; asyncapi: object } | undefined;
function apiDocuments(): { openapi: object; asyncapi: object } {
  const loaded = documents ?? loadApiDocuments();
  documents = loaded;
  return loaded;
}

/**
 * The sandboxes a host listening on `bindAddress` mounts for `config`: the vendors some destination
 * reaches through its sandbox. They have no auth and hold lead data, so beyond loopback none is
 * mounted, and a destination that would need one is a SettingsError naming the field to set.
 */
export function sandboxesToMount(config: LeadpipeConfig, bindAddress: string): SandboxVendor[] {
  const needs: { name: string; vendor: SandboxVendor; field: string }[] = Object.entries(
    config.destinations,
  ).flatMap(([name, destination]) => {
    const field = sandboxUrlField(destination);
    return field ? [{ name, vendor: destination.type, field }] : [];
  });
  // A source that enriches without a baseUrl fetches from its sender's sandbox.
  for (const [name, source] of Object.entries(config.sources)) {
    const sender = referenceSenderOf(source);
    if (sender && source.enrich?.baseUrl === undefined)
      needs.push({ name: `sources.${name}`, vendor: sender, field: 'enrich.baseUrl' });
  }
  if (needs.length > 0 && !isLoopback(bindAddress)) {
    throw new SettingsError(
      `leadpipe listens on ${bindAddress} (LEADPIPE_BIND), not loopback, so it mounts no vendor sandbox (they have no auth and hold lead data), but:\n` +
        needs
          .map(({ name, vendor, field }) =>
            name.startsWith('sources.')
              ? `  - ${name}.${field} is not set, so "${name.slice(8)}" would fetch from the ${vendor} sandbox: set it to the ${vendor} API URL`
              : `  - destinations.${name}.${field} is not set, so "${name}" would deliver to the ${vendor} sandbox: set it to the ${vendor} API URL`,
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
  config?: LeadpipeConfig,
): MountedSandboxes {
  return {
    // As if `leadpipe setup hubspot` had run, so `npm start` needs no manual step (in process: not
    // through the sandbox's fault injection and token checks, which tests set on purpose).
    ...(vendors.includes('hubspot')
      ? {
          hubspot: createHubspotSandbox({
            ...(config ? { installed: hubspotSetupFor(config) } : {}),
            ...options.hubspot,
          }),
        }
      : {}),
    ...(vendors.includes('salesforce') ? { salesforce: createSalesforceSandbox(options.salesforce) } : {}),
    ...(vendors.includes('slack') ? { slack: createSlackSandbox(options.slack) } : {}),
    ...(vendors.includes('meta') ? { meta: createMetaSandbox(options.meta) } : {}),
  };
}

/** Builds one destination's deliver handler (its secrets resolved, its clients made) and returns what starts its consumer. */
async function prepareConsumer(
  name: string,
  context: {
    config: LeadpipeConfig;
    options: LocalHostOptions;
    queues: EmbeddedQueues;
    publishAlerts: AlertPublisher;
    delivered: DeliveredStore;
    ledger: LeadLedger;
    /** Erasure tombstones: an erased person's older leads are dropped. */
    tombstones: TombstoneStore;
    logger: Logger;
    sandboxUrls: SandboxUrls;
    onBatch: (summary: BatchSummary) => void;
  },
): Promise<() => Consumer> {
  const { config, options, queues, logger } = context;
  const destination = config.destinations[name];
  if (!destination) throw new Error(`No destination ${name}`);
  const alerts = config.settings?.alerts;
  const clients = await createDestinationClients(name, destination, {
    resolveSecret: options.resolveSecret,
    sandboxUrls: context.sandboxUrls,
    ...(alerts?.destination === name ? { alertsChannel: alerts.channel } : {}),
    delivered: context.delivered,
  });
  const queue = queues.deliveryQueue(name);
  const handler = wireDeliver({
    config,
    destination: name,
    adapter: clients.adapter,
    ...(clients.opsAlerts ? { opsAlerts: clients.opsAlerts } : {}),
    queue,
    publishAlerts: context.publishAlerts,
    ledger: context.ledger,
    tombstones: context.tombstones,
    logger,
    ...(options.deliverTiming ? { timing: options.deliverTiming } : {}),
    onBatch: context.onBatch,
  });
  return () =>
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
    });
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
