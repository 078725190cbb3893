import type { LeadpipeConfig } from '../../schemas/generated/config.ts';

/** How fast one source may post, as a token bucket: a steady rate and the burst it may save up. */
export interface RateLimit {
  ratePerSecond: number;
  burst: number;
}

/**
 * 50 requests a second with bursts of 100, per source: far above what any form sender produces
 * (Typeform and Calendly send one webhook per submission), low enough that one misbehaving or
 * hostile sender cannot starve the others of ingest capacity or run up the DynamoDB bill.
 */
export const DEFAULT_RATE_LIMIT: Readonly<RateLimit> = { ratePerSecond: 50, burst: 100 };

export interface ThrottleOptions {
  /** The limit for every source without an override. Default DEFAULT_RATE_LIMIT. */
  limit?: RateLimit;
  /** Limits for named sources (a known chatty sender, or a test). */
  perSource?: Readonly<Record<string, RateLimit>>;
  /** Milliseconds clock, injected so tests never depend on real time. */
  now?: () => number;
}

export type ThrottleDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** Decides whether one more request from a source may go through now. */
export interface SourceThrottle {
  take(source: string): ThrottleDecision;
}

export class RateLimitConfigError extends Error {
  override readonly name = 'RateLimitConfigError';
}

function checked(limit: RateLimit, where: string): RateLimit {
  if (!(Number.isFinite(limit.ratePerSecond) && limit.ratePerSecond > 0)) {
    throw new RateLimitConfigError(`${where}: ratePerSecond must be a positive number`);
  }
  if (!(Number.isInteger(limit.burst) && limit.burst >= 1)) {
    throw new RateLimitConfigError(`${where}: burst must be a whole number of at least 1`);
  }
  return limit;
}

/**
 * A token bucket per source, in the memory of one ingest process. On AWS each Lambda instance
 * keeps its own buckets, so this is a backstop against a flood reaching one instance; API
 * Gateway's per-source route throttling (infra, from sourceRateLimits) is the guard across
 * instances. Buckets exist only for sources the caller asks about, and the caller asks only
 * about configured sources, so memory stays bounded.
 */
export function createSourceThrottle(options: ThrottleOptions = {}): SourceThrottle {
  const now = options.now ?? Date.now;
  const fallback = checked(options.limit ?? DEFAULT_RATE_LIMIT, 'limit');
  const overrides = new Map(
    Object.entries(options.perSource ?? {}).map(([name, limit]) => [
      name,
      checked(limit, `perSource.${name}`),
    ]),
  );
  const buckets = new Map<string, { tokens: number; at: number }>();

  return {
    take(source) {
      const limit = overrides.get(source) ?? fallback;
      const at = now();
      const bucket = buckets.get(source) ?? { tokens: limit.burst, at };
      // A clock that steps back (NTP) must not mint tokens or take them away.
      const elapsedSeconds = Math.max(0, at - bucket.at) / 1000;
      bucket.tokens = Math.min(limit.burst, bucket.tokens + elapsedSeconds * limit.ratePerSecond);
      bucket.at = Math.max(bucket.at, at);
      buckets.set(source, bucket);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return { allowed: true };
      }
      // Whole seconds, as Retry-After requires, never 0: a client told "0" would retry at once.
      const retryAfterSeconds = Math.max(1, Math.ceil((1 - bucket.tokens) / limit.ratePerSecond));
      return { allowed: false, retryAfterSeconds };
    },
  };
}

/** The throttle settings a config asks for: settings.rateLimitPerSource, and any source's own rateLimit. */
export function throttleOptionsFrom(config: LeadpipeConfig): ThrottleOptions {
  const perSource: Record<string, RateLimit> = {};
  for (const [name, source] of Object.entries(config.sources))
    if (source.rateLimit) perSource[name] = source.rateLimit;
  return {
    ...(config.settings?.rateLimitPerSource ? { limit: config.settings.rateLimitPerSource } : {}),
    perSource,
  };
}

/**
 * The limit each configured source is held to: its own rateLimit, else settings.rateLimitPerSource,
 * else DEFAULT_RATE_LIMIT. The same numbers throttle each source's route in API Gateway (infra).
 */
export function sourceRateLimits(config: LeadpipeConfig): Record<string, RateLimit> {
  const fallback = config.settings?.rateLimitPerSource ?? DEFAULT_RATE_LIMIT;
  return Object.fromEntries(
    Object.entries(config.sources).map(([name, source]) => [name, { ...(source.rateLimit ?? fallback) }]),
  );
}
