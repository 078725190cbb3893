import { describe, expect, it } from 'vitest';
import {
  DEFAULT_BACKOFF,
  MAX_VISIBILITY_SECONDS,
  retryDelaySeconds,
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

  it('never asks SQS for more than its visibility ceiling, even when the vendor does', () => {
    expect(retryDelaySeconds(1, 100_000_000, policy, lowest)).toBe(MAX_VISIBILITY_SECONDS);
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
