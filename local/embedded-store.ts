import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createEmbeddedBus, type EmbeddedBus } from '../adapters/embedded/bus.ts';
import {
  DATABASE_FILE,
  type Durability,
  type EmbeddedDatabase,
  openDatabase,
} from '../adapters/embedded/database.ts';
import { createEmbeddedDeliveredStore } from '../adapters/embedded/delivered-store.ts';
import { SqliteIdempotencyStore } from '../adapters/embedded/idempotency-store.ts';
import { createEmbeddedLedger } from '../adapters/embedded/ledger.ts';
import { createEmbeddedPersonDirectory } from '../adapters/embedded/person-directory.ts';
import { createEmbeddedQuarantineStore } from '../adapters/embedded/quarantine-store.ts';
import { createEmbeddedQueues, type EmbeddedQueues } from '../adapters/embedded/queues.ts';
import { createEmbeddedShapeStore } from '../adapters/embedded/shape-store.ts';
import { createEmbeddedTombstones } from '../adapters/embedded/tombstones.ts';
import { retryPlan } from '../functions/deliver/backoff.ts';
import { enrichedSenders, referenceRules, stageName } from '../functions/enrich/reference.ts';
import { stageHorizonSeconds } from '../functions/enrich/wiring.ts';
import type {
  DeliveredStore,
  LeadLedger,
  PersonDirectory,
  QuarantineStore,
  ShapeStore,
  TombstoneStore,
} from '../functions/ports.ts';
import { opsTopicRules, routingRules } from '../functions/routing/rules.ts';
import type { LeadpipeConfig } from '../schemas/generated/config.ts';

/** The embedded default's adapters over one database, as the local host and the CLI use them. */
export interface EmbeddedStore {
  database: EmbeddedDatabase;
  queues: EmbeddedQueues;
  bus: EmbeddedBus;
  quarantine: QuarantineStore;
  shapes: ShapeStore;
  delivered: DeliveredStore;
  /** Every lead's timeline (settings.ledger.retentionDays). */
  ledger: LeadLedger;
  /** Who each lead is from; kept until erased. One instance per store: it sees its own uncommitted claims. */
  persons: PersonDirectory;
  /** Erasure tombstones (key hashes of erased persons), kept forever. */
  tombstones: TombstoneStore;
  /**
   * A new idempotency layer over the database. Each user gets its own instance: Powertools
   * configures a layer once, for the first idempotent function that uses it.
   */
  idempotency(options?: { claims?: 'database' | 'memory' }): SqliteIdempotencyStore;
  close(): void;
}

/** There is no leadpipe database in the data dir (the CLI never creates one). */
export class NoLocalDataError extends Error {
  override readonly name = 'NoLocalDataError';
}

/**
 * Opens the data dir's database (in memory without one) with the config's destinations' queues
 * and routing rules. `mustExist`: for the CLI, which reads what a host wrote and never starts an
 * empty store by mistake.
 */
export function openEmbeddedStore(
  config: LeadpipeConfig,
  options: { dataDir?: string; durability?: Durability; mustExist?: boolean } = {},
): EmbeddedStore {
  if (options.mustExist && options.dataDir && !existsSync(join(options.dataDir, DATABASE_FILE))) {
    throw new NoLocalDataError(
      `There is no leadpipe database in ${options.dataDir} (${DATABASE_FILE}): start leadpipe once with this ` +
        'LEADPIPE_DATA_DIR (npm start), or point LEADPIPE_DATA_DIR at the data dir you use.',
    );
  }
  const database = openDatabase({
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    ...(options.durability ? { durability: options.durability } : {}),
  });
  const queues = createEmbeddedQueues(database);
  ensureQueues(queues, config);
  return {
    database,
    queues,
    bus: busFor(config, queues),
    quarantine: createEmbeddedQuarantineStore(database),
    shapes: createEmbeddedShapeStore(database),
    delivered: createEmbeddedDeliveredStore(database),
    ledger: createEmbeddedLedger(database, { retentionDays: config.settings?.ledger?.retentionDays }),
    persons: createEmbeddedPersonDirectory(database),
    tombstones: createEmbeddedTombstones(database),
    idempotency: (idempotencyOptions = {}) => new SqliteIdempotencyStore({ database, ...idempotencyOptions }),
    close: () => database.close(),
  };
}

/** A queue and dead-letter queue for every destination of `config` (existing ones keep their messages). */
export function ensureQueues(queues: EmbeddedQueues, config: LeadpipeConfig): void {
  for (const [name, destination] of Object.entries(config.destinations)) {
    // The deliver engine dead-letters a lead itself, with its reason, once its retry horizon is spent;
    // the queue's own limit is the backstop for a handler that crashes on it, as on AWS.
    const plan = retryPlan({ horizonSeconds: destination.delivery?.retryHorizonSeconds });
    queues.ensure(name, { maxReceiveCount: plan.maxReceiveCount });
  }
  // One per enrichment stage (enrich:meta), with the longest horizon of its sources.
  for (const sender of enrichedSenders(config)) {
    const plan = retryPlan({ horizonSeconds: stageHorizonSeconds(config, sender) });
    queues.ensure(stageName(sender), { maxReceiveCount: plan.maxReceiveCount });
  }
}

/** The embedded bus applying `config`'s routing rules over `queues`. */
export function busFor(config: LeadpipeConfig, queues: EmbeddedQueues): EmbeddedBus {
  return createEmbeddedBus({
    rules: [...routingRules(config), ...referenceRules(config)],
    topicRules: opsTopicRules(config),
    ...(config.settings?.alerts?.repeatMinutes !== undefined
      ? { repeatMinutes: config.settings.alerts.repeatMinutes }
      : {}),
    queues,
    destinations: [...Object.keys(config.destinations), ...enrichedSenders(config).map(stageName)],
  });
}
