/**
 * Retry timing for one destination: exponential with full jitter, capped, never sooner than the
 * vendor asked; a retry horizon (wall time) after which a transient failure is given up; and the
 * queue limits (redrive receive count, retention) that must not cut that horizon short. Pure, so
 * the CDK stack, the local host and the engine all compute the same numbers.
 */
export interface BackoffPolicy {
  /** Delay scale of the first retry, in seconds. */
  baseSeconds: number;
  /** No retry waits longer than this (SQS allows up to 12 hours of visibility). */
  capSeconds: number;
}

/**
 * 900 s (15 min): a lead is retried within 15 minutes of a vendor recovering, well inside the
 * 1-hour oldest-lead alarm, while a day-long outage costs each lead about 190 calls, not thousands.
 */
export const DEFAULT_BACKOFF: BackoffPolicy = { baseSeconds: 2, capSeconds: 900 };

/** The default of a destination's `delivery.retryHorizonSeconds` (config schema): 24 h, as senders retry for a day or more. */
export const DEFAULT_RETRY_HORIZON_SECONDS = 86_400;

/** The schema's upper bound of `delivery.retryHorizonSeconds`: half the queue retention, the rest is margin for waiting. */
export const MAX_RETRY_HORIZON_SECONDS = 7 * 86_400;

/** Every destination queue keeps a message this long, SQS's maximum: a blocked lead waits at most this. */
export const QUEUE_RETENTION_SECONDS = 14 * 86_400;

/** SQS's own ceiling for ChangeMessageVisibility, counted from the receive. */
export const MAX_VISIBILITY_SECONDS = 43_200;

/**
 * The longest delay the engine asks for: the 12 h ceiling counts from the receive, and SQS refuses
 * a change past it, so leave room for an invocation that ran its longest (Lambda's 15 minutes).
 */
export const MAX_RETRY_DELAY_SECONDS = MAX_VISIBILITY_SECONDS - 900;

/** SQS's ceiling for a redrive policy's maxReceiveCount. */
export const SQS_MAX_RECEIVE_COUNT = 1000;

/**
 * How long a lead waits when the destination refuses our credentials: 1 h keeps its receives few
 * (336 over the 14-day retention), and a fixed secret is in use within the hour.
 */
export const DEFAULT_BLOCKED_DELAY_SECONDS = 3600;

/**
 * Seconds to wait before attempt `attempt + 1`, where `attempt` counts the receives so far (1 = first).
 * Full jitter (a random point in [0, min(cap, base * 2^(attempt-1))]) spreads a burst of failures
 * so the retries do not arrive as another burst; a vendor's Retry-After is a floor.
 */
export function retryDelaySeconds(
  attempt: number,
  retryAfterMs: number | undefined,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.capSeconds, policy.baseSeconds * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.floor(random() * (ceiling + 1));
  const floor = retryAfterMs === undefined ? 0 : Math.ceil(retryAfterMs / 1000);
  return Math.min(MAX_RETRY_DELAY_SECONDS, Math.max(jittered, floor));
}

/** What a destination's retries come to: the engine's timing and its queue's limits, from one place. */
export interface RetryPlan {
  horizonSeconds: number;
  backoff: BackoffPolicy;
  blockedDelaySeconds: number;
  /** The redrive policy's receive count: the crash backstop, above every receive the horizon allows. */
  maxReceiveCount: number;
}

/**
 * Receives a lead may take within its horizon. With full jitter the mean wait at the cap is cap/2,
 * so the horizon holds about 2 × horizon / cap retries; twice that (4 × horizon / cap) is more than
 * any jitter draws in practice (six standard deviations for 24 h at 900 s), plus the ramp up to the
 * cap. Blocked waits add retention / blockedDelay receives, which do not count against the horizon.
 */
function receivesWithin(horizonSeconds: number, backoff: BackoffPolicy, blockedDelaySeconds: number) {
  const ramp = Math.ceil(Math.log2(Math.max(1, backoff.capSeconds / backoff.baseSeconds))) + 1;
  const transient = ramp + Math.ceil((4 * horizonSeconds) / backoff.capSeconds);
  const blocked = Math.ceil(QUEUE_RETENTION_SECONDS / Math.max(1, blockedDelaySeconds));
  return transient + blocked + 1;
}

/**
 * The retry plan of one destination. A horizon too long for the cap to fit in SQS's 1000 receives
 * (beyond about 40 h at 900 s) raises the cap just enough: fewer, longer waits rather than a
 * redrive without a reason before the horizon.
 */
export function retryPlan(settings: {
  horizonSeconds?: number | undefined;
  backoff?: BackoffPolicy | undefined;
  blockedDelaySeconds?: number | undefined;
}): RetryPlan {
  const horizonSeconds = settings.horizonSeconds ?? DEFAULT_RETRY_HORIZON_SECONDS;
  const blockedDelaySeconds = Math.min(
    MAX_RETRY_DELAY_SECONDS,
    settings.blockedDelaySeconds ?? DEFAULT_BLOCKED_DELAY_SECONDS,
  );
  let backoff = settings.backoff ?? DEFAULT_BACKOFF;
  while (
    receivesWithin(horizonSeconds, backoff, blockedDelaySeconds) > SQS_MAX_RECEIVE_COUNT &&
    backoff.capSeconds < MAX_RETRY_DELAY_SECONDS
  ) {
    backoff = {
      ...backoff,
      capSeconds: Math.min(MAX_RETRY_DELAY_SECONDS, Math.ceil(backoff.capSeconds * 1.1)),
    };
  }
  const maxReceiveCount = Math.min(
    SQS_MAX_RECEIVE_COUNT,
    receivesWithin(horizonSeconds, backoff, blockedDelaySeconds),
  );
  return { horizonSeconds, backoff, blockedDelaySeconds, maxReceiveCount };
}

/** What to do with a lead whose delivery failed transiently: wait and try again, or give up with a reason. */
export type RetryDecision = { action: 'retry'; delaySeconds: number } | { action: 'give-up'; reason: string };

/**
 * Gives up on a transient failure once the time since the lead's first receive plus the next wait
 * would pass the horizon, or (deprecated `maxAttempts`, if set) at that many receives: whichever
 * comes first.
 */
export function decideRetry(input: {
  attempt: number;
  /** Epoch ms of the lead's first receive (SQS's ApproximateFirstReceiveTimestamp). */
  firstReceivedAt: number;
  now: number;
  delaySeconds: number;
  horizonSeconds: number;
  maxAttempts?: number | undefined;
  lastError: string;
}): RetryDecision {
  if (input.maxAttempts !== undefined && input.attempt >= input.maxAttempts) {
    return {
      action: 'give-up',
      reason: `gave up after ${input.attempt} attempts; last error: ${input.lastError}`,
    };
  }
  const elapsedSeconds = Math.max(0, Math.floor((input.now - input.firstReceivedAt) / 1000));
  if (elapsedSeconds + input.delaySeconds > input.horizonSeconds) {
    return {
      action: 'give-up',
      reason:
        `gave up after ${input.attempt} attempts over ${elapsedSeconds} s (retry horizon ${input.horizonSeconds} s); ` +
        `last error: ${input.lastError}`,
    };
  }
  return { action: 'retry', delaySeconds: input.delaySeconds };
}
