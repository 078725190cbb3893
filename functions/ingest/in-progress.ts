import { IdempotencyAlreadyInProgressError } from '@aws-lambda-powertools/idempotency';

/**
 * How long a copy of a delivery that is still being handled waits for the first one before it is
 * answered 409. Senders that retry on a timeout often send the same delivery again at once; most
 * first copies finish in milliseconds, so the copy can usually answer 200 with the first lead id.
 */
export const IN_PROGRESS_WAIT_MS = 2_000;
/** First pause between tries; each later one doubles, up to a quarter of a second. */
const FIRST_PAUSE_MS = 20;
const LONGEST_PAUSE_MS = 250;

export interface InProgressWaitOptions {
  waitMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/**
 * Runs `attempt` (the idempotent acceptance); while it fails because the same delivery is in
 * progress elsewhere, tries again after a short pause, for at most `waitMs`. A later try either
 * finds the first copy's result (a duplicate) or, if the first copy failed and released its
 * claim, handles the delivery itself. Past the wait, the in-progress error is thrown for the
 * caller to answer 409 with Retry-After.
 */
export async function retryWhileInProgress<T>(
  attempt: () => Promise<T>,
  options: InProgressWaitOptions = {},
): Promise<T> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const deadline = now() + (options.waitMs ?? IN_PROGRESS_WAIT_MS);
  let pause = FIRST_PAUSE_MS;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      const left = deadline - now();
      if (!(error instanceof IdempotencyAlreadyInProgressError) || left <= 0) throw error;
      await sleep(Math.min(pause, left));
      pause = Math.min(LONGEST_PAUSE_MS, pause * 2);
    }
  }
}
