import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../functions/config/load.ts';
import {
  createSourceThrottle,
  DEFAULT_RATE_LIMIT,
  RateLimitConfigError,
  sourceRateLimits,
  throttleOptionsFrom,
} from '../../../../functions/ingest/throttle.ts';

/** A clock the test moves by hand. */
function manualClock(start = 1_000_000) {
  let at = start;
  return {
    now: () => at,
    advance: (ms: number) => {
      at += ms;
    },
    set: (ms: number) => {
      at = ms;
    },
  };
}

const take = (throttle: ReturnType<typeof createSourceThrottle>, source: string, times: number) =>
  Array.from({ length: times }, () => throttle.take(source).allowed);

describe('createSourceThrottle', () => {
  it('lets a full burst through, then refuses with the whole seconds until the next token', () => {
    // Prepare
    const clock = manualClock();
    const throttle = createSourceThrottle({ limit: { ratePerSecond: 0.5, burst: 3 }, now: clock.now });
    // Act
    const burst = take(throttle, 'form', 3);
    const refused = throttle.take('form');
    // Assess
    expect(burst).toEqual([true, true, true]);
    expect(refused).toEqual({ allowed: false, retryAfterSeconds: 2 });
  });

  it('refills at the steady rate, never above the burst', () => {
    // Prepare
    const clock = manualClock();
    const throttle = createSourceThrottle({ limit: { ratePerSecond: 2, burst: 4 }, now: clock.now });
    take(throttle, 'form', 4);
    // Act
    clock.advance(1000);
    const afterOneSecond = take(throttle, 'form', 3);
    clock.advance(60_000);
    const afterAMinute = take(throttle, 'form', 5);
    // Assess
    expect(afterOneSecond).toEqual([true, true, false]);
    expect(afterAMinute).toEqual([true, true, true, true, false]);
  });

  it('keeps one bucket per source', () => {
    // Prepare
    const clock = manualClock();
    const throttle = createSourceThrottle({ limit: { ratePerSecond: 1, burst: 1 }, now: clock.now });
    throttle.take('form');
    // Act
    const other = throttle.take('typeform');
    const same = throttle.take('form');
    // Assess
    expect(other.allowed).toBe(true);
    expect(same.allowed).toBe(false);
  });

  it('applies a per-source override instead of the default', () => {
    // Prepare
    const clock = manualClock();
    const throttle = createSourceThrottle({
      limit: { ratePerSecond: 1, burst: 1 },
      perSource: { chatty: { ratePerSecond: 1, burst: 3 } },
      now: clock.now,
    });
    // Act
    const chatty = take(throttle, 'chatty', 4);
    // Assess
    expect(chatty).toEqual([true, true, true, false]);
  });

  it('mints no tokens when the clock steps back', () => {
    // Prepare
    const clock = manualClock(10_000);
    const throttle = createSourceThrottle({ limit: { ratePerSecond: 1, burst: 1 }, now: clock.now });
    throttle.take('form');
    // Act
    clock.set(0);
    const afterStepBack = throttle.take('form');
    // Assess
    expect(afterStepBack.allowed).toBe(false);
  });

  it('defaults to 50 per second with bursts of 100', () => {
    // Prepare
    const throttle = createSourceThrottle({ now: () => 0 });
    // Act
    const allowed = take(throttle, 'form', 101).filter(Boolean).length;
    // Assess
    expect(DEFAULT_RATE_LIMIT).toEqual({ ratePerSecond: 50, burst: 100 });
    expect(allowed).toBe(100);
  });

  it.each([
    [{ ratePerSecond: 0, burst: 1 }, /ratePerSecond/],
    [{ ratePerSecond: Number.NaN, burst: 1 }, /ratePerSecond/],
    [{ ratePerSecond: 1, burst: 0 }, /burst/],
    [{ ratePerSecond: 1, burst: 1.5 }, /burst/],
  ])('refuses the limit %o at creation', (limit, message) => {
    // Act / Assess
    expect(() => createSourceThrottle({ limit })).toThrow(RateLimitConfigError);
    expect(() => createSourceThrottle({ limit })).toThrow(message);
  });
});

describe('throttleOptionsFrom', () => {
  const source = { verify: { scheme: 'none' as const }, mapping: { preset: 'generic' as const } };

  it('reads the default limit from settings and each source’s own override', () => {
    // Prepare
    const config = parseConfig(
      [
        'settings: { rateLimitPerSource: { ratePerSecond: 5, burst: 10 } }',
        'sources:',
        '  quiet: { verify: { scheme: none }, mapping: { preset: generic } }',
        '  chatty: { verify: { scheme: none }, mapping: { preset: generic }, rateLimit: { ratePerSecond: 200, burst: 400 } }',
        'destinations:',
        '  hubspot: { type: hubspot, accessToken: env:TOKEN }',
      ].join('\n'),
      'test.yaml',
    );

    // Act
    const options = throttleOptionsFrom(config);

    // Assess
    expect(options).toEqual({
      limit: { ratePerSecond: 5, burst: 10 },
      perSource: { chatty: { ratePerSecond: 200, burst: 400 } },
    });
    const throttle = createSourceThrottle({ ...options, now: () => 0 });
    for (let i = 0; i < 10; i++) expect(throttle.take('quiet').allowed).toBe(true);
    expect(throttle.take('quiet').allowed).toBe(false);
    expect(throttle.take('chatty').allowed).toBe(true);
  });

  it('leaves the built-in default when the config says nothing', () => {
    const options = throttleOptionsFrom({ sources: { demo: source }, destinations: {} });
    expect(options).toEqual({ perSource: {} });
  });
});

describe('sourceRateLimits', () => {
  const source = { verify: { scheme: 'none' as const }, mapping: { preset: 'generic' as const } };

  it('gives every source its own limit, else the settings default, else the built-in one', () => {
    // Prepare
    const own = { ratePerSecond: 200, burst: 400 };
    const settings = { ratePerSecond: 5, burst: 10 };

    // Act
    const withSettings = sourceRateLimits({
      settings: { rateLimitPerSource: settings },
      sources: { quiet: source, chatty: { ...source, rateLimit: own } },
      destinations: {},
    });
    const withoutSettings = sourceRateLimits({ sources: { demo: source }, destinations: {} });

    // Assess
    expect(withSettings).toEqual({ quiet: settings, chatty: own });
    expect(withoutSettings).toEqual({ demo: DEFAULT_RATE_LIMIT });
  });
});
