import { createHash } from 'node:crypto';
import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  type LimiterFactory,
  type RateLimit,
  type RateLimiter,
  type RateLimitScope,
  type ReleaseSlot,
  RollingWindowLimiter,
} from '../rate-limit.ts';
import { TABLE_KEY, TABLE_TTL } from './idempotency-store.ts';

/** Items `limiter#<vendor>#<hash of the account>`; the deliver function's IAM policy allows only its vendor's. */
export const limiterItemPrefix = (vendor: RateLimitScope['vendor']) => `limiter#${vendor}#`;

/** The item of one vendor account: the account (a token) is hashed, never stored. */
export function limiterItemKey(scope: Pick<RateLimitScope, 'vendor' | 'account'>): string {
  const hash = createHash('sha256').update(scope.account).digest('hex').slice(0, 32);
  return limiterItemPrefix(scope.vendor) + hash;
}

/**
 * One item holds a slot per allowed call (an attribute each); a larger limit (Salesforce's daily
 * quota) would outgrow a small item, and is kept per process instead (sharedLimiters).
 */
export const MAX_SHARED_SLOTS = 1000;
/** How long a slot whose call never released it stays taken: longer than any vendor call's timeout. */
export const DEFAULT_LEASE_MS = 30_000;
/** How often a waiting acquirer reads again while every slot is held by a call still in flight. */
export const DEFAULT_POLL_MS = 100;
/** A limiter item outlives its last use by a day, then TTL removes it. */
const KEEP_SECONDS = 86_400;
const PAUSED = 'pausedUntil';

/** What the item says: per slot, the epoch ms from which it is free (missing: free); and a pause. */
export interface LimiterState {
  freeAt: readonly (number | undefined)[];
  pausedUntil: number;
}

export type LimiterStep =
  | { kind: 'take'; slot: number; expected: number | undefined }
  | { kind: 'wait'; ms: number };

/**
 * The pure policy: take a free slot (picked by `pick` among the free ones, to spread concurrent
 * acquirers over different slots), or wait until the first one frees. A released slot's time is
 * known (release + window); one still in flight is polled, since its release may come any moment.
 */
export function nextLimiterStep(
  state: LimiterState,
  now: number,
  options: { windowMs: number; pollMs: number; pick: (count: number) => number },
): LimiterStep {
  if (state.pausedUntil > now) return { kind: 'wait', ms: state.pausedUntil - now };
  const free: number[] = [];
  let wait = Number.POSITIVE_INFINITY;
  state.freeAt.forEach((at, slot) => {
    if (at === undefined || at <= now) free.push(slot);
    else wait = Math.min(wait, at <= now + options.windowMs ? at - now : options.pollMs);
  });
  if (free.length === 0) return { kind: 'wait', ms: Math.max(1, wait) };
  const slot = free[Math.min(free.length - 1, Math.max(0, options.pick(free.length)))] as number;
  return { kind: 'take', slot, expected: state.freeAt[slot] };
}

export interface DynamoDBRateLimiterOptions {
  client: DynamoDBClient;
  tableName: string;
  scope: RateLimitScope;
  /** @default DEFAULT_LEASE_MS */
  leaseMs?: number;
  /** @default DEFAULT_POLL_MS */
  pollMs?: number;
  now?: () => number;
  random?: () => number;
}

/**
 * A rolling-window limit shared by every process that uses the same leadpipe table: the item
 * `limiter#<vendor>#<hash>` has one attribute per allowed call, the epoch ms from which that slot
 * is free. Taking a slot is a conditional write on its old value, so two acquirers can never take
 * the same one; a taken slot is free a lease plus a window later, and its release (when the
 * vendor's answer came back) sets it to the release time plus a window. So successive calls on one
 * slot arrive at the vendor at least a window apart, and no window holds more calls than slots:
 * the same bound, counted from the call's end, as RollingWindowLimiter keeps in one process.
 *
 * It assumes what every deliver function has: a call shorter than the lease (vendor timeouts are
 * 10–30 s), and clocks in step (Lambda hosts' are NTP-synchronised to well under a millisecond,
 * and a release is stamped after the answer, never before the vendor counted the call).
 */
export class DynamoDBRateLimiter implements RateLimiter {
  private readonly client: DynamoDBClient;
  private readonly tableName: string;
  private readonly key: string;
  private readonly max: number;
  private readonly windowMs: number;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly now: () => number;
  private readonly random: () => number;
  private pausedUntil = 0;
  /** Acquirers in this process queue in arrival order, as in RollingWindowLimiter. */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(options: DynamoDBRateLimiterOptions) {
    const { requests, perSeconds } = options.scope.limit;
    if (!(requests >= 1) || !(perSeconds > 0) || !Number.isInteger(requests)) {
      throw new RangeError('A rate limit needs an integer requests >= 1 and perSeconds > 0');
    }
    if (requests > MAX_SHARED_SLOTS) {
      throw new RangeError(`A shared rate limit holds at most ${MAX_SHARED_SLOTS} requests per window`);
    }
    this.client = options.client;
    this.tableName = options.tableName;
    this.key = limiterItemKey(options.scope);
    this.max = requests;
    this.windowMs = perSeconds * 1000;
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.pollMs = options.pollMs ?? DEFAULT_POLL_MS;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
  }

  /** Waits for a free slot across every process, then takes it; rejects when `signal` aborts or DynamoDB fails. */
  acquire(options: { signal?: AbortSignal } = {}): Promise<ReleaseSlot> {
    const turn = this.tail.then(() => this.take(options.signal));
    this.tail = turn.catch(() => undefined);
    return turn;
  }

  /** Holds every process back until `ms` from now; best effort (a failed write only loses the pause). */
  async pause(ms: number): Promise<void> {
    const until = this.now() + ms;
    this.pausedUntil = Math.max(this.pausedUntil, until);
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { [TABLE_KEY]: { S: this.key } },
          UpdateExpression: 'SET #paused = :until, #ttl = :ttl',
          ConditionExpression: 'attribute_not_exists(#paused) OR #paused < :until',
          ExpressionAttributeNames: { '#paused': PAUSED, '#ttl': TABLE_TTL },
          ExpressionAttributeValues: { ':until': { N: String(until) }, ':ttl': this.ttl(until) },
        }),
      );
    } catch {
      // A later pause is already there, or the write failed: the local pause still holds here.
    }
  }

  private async take(signal: AbortSignal | undefined): Promise<ReleaseSlot> {
    const pick = (count: number) => Math.floor(this.random() * count);
    for (;;) {
      signal?.throwIfAborted();
      const state = await this.read();
      const now = this.now();
      const step = nextLimiterStep(
        { ...state, pausedUntil: Math.max(state.pausedUntil, this.pausedUntil) },
        now,
        { windowMs: this.windowMs, pollMs: this.pollMs, pick },
      );
      if (step.kind === 'wait') {
        // A little jitter, so acquirers that woke for the same slot do not all race for it.
        await sleep(step.ms + Math.floor(this.random() * 5), signal);
        continue;
      }
      const lease = now + this.leaseMs + this.windowMs;
      if (await this.claim(step.slot, step.expected, lease, now)) return this.releaser(step.slot, lease);
      // Another process took that slot first: read again at once.
    }
  }

  private async read(): Promise<LimiterState> {
    const { Item } = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: { [TABLE_KEY]: { S: this.key } },
        ConsistentRead: true,
      }),
    );
    const freeAt = Array.from({ length: this.max }, (_, slot) => {
      const value = Item?.[slotName(slot)]?.N;
      return value === undefined ? undefined : Number(value);
    });
    return { freeAt, pausedUntil: Number(Item?.[PAUSED]?.N ?? 0) };
  }

  /** Takes `slot` if it still holds `expected` and no pause began; false when another process won. */
  private async claim(
    slot: number,
    expected: number | undefined,
    lease: number,
    now: number,
  ): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { [TABLE_KEY]: { S: this.key } },
          UpdateExpression: 'SET #slot = :lease, #ttl = :ttl',
          ConditionExpression: `${expected === undefined ? 'attribute_not_exists(#slot)' : '#slot = :expected'} AND (attribute_not_exists(#paused) OR #paused <= :now)`,
          ExpressionAttributeNames: { '#slot': slotName(slot), '#paused': PAUSED, '#ttl': TABLE_TTL },
          ExpressionAttributeValues: {
            ':lease': { N: String(lease) },
            ':now': { N: String(now) },
            ':ttl': this.ttl(lease),
            ...(expected === undefined ? {} : { ':expected': { N: String(expected) } }),
          },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Stamps the slot with when the call finished; a slot whose lease ran out (taken again since) is left alone. */
  private releaser(slot: number, lease: number): ReleaseSlot {
    let released: Promise<void> | undefined;
    return () => {
      released ??= this.client
        .send(
          new UpdateItemCommand({
            TableName: this.tableName,
            Key: { [TABLE_KEY]: { S: this.key } },
            UpdateExpression: 'SET #slot = :freeAt',
            ConditionExpression: '#slot = :lease',
            ExpressionAttributeNames: { '#slot': slotName(slot) },
            ExpressionAttributeValues: {
              ':freeAt': { N: String(this.now() + this.windowMs) },
              ':lease': { N: String(lease) },
            },
          }),
        )
        .then(
          () => undefined,
          // Not released, the slot stays taken until its lease ends: later, never sooner.
          () => undefined,
        );
      return released;
    };
  }

  private ttl(until: number): { N: string } {
    return { N: String(Math.ceil(until / 1000) + KEEP_SECONDS) };
  }
}

const slotName = (slot: number) => `s${slot}`;

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener('abort', aborted);
      resolve();
    }
    function aborted() {
      clearTimeout(timer);
      reject(signal?.reason);
    }
    signal?.addEventListener('abort', aborted, { once: true });
  });
}

/**
 * One limiter per vendor account, shared through the table by every deliver invocation, and the
 * same one for every client of this process that calls that account (a rebuild after a secret
 * rotation, Slack's ops alerter on the leads channel). A limit too large for one item falls back
 * to a per-process limiter, and `onFallback` says so.
 */
export function sharedLimiters(options: {
  client: DynamoDBClient;
  tableName: string;
  onFallback?: (scope: Omit<RateLimitScope, 'account'>) => void;
  leaseMs?: number;
}): LimiterFactory {
  const limiters = new Map<string, RateLimiter>();
  return (scope) => {
    const id = `${limiterItemKey(scope)}/${scope.limit.requests}/${scope.limit.perSeconds}`;
    let limiter = limiters.get(id);
    if (!limiter) {
      limiter = fitsOneItem(scope.limit)
        ? new DynamoDBRateLimiter({
            client: options.client,
            tableName: options.tableName,
            scope,
            ...(options.leaseMs === undefined ? {} : { leaseMs: options.leaseMs }),
          })
        : new RollingWindowLimiter(scope.limit);
      if (!fitsOneItem(scope.limit)) options.onFallback?.({ vendor: scope.vendor, limit: scope.limit });
      limiters.set(id, limiter);
    }
    return limiter;
  };
}

const fitsOneItem = (limit: RateLimit) => limit.requests <= MAX_SHARED_SLOTS;
