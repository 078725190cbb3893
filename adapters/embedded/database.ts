import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';

/** The one file the embedded default keeps everything in, inside the data dir. */
export const DATABASE_FILE = 'leadpipe.db';

/**
 * How commits reach the disk. `full`: every durable commit is fsynced before it returns (SQLite
 * WAL with synchronous=FULL), so a 202 means the lead is on disk, through a crash or a power
 * loss. `normal`: written to the OS at commit, fsynced at checkpoints: survives a crash of the
 * process, not of the machine (tests and benchmarks that say so).
 */
export type Durability = 'full' | 'normal';

/** The data dir holds an older leadpipe's emulator state (dynalite / fauxqs) that may still hold leads. */
export class LegacyDataDirError extends Error {
  override readonly name = 'LegacyDataDirError';
}

export interface EmbeddedDatabase {
  readonly db: DatabaseSync;
  /** The database file, or ':memory:'. */
  readonly location: string;
  readonly durability: Durability;
  /**
   * Runs `work` in one transaction. `durable: false` commits without waiting for the disk: for
   * writes whose loss on a power cut harms nothing (an in-progress claim). Callbacks queued with
   * `afterCommit` during `work` run once the commit returned.
   */
  transaction<T>(work: () => T, options?: { durable?: boolean }): T;
  afterCommit(callback: () => void): void;
  /** A prepared statement, prepared once per SQL text: preparing costs more than running. */
  statement(sql: string): StatementSync;
  /**
   * Group commit: `work` runs in a transaction shared with every other grouped work queued in the
   * same turn of the event loop (each in its own savepoint, so one failing rolls back alone), and
   * the promise settles once that transaction is durable. One fsync then covers many 202s.
   */
  commitGrouped(work: () => void): Promise<void>;
  close(): void;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS idempotency (
  key TEXT PRIMARY KEY,
  status TEXT NOT NULL,
  expiry INTEGER NOT NULL,            -- epoch seconds
  in_progress_expiry INTEGER,         -- epoch milliseconds
  data TEXT,                          -- JSON
  payload_hash TEXT
) STRICT;
CREATE TABLE IF NOT EXISTS quarantine (
  lead_id TEXT PRIMARY KEY,
  received_at TEXT NOT NULL,
  expires_at INTEGER NOT NULL,        -- epoch seconds
  entry TEXT NOT NULL                 -- JSON
) STRICT;
CREATE TABLE IF NOT EXISTS shapes (
  source TEXT PRIMARY KEY,
  paths TEXT NOT NULL,
  version INTEGER NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS delivered (
  destination TEXT NOT NULL,
  lead_id TEXT NOT NULL,
  ref TEXT,                           -- JSON DeliveredRef
  expires_at INTEGER NOT NULL,        -- epoch seconds
  PRIMARY KEY (destination, lead_id)
) STRICT;
CREATE TABLE IF NOT EXISTS queues (
  name TEXT PRIMARY KEY,
  dead_letter_queue TEXT,
  max_receive_count INTEGER
) STRICT;
CREATE TABLE IF NOT EXISTS messages (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  queue TEXT NOT NULL,
  body TEXT NOT NULL,
  sent_at INTEGER NOT NULL,           -- epoch ms
  visible_at INTEGER NOT NULL,        -- epoch ms
  receive_count INTEGER NOT NULL DEFAULT 0,
  first_received_at INTEGER,
  receipt TEXT,                       -- handle of the latest receive
  in_flight INTEGER NOT NULL DEFAULT 0,
  why TEXT                            -- JSON DeadLetterReason, in a dead-letter queue
) STRICT;
CREATE INDEX IF NOT EXISTS messages_ready ON messages (queue, visible_at);
CREATE UNIQUE INDEX IF NOT EXISTS messages_receipt ON messages (receipt) WHERE receipt IS NOT NULL;
CREATE TABLE IF NOT EXISTS ledger_leads (
  lead_id TEXT PRIMARY KEY,
  source TEXT NOT NULL,
  received_at TEXT NOT NULL,          -- ISO 8601, UTC, milliseconds: sorts as it reads
  correlation_id TEXT NOT NULL,
  email TEXT,                         -- as normaliseEmail gives it
  phone TEXT,                         -- E.164
  received TEXT NOT NULL              -- JSON LedgerReceived
) STRICT;
CREATE INDEX IF NOT EXISTS ledger_leads_received ON ledger_leads (received_at, lead_id);
CREATE INDEX IF NOT EXISTS ledger_leads_email ON ledger_leads (email, received_at, lead_id) WHERE email IS NOT NULL;
CREATE INDEX IF NOT EXISTS ledger_leads_phone ON ledger_leads (phone, received_at, lead_id) WHERE phone IS NOT NULL;
CREATE INDEX IF NOT EXISTS ledger_leads_correlation ON ledger_leads (correlation_id, received_at, lead_id);
CREATE INDEX IF NOT EXISTS ledger_leads_source ON ledger_leads (source, received_at, lead_id);
-- Keyed by event_key, which starts with the event's time (fixed-width ISO 8601, UTC): key order is
-- time order, so the table itself serves the feed and the sweep, and an event costs two b-tree
-- inserts (the table and the per-lead index) on the ingest path, not four.
CREATE TABLE IF NOT EXISTS ledger_events (
  event_key TEXT PRIMARY KEY,         -- <at>#<lead id>#<kind>#<destination|->#<attempt|->: the event's identity
  lead_id TEXT NOT NULL,
  at TEXT NOT NULL,                   -- ISO 8601, UTC, milliseconds
  kind TEXT NOT NULL,
  body TEXT NOT NULL                  -- JSON LedgerEvent, as appended
) STRICT, WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS ledger_events_lead ON ledger_events (lead_id, event_key);
-- Person identity (adapters/embedded/person-directory.ts): no expiry, only erasure removes it.
CREATE TABLE IF NOT EXISTS persons (
  person_id TEXT PRIMARY KEY,
  first_seen TEXT NOT NULL,           -- ISO 8601: the merge rule's order
  alias_of TEXT                       -- the person this one was merged into (always the final one)
) STRICT;
CREATE INDEX IF NOT EXISTS persons_alias ON persons (alias_of) WHERE alias_of IS NOT NULL;
CREATE TABLE IF NOT EXISTS person_keys (
  key_hash TEXT PRIMARY KEY,          -- SHA-256 of email:<normalised> / phone:<E.164>: no plain PII
  person_id TEXT NOT NULL,
  claimed_at TEXT NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS person_keys_person ON person_keys (person_id);
`;

/**
 * Opens (creating when missing) the embedded default's SQLite database: WAL, one writer, busy
 * waits of up to 5 s for another process (the CLI) holding the write lock. With a data dir, the
 * dir is 0700 and the files 0600: they hold leads' personal data. Without one, in memory (tests).
 */
export function openDatabase(options: { dataDir?: string; durability?: Durability } = {}): EmbeddedDatabase {
  const durability = options.durability ?? 'full';
  const location = options.dataDir ? prepareDataDir(options.dataDir) : ':memory:';
  const db = new DatabaseSync(location, { timeout: 5000 });
  db.exec('PRAGMA journal_mode = WAL');
  db.exec(`PRAGMA synchronous = ${durability === 'full' ? 'FULL' : 'NORMAL'}`);
  db.exec(SCHEMA);
  if (options.dataDir) {
    for (const suffix of ['', '-wal', '-shm']) {
      if (existsSync(location + suffix)) chmodSync(location + suffix, 0o600);
    }
  }

  let group: { work: () => void; resolve: () => void; reject: (error: unknown) => void }[] = [];
  const flushGroup = () => {
    const batch = group;
    group = [];
    const outcomes: (unknown | undefined)[] = [];
    try {
      database.transaction(() => {
        for (const entry of batch) {
          db.exec('SAVEPOINT grouped');
          try {
            entry.work();
            db.exec('RELEASE grouped');
            outcomes.push(undefined);
          } catch (error) {
            db.exec('ROLLBACK TO grouped');
            db.exec('RELEASE grouped');
            outcomes.push(error ?? new Error('grouped write failed'));
          }
        }
      });
    } catch (error) {
      for (const entry of batch) entry.reject(error);
      return;
    }
    batch.forEach((entry, index) => {
      const error = outcomes[index];
      if (error === undefined) entry.resolve();
      else entry.reject(error);
    });
  };
  const statements = new Map<string, StatementSync>();
  let pending: (() => void)[] | undefined;
  let depth = 0;
  const syncFull = durability === 'full';
  const database: EmbeddedDatabase = {
    db,
    location,
    durability,
    transaction(work, transactionOptions = {}) {
      // Nested calls join the outer transaction.
      if (depth > 0) return work();
      const relaxed = syncFull && transactionOptions.durable === false;
      if (relaxed) db.exec('PRAGMA synchronous = NORMAL');
      const callbacks: (() => void)[] = [];
      pending = callbacks;
      depth++;
      db.exec('BEGIN IMMEDIATE');
      let result: ReturnType<typeof work>;
      try {
        result = work();
        db.exec('COMMIT');
      } catch (error) {
        if (db.isTransaction) db.exec('ROLLBACK');
        throw error;
      } finally {
        depth--;
        pending = undefined;
        if (relaxed) db.exec('PRAGMA synchronous = FULL');
      }
      for (const callback of callbacks) callback();
      return result;
    },
    afterCommit(callback) {
      if (pending) pending.push(callback);
      else callback();
    },
    statement(sql) {
      let prepared = statements.get(sql);
      if (!prepared) {
        prepared = db.prepare(sql);
        statements.set(sql, prepared);
      }
      return prepared;
    },
    commitGrouped(work) {
      return new Promise<void>((resolve, reject) => {
        group.push({ work, resolve, reject });
        if (group.length === 1) setImmediate(flushGroup);
      });
    },
    close() {
      if (db.isOpen) db.close();
    },
  };
  return database;
}

/** Creates the data dir (0700) and the database file (0600); refuses an older emulator layout. */
function prepareDataDir(dataDir: string): string {
  const legacy = ['dynamodb', 'sqs'].filter((name) => existsSync(join(dataDir, name)));
  if (legacy.length > 0) {
    throw new LegacyDataDirError(
      `The data dir ${dataDir} holds state from an earlier leadpipe (${legacy.map((name) => `${name}/`).join(', ')}: ` +
        'the DynamoDB and SQS emulators), which this version no longer reads. Leads may still be queued there.\n' +
        '  To keep them: run the earlier version on this data dir until its queues and dead-letter queues are empty ' +
        '(`leadpipe dlq list <destination>`), then move those folders away.\n' +
        '  To start afresh: set LEADPIPE_DATA_DIR to a new directory.',
    );
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  chmodSync(dataDir, 0o700);
  const file = join(dataDir, DATABASE_FILE);
  closeSync(openSync(file, 'a', 0o600));
  return file;
}
