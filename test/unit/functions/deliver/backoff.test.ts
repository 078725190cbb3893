import { describe, expect, it } from 'vitest';
import {
  DEFAULT_BACKOFF,
  DEFAULT_RETRY_HORIZON_SECONDS,
  decideRetry,
  MAX_RETRY_DELAY_SECONDS,
  MAX_RETRY_HORIZON_SECONDS,
  MAX_VISIBILITY_SECONDS,
  QUEUE_RETENTION_SECONDS,
  retryDelaySeconds,
  retryPlan,
  SQS_MAX_RECEIVE_COUNT,
} from '../../../../functions/deliver/backoff.ts';

const policy = { baseSeconds: 2, capSeconds: 60 };
const lowest = () => 0;
const highest = () => 0.999_999;

describe('retryDelaySeconds', () => {
  it.each([
    // attempt, random, expected: the ceiling is min(cap, base * 2^(attempt-1)), full jitter in [0, ceiling].
    [1, lowest, 0],
    [1, highest, 2],
    [2, highest, 4],
    [3, highest, 8],
    [5, highest, 32],
    [6, highest, 60],
    [30, highest, 60],
    [3, () => 0.5, 4],
    [0, highest, 2],
  ])('attempt %i with random %s waits %i s', (attempt, random, expected) => {
    expect(retryDelaySeconds(attempt, undefined, policy, random)).toBe(expected);
  });

  it.each([
    ['a Retry-After above the jitter is the floor', 3, 10_000, 10],
    ['a Retry-After is rounded up to whole seconds', 1, 1_200, 2],
    ['a Retry-After below the jitter changes nothing', 5, 1_000, 16],
  ])('%s', (_name, attempt, retryAfterMs, expected) => {
    expect(retryDelaySeconds(attempt, retryAfterMs, policy, () => 0.5)).toBe(expected);
  });

  it('never asks SQS for more than its visibility ceiling less a longest invocation, even when the vendor does', () => {
    expect(retryDelaySeconds(1, 100_000_000, policy, lowest)).toBe(MAX_RETRY_DELAY_SECONDS);
    expect(MAX_RETRY_DELAY_SECONDS).toBe(MAX_VISIBILITY_SECONDS - 900);
  });

  it.each([1, 2, 4, 8, 12])('stays within [0, ceiling] for attempt %i across the random range', (attempt) => {
    // Prepare
    const ceiling = Math.min(DEFAULT_BACKOFF.capSeconds, DEFAULT_BACKOFF.baseSeconds * 2 ** (attempt - 1));
    const randoms = Array.from({ length: 101 }, (_, i) => Math.min(i / 100, 0.999_999));

    // Act
    const delays = randoms.map((r) => retryDelaySeconds(attempt, undefined, DEFAULT_BACKOFF, () => r));

    // Assess
    expect(Math.min(...delays)).toBe(0);
    expect(Math.max(...delays)).toBe(ceiling);
    expect(delays.every((delay) => Number.isInteger(delay))).toBe(true);
  });
});

describe('retryPlan', () => {
  it('for the default 24 h horizon keeps the 900 s cap and a redrive count above every receive it allows', () => {
    // Act
    const plan = retryPlan({});

    // Assess: 10 ramp + 4 x 86400 / 900 transient, 14 days / 1 h blocked, + 1.
    expect(plan).toEqual({
      horizonSeconds: DEFAULT_RETRY_HORIZON_SECONDS,
      backoff: DEFAULT_BACKOFF,
      blockedDelaySeconds: 3600,
      maxReceiveCount: 10 + 384 + 336 + 1,
    });
  });

  it.each([3 * 86_400, MAX_RETRY_HORIZON_SECONDS])(
    'raises the cap for a %i s horizon so its receives fit in SQS 1000',
    (horizonSeconds) => {
      // Act
      const plan = retryPlan({ horizonSeconds });

      // Assess
      expect(plan.backoff.capSeconds).toBeGreaterThan(DEFAULT_BACKOFF.capSeconds);
      expect(plan.maxReceiveCount).toBeLessThanOrEqual(SQS_MAX_RECEIVE_COUNT);
      const transient = Math.ceil((4 * horizonSeconds) / plan.backoff.capSeconds);
      expect(plan.maxReceiveCount).toBeGreaterThan(transient + QUEUE_RETENTION_SECONDS / 3600);
    },
  );

  it('keeps the longest horizon and the longest wait inside the queue retention', () => {
    expect(MAX_RETRY_HORIZON_SECONDS + MAX_VISIBILITY_SECONDS).toBeLessThan(QUEUE_RETENTION_SECONDS);
  });
});

describe('decideRetry', () => {
  const base = { firstReceivedAt: 0, horizonSeconds: 3600, lastError: 'HTTP 503' };

  it.each([
    [
      'retries while elapsed + wait fits the horizon',
      { attempt: 40, now: 3_000_000, delaySeconds: 600 },
      'retry',
    ],
    [
      'retries when elapsed + wait is exactly the horizon',
      { attempt: 2, now: 3_000_000, delaySeconds: 600 },
      'retry',
    ],
    [
      'gives up when elapsed + wait passes the horizon',
      { attempt: 2, now: 3_000_000, delaySeconds: 601 },
      'give-up',
    ],
    [
      'gives up at maxAttempts within the horizon',
      { attempt: 3, now: 0, delaySeconds: 1, maxAttempts: 3 },
      'give-up',
    ],
  ] as const)('%s', (_name, input, action) => {
    expect(decideRetry({ ...base, ...input }).action).toBe(action);
  });
});
