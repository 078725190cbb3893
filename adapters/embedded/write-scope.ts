import { AsyncLocalStorage } from 'node:async_hooks';
import type { EmbeddedDatabase } from './database.ts';

/**
 * Why this exists: locally, accepting a webhook must be ONE transaction (the idempotency record
 * and a queue row per matching destination), so that nothing is ever "remembered but not
 * queued" or the reverse. The shared ingest handler does not know that: it publishes through
 * the bus port and then Powertools marks the delivery completed through the persistence port.
 * The local host therefore runs each ingest invocation in a write scope: the embedded adapters
 * stage their writes there, and the idempotency layer commits them together with the
 * COMPLETED record (or drops them when the record is deleted because the handler failed).
 * Whatever is still staged when the invocation returns is committed before it answers.
 */
interface Scope {
  staged: ((database: EmbeddedDatabase) => void)[];
}

const storage = new AsyncLocalStorage<Scope>();

/** Runs one invocation in a write scope; staged writes left at the end commit before it resolves. */
export async function inWriteScope<T>(database: EmbeddedDatabase, invocation: () => Promise<T>): Promise<T> {
  const scope: Scope = { staged: [] };
  const result = await storage.run(scope, invocation);
  commitStaged(database, scope.staged.splice(0));
  return result;
}

/** Writes now, in its own durable transaction, or stages the write when a scope is open. */
export function write(database: EmbeddedDatabase, work: (database: EmbeddedDatabase) => void): void {
  const scope = storage.getStore();
  if (scope) scope.staged.push(work);
  else database.transaction(() => work(database));
}

/**
 * Runs `then` once what the current scope staged so far is committed (right after, outside a
 * scope): for telling others about writes without ever telling them of one rolled back.
 */
export function afterCommit(then: () => void): void {
  const scope = storage.getStore();
  if (scope) scope.staged.push(() => queueMicrotask(then));
  else queueMicrotask(then);
}

/** The writes staged in the current scope, handed over (and removed) to be committed by the caller. */
export function takeStaged(): ((database: EmbeddedDatabase) => void)[] {
  return storage.getStore()?.staged.splice(0) ?? [];
}

function commitStaged(database: EmbeddedDatabase, staged: ((database: EmbeddedDatabase) => void)[]): void {
  if (staged.length === 0) return;
  database.transaction(() => {
    for (const work of staged) work(database);
  });
}
