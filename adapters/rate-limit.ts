/**
 * Gives back the slot a call took, stamped with when the call finished. A shared limiter's release
 * is a write: await it before the invocation ends (it never rejects).
 */
export type ReleaseSlot = () => void | Promise<void>;

/** Most calls to a vendor account in any rolling window, as the config's `rateLimit` says it. */
export interface RateLimit {
  requests: number;
  perSeconds: number;
}

/**
 * What the adapters depend on: a slot per vendor call within a rolling-window limit. Implemented
 * in process (RollingWindowLimiter: one process, the local host) and across every deliver
 * invocation (adapters/aws/rate-limiter.ts: DynamoDB, conditional writes).
 */
export interface RateLimiter {
  /**
   * Resolves with a slot when one more call fits in the window. An aborted `signal` makes a
   * limiter that can stop waiting reject; one that cannot hands its late slot back at once.
   */
  acquire(options?: { signal?: AbortSignal }): Promise<ReleaseSlot>;
  /** Nothing is sent before `ms` from now, e.g. after the vendor answered 429 with Retry-After. */
  pause(ms: number): void | Promise<void>;
}

/** Which vendor account a limit belongs to; `account` is a secret (a token) and is never stored as given. */
export interface RateLimitScope {
  vendor: 'hubspot' | 'salesforce' | 'slack';
  account: string;
  limit: RateLimit;
}

/** Gives each vendor account its limiter: how a host chooses in-process or shared limits. */
export type LimiterFactory = (scope: RateLimitScope) => RateLimiter;

/**
 * Keeps calls to one vendor account under a rolling-window limit (e.g. HubSpot's 190 per 10 s):
 * `acquire()` resolves when one more call fits in the window. Callers queue in arrival order.
 *
 * A slot counts from when its call is sent until `release()`, and from then on from the moment
 * of release: the vendor counts a call when it arrives, which is never later than when its answer
 * came back, so windows measured from release can never hold more calls than the vendor's.
 * Callers that never release are counted from when they were sent.
 */
export class RollingWindowLimiter implements RateLimiter {
  private readonly max: number;
  private readonly windowMs: number;
  private readonly now: () => number;
  /** Slot times, oldest first. */
  private readonly sent: number[] = [];
  private tail: Promise<unknown> = Promise.resolve();

  constructor(options: RateLimit & { now?: () => number }) {
    if (!(options.requests >= 1) || !(options.perSeconds > 0)) {
      throw new RangeError('A rate limit needs requests >= 1 and perSeconds > 0');
    }
    this.max = options.requests;
    this.windowMs = options.perSeconds * 1000;
    this.now = options.now ?? Date.now;
  }

  /** Waits for a free slot in the window, then takes it; call the returned function when the call is done. */
  acquire(): Promise<ReleaseSlot> {
    const turn = this.tail.then(() => this.take());
    this.tail = turn;
    return turn;
  }

  /** Slots left in the window right now. */
  get available(): number {
    this.expire(this.now());
    return this.max - this.sent.length;
  }

  /** Pushes the next free slot back, e.g. after the vendor answered 429 with Retry-After. */
  pause(ms: number): void {
    const until = this.now() + ms;
    // Fill the window with slots that expire at `until`, so nothing is sent before then.
    this.sent.length = 0;
    for (let i = 0; i < this.max; i++) this.sent.push(until - this.windowMs);
  }

  private async take(): Promise<ReleaseSlot> {
    for (;;) {
      const now = this.now();
      this.expire(now);
      if (this.sent.length < this.max) {
        const at = now;
        this.insert(at);
        let released = false;
        return () => {
          if (released) return;
          released = true;
          const index = this.sent.indexOf(at);
          // Gone already: a pause replaced the window, which is later still.
          if (index < 0) return;
          this.sent.splice(index, 1);
          this.insert(Math.max(at, this.now()));
        };
      }
      const oldest = this.sent[0] ?? now;
      await new Promise((resolve) => setTimeout(resolve, Math.max(1, oldest + this.windowMs - now)));
    }
  }

  private insert(at: number): void {
    let index = this.sent.length;
    while (index > 0 && (this.sent[index - 1] ?? 0) > at) index--;
    this.sent.splice(index, 0, at);
  }

  private expire(now: number): void {
    while (this.sent.length > 0 && (this.sent[0] ?? 0) <= now - this.windowMs) this.sent.shift();
  }
}
