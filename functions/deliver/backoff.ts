/** Retry timing for one destination: exponential with full jitter, capped, never sooner than the vendor asked. */
export interface BackoffPolicy {
  /** Delay scale of the first retry, in seconds. */
  baseSeconds: number;
  /** No retry waits longer than this (SQS allows up to 12 hours of visibility). */
  capSeconds: number;
}

/** The default of a destination's `delivery.maxAttempts` (config schema), on both hosts. */
export const DEFAULT_MAX_ATTEMPTS = 8;

export const DEFAULT_BACKOFF: BackoffPolicy = { baseSeconds: 2, capSeconds: 900 };

/** SQS's own ceiling for ChangeMessageVisibility. */
export const MAX_VISIBILITY_SECONDS = 43_200;

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
  return Math.min(MAX_VISIBILITY_SECONDS, Math.max(jittered, floor));
}
