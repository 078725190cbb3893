import {
  IdempotencyItemAlreadyExistsError,
  IdempotencyItemNotFoundError,
  IdempotencyRecordStatus,
} from '@aws-lambda-powertools/idempotency';
import { BasePersistenceLayer, IdempotencyRecord } from '@aws-lambda-powertools/idempotency/persistence';
import type { EmbeddedDatabase } from './database.ts';
import { takeStaged } from './write-scope.ts';

interface Row {
  key: string;
  status: string;
  expiry: number;
  in_progress_expiry: number | null;
  data: string | null;
  payload_hash: string | null;
}

export interface SqliteIdempotencyStoreOptions {
  database: EmbeddedDatabase;
  /**
   * Where in-progress claims live. `database` (default): an INPROGRESS row, like Powertools'
   * DynamoDB layer, for processes sharing the file (the CLI's replays). `memory`: for the one
   * process that owns the data dir (the local host, which refuses to start beside another): a
   * claim costs no write, and a crash releases it at once instead of making the sender's
   * retries wait out the in-progress expiry.
   */
  claims?: 'database' | 'memory';
}

/**
 * Powertools idempotency on the embedded SQLite database, with the semantics of its DynamoDB
 * layer: a record can be claimed when absent, expired, or in progress past its in-progress
 * expiry. Completing a record also commits the writes staged in the invocation's write scope
 * (the lead's queue rows), in the same transaction (write-scope.ts), grouped with the other
 * completions of the same moment so that one fsync covers them all.
 */
export class SqliteIdempotencyStore extends BasePersistenceLayer {
  readonly #database: EmbeddedDatabase;
  readonly #claims: Map<string, IdempotencyRecord> | undefined;

  constructor(options: SqliteIdempotencyStoreOptions) {
    super();
    this.#database = options.database;
    this.#claims = options.claims === 'memory' ? new Map() : undefined;
  }

  protected async _getRecord(idempotencyKey: string): Promise<IdempotencyRecord> {
    const claim = this.#claims?.get(idempotencyKey);
    if (claim) return claim;
    const row = this.#select(idempotencyKey);
    if (!row) throw new IdempotencyItemNotFoundError(`No idempotency record for ${idempotencyKey}`);
    return toRecord(row);
  }

  protected async _putRecord(record: IdempotencyRecord): Promise<void> {
    if (this.#claims) return this.#claimInMemory(record);
    const now = Date.now();
    // The claim need not be fsynced: if a power cut loses it, nothing was acknowledged.
    const claimed = this.#database.transaction(
      () =>
        this.#database
          .statement(
            `INSERT INTO idempotency (key, status, expiry, in_progress_expiry, data, payload_hash)
             VALUES (?, ?, ?, ?, NULL, ?)
             ON CONFLICT (key) DO UPDATE SET
               status = excluded.status, expiry = excluded.expiry,
               in_progress_expiry = excluded.in_progress_expiry, data = NULL,
               payload_hash = excluded.payload_hash
             WHERE idempotency.expiry < ?
                OR (idempotency.status = ? AND idempotency.in_progress_expiry IS NOT NULL
                    AND idempotency.in_progress_expiry < ?)`,
          )
          .run(
            record.idempotencyKey,
            record.getStatus(),
            record.expiryTimestamp ?? 0,
            record.inProgressExpiryTimestamp ?? null,
            record.payloadHash ?? null,
            now / 1000,
            IdempotencyRecordStatus.INPROGRESS,
            now,
          ).changes > 0,
      { durable: false },
    );
    if (!claimed) {
      const existing = this.#select(record.idempotencyKey);
      throw new IdempotencyItemAlreadyExistsError(
        `Failed to put record for already existing idempotency key: ${record.idempotencyKey}`,
        existing ? toRecord(existing) : undefined,
      );
    }
  }

  protected async _updateRecord(record: IdempotencyRecord): Promise<void> {
    const staged = takeStaged();
    try {
      await this.#database.commitGrouped(() => {
        for (const work of staged) work(this.#database);
        this.#database
          .statement(
            `INSERT INTO idempotency (key, status, expiry, in_progress_expiry, data, payload_hash)
             VALUES (?, ?, ?, NULL, ?, ?)
             ON CONFLICT (key) DO UPDATE SET status = excluded.status, expiry = excluded.expiry,
               in_progress_expiry = NULL, data = excluded.data`,
          )
          .run(
            record.idempotencyKey,
            record.getStatus(),
            record.expiryTimestamp ?? 0,
            record.responseData === undefined ? null : JSON.stringify(record.responseData),
            record.payloadHash ?? null,
          );
      });
    } finally {
      this.#claims?.delete(record.idempotencyKey);
    }
  }

  protected async _deleteRecord(record: IdempotencyRecord): Promise<void> {
    // The handler failed: what it staged must not be committed without its record.
    takeStaged();
    if (this.#claims) {
      this.#claims.delete(record.idempotencyKey);
      return;
    }
    this.#database.transaction(
      () => this.#database.statement('DELETE FROM idempotency WHERE key = ?').run(record.idempotencyKey),
      { durable: false },
    );
  }

  /** The in-memory claim: refused while another claim or an unexpired completed record exists. */
  #claimInMemory(record: IdempotencyRecord): void {
    const claims = this.#claims as Map<string, IdempotencyRecord>;
    const held = claims.get(record.idempotencyKey);
    const now = Date.now();
    if (held && (held.inProgressExpiryTimestamp === undefined || held.inProgressExpiryTimestamp >= now)) {
      throw new IdempotencyItemAlreadyExistsError(
        `Failed to put record for in-progress idempotency key: ${record.idempotencyKey}`,
        held,
      );
    }
    const stored = this.#select(record.idempotencyKey);
    if (stored && stored.expiry >= now / 1000 && stored.status !== IdempotencyRecordStatus.INPROGRESS) {
      throw new IdempotencyItemAlreadyExistsError(
        `Failed to put record for already existing idempotency key: ${record.idempotencyKey}`,
        toRecord(stored),
      );
    }
    claims.set(record.idempotencyKey, record);
  }

  #select(key: string): Row | undefined {
    return this.#database.statement('SELECT * FROM idempotency WHERE key = ?').get(key) as Row | undefined;
  }
}

function toRecord(row: Row): IdempotencyRecord {
  return new IdempotencyRecord({
    idempotencyKey: row.key,
    status: row.status as (typeof IdempotencyRecordStatus)[keyof typeof IdempotencyRecordStatus],
    expiryTimestamp: row.expiry,
    ...(row.in_progress_expiry === null ? {} : { inProgressExpiryTimestamp: row.in_progress_expiry }),
    responseData: row.data === null ? undefined : JSON.parse(row.data),
    ...(row.payload_hash === null ? {} : { payloadHash: row.payload_hash }),
  });
}

/** Removes idempotency records past their expiry (DynamoDB's TTL does this on AWS). */
export function removeExpiredIdempotencyRecords(database: EmbeddedDatabase, now = Date.now()): number {
  return Number(
    database.transaction(() =>
      database.statement('DELETE FROM idempotency WHERE expiry < ?').run(Math.floor(now / 1000)),
    ).changes,
  );
}
