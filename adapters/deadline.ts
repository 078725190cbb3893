import type { Outcome } from '../functions/ports.ts';
import type { RateLimiter, ReleaseSlot } from './rate-limit.ts';

/** Kept free before the deadline: the adapter still has to classify, and the engine to act on, the answer. */
export const DEADLINE_MARGIN_MS = 500;
/** A vendor call is not started with less time than this for it: it would only time out. */
export const MIN_CALL_MS = 1000;

/** The outcome of every lead an adapter had no time left for. */
export const TIME_BUDGET_SPENT: Extract<Outcome, { status: 'retry' }> = {
  status: 'retry',
  reason: 'time budget spent: not sent before the invocation deadline',
};

/**
 * How long the next vendor call may take: its own timeout, capped at the time left before
 * `deadline` less the margin; undefined when that is under MIN_CALL_MS (do not start it).
 */
export function callTimeout(
  timeoutMs: number,
  deadline: number | undefined,
  now = Date.now(),
): number | undefined {
  if (deadline === undefined) return timeoutMs;
  const left = deadline - now - DEADLINE_MARGIN_MS;
  if (left < MIN_CALL_MS) return undefined;
  return Math.min(timeoutMs, left);
}

/**
 * A rate-limiter slot, or undefined when none came free in time to still make a call before
 * `deadline`. A slot that comes free after giving up is handed back at once.
 */
export async function acquireBefore(
  limiter: RateLimiter,
  deadline: number | undefined,
): Promise<ReleaseSlot | undefined> {
  if (deadline === undefined) return limiter.acquire();
  const gaveUp = new AbortController();
  const turn = limiter.acquire({ signal: gaveUp.signal });
  const wait = deadline - Date.now() - DEADLINE_MARGIN_MS - MIN_CALL_MS;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, wait), undefined);
  });
  const first = await Promise.race([turn, late]);
  clearTimeout(timer);
  if (first) return first;
  gaveUp.abort();
  // A shared limiter stops waiting (and rejects); an in-process one hands the slot straight back.
  void turn.then(
    (release) => release(),
    () => undefined,
  );
  return undefined;
}

/** `work`, or undefined once `deadline` (less the margin) has passed first; `work` goes on unobserved. */
export async function beforeDeadline<T>(
  work: Promise<T>,
  deadline: number | undefined,
): Promise<T | undefined> {
  if (deadline === undefined) return work;
  // Its outcome is not awaited when the deadline wins; a later rejection must not go unhandled.
  work.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, deadline - Date.now() - DEADLINE_MARGIN_MS), undefined);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
