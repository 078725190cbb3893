import { randomUUID } from 'node:crypto';
import { messageMatches } from '../../functions/erasure/match.ts';
import type {
  DeadLetterReason,
  DeliveryQueue,
  QueueDepth,
  QueueMessage,
  RedriveResult,
  StoredDeadLetter,
} from '../../functions/ports.ts';
import type { EmbeddedDatabase } from './database.ts';
import { write } from './write-scope.ts';

/** The dead-letter queue of a destination's queue. */
export const deadLetterQueueName = (destination: string) => `${destination}-dlq`;

/** Rows moved per redrive transaction: small enough to keep the write lock briefly. */
const REDRIVE_CHUNK = 100;

export interface Readiness {
  ready: number;
  /** When the next hidden or delayed message becomes visible (epoch ms). */
  nextVisibleAt?: number;
}

interface MessageRow {
  seq: number;
  id: string;
  body: string;
  sent_at: number;
  receive_count: number;
  first_received_at: number | null;
  why: string | null;
}

export interface EmbeddedQueues {
  /** Creates a destination's queue and dead-letter queue, or updates the receive limit. */
  ensure(destination: string, settings: { maxReceiveCount: number }): void;
  /**
   * Adds messages to a queue. Inside a write scope the insert is staged and commits with the
   * invocation's idempotency record; consumers are woken once it is committed.
   */
  send(queue: string, bodies: readonly string[]): void;
  /** The destination's queue as the deliver engine, the consumer and the CLI use it. */
  deliveryQueue(destination: string): DeliveryQueue;
  /** Calls `listener` after each commit that made messages ready on `queue`; returns an unsubscribe. */
  onSend(queue: string, listener: () => void): () => void;
  /** What a consumer needs to decide: how many are ready, and when the next hidden one will be. */
  readiness(queue: string): Readiness;
  /**
   * Makes every message still held by a receive visible again. Only at start: the one process
   * that received them is gone, so there is no need to wait out their visibility timeouts.
   */
  releaseInFlight(): number;
}

/**
 * SQS's semantics on the embedded database: a received message is hidden for its visibility
 * timeout and comes back unless deleted; every receive counts; a receive past the queue's
 * maxReceiveCount moves the message to the dead-letter queue instead (SQS's redrive policy);
 * moves between queues are single transactions, so a message is never in both or in neither.
 * Bodies are stored as given: any Unicode a lead has.
 */
export function createEmbeddedQueues(
  database: EmbeddedDatabase,
  now: () => number = Date.now,
): EmbeddedQueues {
  const listeners = new Map<string, Set<() => void>>();
  const notify = (queue: string) => {
    for (const listener of listeners.get(queue) ?? []) listener();
  };

  const insert = database.statement(
    'INSERT INTO messages (id, queue, body, sent_at, visible_at) VALUES (?, ?, ?, ?, ?)',
  );
  const settle = {
    delete: database.statement('DELETE FROM messages WHERE queue = ? AND receipt = ?'),
    retry: database.statement(
      'UPDATE messages SET visible_at = ?, in_flight = 0 WHERE queue = ? AND receipt = ?',
    ),
    move: database.statement(
      `UPDATE messages SET queue = ?, why = ?, receipt = NULL, in_flight = 0, receive_count = 0,
         first_received_at = NULL, sent_at = ?, visible_at = ?
       WHERE queue = ? AND receipt = ?`,
    ),
  };

  const readinessQuery = database.statement(
    `SELECT COALESCE(SUM(visible_at <= ?1), 0) AS ready,
       MIN(CASE WHEN visible_at > ?1 THEN visible_at END) AS next
     FROM messages WHERE queue = ?2`,
  );

  function sendNow(queue: string, bodies: readonly string[], delayMs = 0): void {
    const at = now();
    for (const body of bodies) insert.run(randomUUID(), queue, body, at, at + delayMs);
    database.afterCommit(() => notify(queue));
  }

  function receive(queue: string, max: number, visibilityTimeoutSeconds: number): QueueMessage[] {
    return database.transaction(() => {
      const at = now();
      const limit = database
        .statement('SELECT dead_letter_queue, max_receive_count FROM queues WHERE name = ?')
        .get(queue) as { dead_letter_queue: string | null; max_receive_count: number | null } | undefined;
      const rows = database
        .statement(
          'SELECT seq, id, body, sent_at, receive_count, first_received_at FROM messages WHERE queue = ? AND visible_at <= ? ORDER BY visible_at, seq LIMIT ?',
        )
        .all(queue, at, max) as unknown as MessageRow[];
      const received: QueueMessage[] = [];
      for (const row of rows) {
        if (
          limit?.dead_letter_queue &&
          limit.max_receive_count &&
          row.receive_count >= limit.max_receive_count
        ) {
          // The redrive policy: received too often without being deleted (a handler that crashes on it).
          database
            .statement(
              `UPDATE messages SET queue = ?, why = NULL, receipt = NULL, in_flight = 0, sent_at = ?, visible_at = ?
             WHERE seq = ?`,
            )
            .run(limit.dead_letter_queue, at, at, row.seq);
          continue;
        }
        const receiptHandle = randomUUID();
        const firstReceivedAt = row.first_received_at ?? at;
        database
          .statement(
            `UPDATE messages SET receive_count = receive_count + 1, first_received_at = ?, receipt = ?,
             in_flight = 1, visible_at = ? WHERE seq = ?`,
          )
          .run(firstReceivedAt, receiptHandle, at + visibilityTimeoutSeconds * 1000, row.seq);
        received.push({
          messageId: row.id,
          receiptHandle,
          body: row.body,
          receiveCount: row.receive_count + 1,
          sentAt: row.sent_at,
          firstReceivedAt,
        });
      }
      return received;
    });
  }

  function depth(queue: string): QueueDepth {
    const row = database
      .statement(
        `SELECT
           COALESCE(SUM(visible_at <= ?1), 0) AS visible,
           COALESCE(SUM(visible_at > ?1 AND receipt IS NOT NULL), 0) AS inFlight,
           COALESCE(SUM(visible_at > ?1 AND receipt IS NULL), 0) AS delayed,
           MIN(sent_at) AS oldest
         FROM messages WHERE queue = ?2`,
      )
      .get(now(), queue) as { visible: number; inFlight: number; delayed: number; oldest: number | null };
    return {
      visible: row.visible,
      inFlight: row.inFlight,
      delayed: row.delayed,
      ...(row.oldest === null ? {} : { oldestSentAt: row.oldest }),
    };
  }

  /**
   * Moves dead letters back, REDRIVE_CHUNK per transaction, oldest first: all of them, or only
   * those named by `messageIds` (unknown ids match nothing), at most `limit`. Each chunk is one
   * UPDATE that returns what it moved, handed to `onMoved` once committed.
   */
  function redrive(
    destination: string,
    options: Parameters<DeliveryQueue['redrive']>[0] & object,
  ): RedriveResult {
    const dlq = deadLetterQueueName(destination);
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    const ids = options.messageIds ? JSON.stringify([...new Set(options.messageIds)]) : undefined;
    // Every dead letter, or only the named ones.
    const chosen = ids === undefined ? '' : 'AND id IN (SELECT value FROM json_each(?4))';
    const available =
      ids === undefined
        ? depth(dlq).visible
        : (
            database
              .statement(
                'SELECT COUNT(*) AS n FROM messages WHERE queue = ? AND id IN (SELECT value FROM json_each(?))',
              )
              .get(dlq, ids) as { n: number }
          ).n;
    const total = Math.min(limit, available);
    const result: RedriveResult = { moved: 0, failed: 0, total, errors: [] };
    options.onProgress?.({ moved: 0, failed: 0, total });
    const move = database.statement(
      `UPDATE messages SET queue = ?1, why = NULL, receipt = NULL, in_flight = 0, receive_count = 0,
         first_received_at = NULL, sent_at = ?2, visible_at = ?2
       WHERE seq IN (SELECT seq FROM messages WHERE queue = ?3 ${chosen} ORDER BY seq LIMIT ?5)
       RETURNING id, body`,
    );
    while (result.moved < total) {
      const moved = database.transaction(() => {
        const size = Math.min(REDRIVE_CHUNK, total - result.moved);
        return move.all(destination, now(), dlq, ids ?? null, size) as unknown as {
          id: string;
          body: string;
        }[];
      });
      if (moved.length === 0) break;
      notify(destination);
      result.moved += moved.length;
      options.onMoved?.(moved.map((row) => ({ messageId: row.id, body: row.body })));
      options.onProgress?.({ moved: result.moved, failed: 0, total });
    }
    return result;
  }

  function deliveryQueue(destination: string): DeliveryQueue {
    const dlq = deadLetterQueueName(destination);
    const moveToDeadLetters = (message: { receiptHandle: string }, why: DeadLetterReason) =>
      write(database, () => {
        const at = now();
        settle.move.run(dlq, JSON.stringify(why), at, at, destination, message.receiptHandle);
      });
    return {
      destination,
      async receive(max, visibilityTimeoutSeconds) {
        return receive(destination, max, visibilityTimeoutSeconds);
      },
      async delete(receiptHandles) {
        if (receiptHandles.length === 0) return;
        write(database, () => {
          for (const handle of receiptHandles) settle.delete.run(destination, handle);
        });
      },
      async retryAfter(receiptHandle, seconds) {
        write(database, () => {
          settle.retry.run(now() + seconds * 1000, destination, receiptHandle);
        });
      },
      async deadLetter(message, why) {
        moveToDeadLetters(message, why);
      },
      async depth() {
        return { queue: depth(destination), deadLetters: depth(dlq) };
      },
      async peekDeadLetters(max) {
        const rows = database
          .statement(
            'SELECT seq, id, body, sent_at, receive_count, first_received_at, why FROM messages WHERE queue = ? ORDER BY seq LIMIT ?',
          )
          .all(dlq, max) as unknown as MessageRow[];
        return rows.map(
          (row): StoredDeadLetter => ({
            messageId: row.id,
            body: row.body,
            ...(row.why ? { why: JSON.parse(row.why) as DeadLetterReason } : {}),
            sentAt: row.sent_at,
            receiveCount: row.receive_count,
          }),
        );
      },
      async redrive(options = {}) {
        return redrive(destination, options);
      },
      async erase(match) {
        // Every row of both queues, in flight or not: a stale receipt handle is ignored later.
        return database.transaction(() => {
          const rows = database
            .statement('SELECT seq, queue, body FROM messages WHERE queue IN (?, ?)')
            .all(destination, dlq) as unknown as { seq: number; queue: string; body: string }[];
          const remove = database.statement('DELETE FROM messages WHERE seq = ?');
          const erased = { queued: 0, deadLetters: 0 };
          for (const row of rows) {
            if (!messageMatches(row.body, match)) continue;
            remove.run(row.seq);
            if (row.queue === dlq) erased.deadLetters++;
            else erased.queued++;
          }
          return erased;
        });
      },
    };
  }

  return {
    ensure(destination, settings) {
      database.transaction(() => {
        const upsert = database.statement(
          `INSERT INTO queues (name, dead_letter_queue, max_receive_count) VALUES (?, ?, ?)
           ON CONFLICT (name) DO UPDATE SET dead_letter_queue = excluded.dead_letter_queue,
             max_receive_count = excluded.max_receive_count`,
        );
        upsert.run(deadLetterQueueName(destination), null, null);
        upsert.run(destination, deadLetterQueueName(destination), settings.maxReceiveCount);
      });
    },
    send(queue, bodies) {
      write(database, () => sendNow(queue, bodies));
    },
    deliveryQueue,
    onSend(queue, listener) {
      const set = listeners.get(queue) ?? new Set();
      set.add(listener);
      listeners.set(queue, set);
      return () => set.delete(listener);
    },
    readiness(queue) {
      const row = readinessQuery.get(now(), queue) as {
        ready: number;
        next: number | null;
      };
      return {
        ready: row.ready,
        ...(row.next === null ? {} : { nextVisibleAt: row.next }),
      };
    },
    releaseInFlight() {
      return Number(
        database.transaction(
          () =>
            database
              .statement('UPDATE messages SET visible_at = ?, in_flight = 0 WHERE in_flight = 1')
              .run(now()).changes,
        ),
      );
    },
  };
}
