import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RollingWindowLimiter } from '../../../adapters/rate-limit.ts';

describe('RollingWindowLimiter', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Resolves to whether the promise settled within the fake time already advanced. */
  async function settled(promise: Promise<unknown>): Promise<boolean> {
    let done = false;
    void promise.then(() => {
      done = true;
    });
    await vi.advanceTimersByTimeAsync(0);
    return done;
  }

  it('lets `requests` calls through per window, then waits for the oldest to leave it', async () => {
    // Prepare
    const limiter = new RollingWindowLimiter({ requests: 2, perSeconds: 1 });
    await limiter.acquire();
    await vi.advanceTimersByTimeAsync(400);
    await limiter.acquire();

    // Act
    const third = limiter.acquire();

    // Assess
    expect(await settled(third)).toBe(false);
    await vi.advanceTimersByTimeAsync(599);
    expect(await settled(third)).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await settled(third)).toBe(true);
  });

  it('counts a released call from when it finished, not from when it was sent', async () => {
    // Prepare: one call that takes 700 ms to answer.
    const limiter = new RollingWindowLimiter({ requests: 1, perSeconds: 1 });
    const release = await limiter.acquire();
    await vi.advanceTimersByTimeAsync(700);
    release();

    // Act: one second after it was sent, the window still holds it (it ended at 700 ms).
    const next = limiter.acquire();
    await vi.advanceTimersByTimeAsync(300);

    // Assess
    expect(await settled(next)).toBe(false);
    await vi.advanceTimersByTimeAsync(700);
    expect(await settled(next)).toBe(true);
  });

  it('reports the slots left, and a pause empties them until it ends', async () => {
    // Prepare
    const limiter = new RollingWindowLimiter({ requests: 3, perSeconds: 10 });
    await limiter.acquire();
    expect(limiter.available).toBe(2);

    // Act
    limiter.pause(2_000);

    // Assess
    expect(limiter.available).toBe(0);
    const next = limiter.acquire();
    await vi.advanceTimersByTimeAsync(1_999);
    expect(await settled(next)).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await settled(next)).toBe(true);
  });

  it('ignores a second release of the same slot', async () => {
    const limiter = new RollingWindowLimiter({ requests: 2, perSeconds: 1 });
    const release = await limiter.acquire();
    release();
    release();
    expect(limiter.available).toBe(1);
  });

  it.each([
    [0, 1],
    [1, 0],
    [Number.NaN, 1],
  ])('refuses requests=%s perSeconds=%s', (requests, perSeconds) => {
    expect(() => new RollingWindowLimiter({ requests, perSeconds })).toThrow(RangeError);
  });
});
