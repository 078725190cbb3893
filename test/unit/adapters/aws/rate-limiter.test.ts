import { describe, expect, it } from 'vitest';
import {
  type LimiterState,
  limiterItemKey,
  MAX_SHARED_SLOTS,
  nextLimiterStep,
} from '../../../../adapters/aws/rate-limiter.ts';
import { maxInRollingWindow } from '../../../support/call-log.ts';

const NOW = 1_000_000;
const OPTIONS = { windowMs: 1000, pollMs: 100, pick: () => 0 };

describe('nextLimiterStep', () => {
  it.each<[string, LimiterState, ReturnType<typeof nextLimiterStep>]>([
    [
      'a slot never used',
      { freeAt: [undefined, undefined], pausedUntil: 0 },
      { kind: 'take', slot: 0, expected: undefined },
    ],
    [
      'the slot that is free now',
      { freeAt: [NOW + 5, NOW], pausedUntil: 0 },
      { kind: 'take', slot: 1, expected: NOW },
    ],
    [
      'waits for the first released slot to leave the window',
      { freeAt: [NOW + 300, NOW + 700], pausedUntil: 0 },
      { kind: 'wait', ms: 300 },
    ],
    // NOW + lease + window: still in flight; its release may come any moment.
    [
      'polls while every slot is in flight',
      { freeAt: [NOW + 31_000], pausedUntil: 0 },
      { kind: 'wait', ms: 100 },
    ],
    [
      'a pause holds even free slots',
      { freeAt: [undefined], pausedUntil: NOW + 2_000 },
      { kind: 'wait', ms: 2_000 },
    ],
  ])('%s', (_case, state, step) => {
    expect(nextLimiterStep(state, NOW, OPTIONS)).toEqual(step);
  });

  it('picks among the free slots only, whatever the picker returns', () => {
    const state = { freeAt: [NOW + 500, undefined, NOW + 500, NOW - 1], pausedUntil: 0 };
    expect(nextLimiterStep(state, NOW, { ...OPTIONS, pick: () => 1 })).toMatchObject({ slot: 3 });
    expect(nextLimiterStep(state, NOW, { ...OPTIONS, pick: () => 99 })).toMatchObject({ slot: 3 });
    expect(nextLimiterStep(state, NOW, { ...OPTIONS, pick: () => -1 })).toMatchObject({ slot: 1 });
  });
});

describe('limiterItemKey', () => {
  it('names the vendor and a hash of the account, never the token itself', () => {
    const key = limiterItemKey({ vendor: 'hubspot', account: 'pat-eu1-secret-token' });
    expect(key).toMatch(/^limiter#hubspot#[0-9a-f]{32}$/);
    expect(key).not.toContain('secret');
    expect(limiterItemKey({ vendor: 'hubspot', account: 'another token' })).not.toBe(key);
  });

  it('keeps the one-item design within DynamoDB item sizes', () => {
    // 1000 numeric attributes of ~16 bytes each: far below the 400 KB item limit.
    expect(MAX_SHARED_SLOTS).toBeLessThanOrEqual(1000);
  });
});

describe('maxInRollingWindow', () => {
  it.each<[number[], number]>([
    [[], 0],
    [[0, 999], 2],
    [[0, 1000], 1],
    [[0, 10, 20, 1005, 1015], 3],
  ])('%j in 1 s windows: %i at most', (times, most) => {
    expect(maxInRollingWindow(times, 1000)).toBe(most);
  });
});
