import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LimitRig, startLimitRig } from '../support/limit-rig.ts';

/**
 * The proof of the shared limit: N deliver handlers, as N concurrent Lambda invocations of one
 * destination, against the HubSpot sandbox enforcing HubSpot's rolling limit (small, so the test is
 * short). Sharing the DynamoDB limiter, no window holds more calls than the limit and HubSpot
 * answers no 429; each keeping its own limit (as before), they overrun it.
 */
const HANDLERS = 5;
const INVOCATIONS_PER_HANDLER = 4;
const LIMIT = { requests: 5, perSeconds: 1 };

let rig: LimitRig;

beforeAll(async () => {
  rig = await startLimitRig(LIMIT);
});
afterAll(async () => {
  await rig.end();
});

describe(`${HANDLERS} concurrent deliver handlers against HubSpot's rolling limit`, () => {
  it('sharing the DynamoDB limiter: never more than the limit in any window, and no 429', async () => {
    const run = await rig.run({
      handlers: HANDLERS,
      invocationsPerHandler: INVOCATIONS_PER_HANDLER,
      shared: true,
    });

    expect(run.failures).toEqual([]);
    expect(run.requests.rateLimited).toBe(0);
    expect(run.requests.upsertCalls).toBe(HANDLERS * INVOCATIONS_PER_HANDLER);
    expect(run.maxPerWindow).toBeLessThanOrEqual(LIMIT.requests);
    // 20 calls at 5 per second take at least three windows: the limit, not luck, spaced them.
    expect(run.seconds).toBeGreaterThanOrEqual(3 * LIMIT.perSeconds);
  });

  it('each with its own limit (no table): together they overrun it and HubSpot answers 429', async () => {
    const run = await rig.run({
      handlers: HANDLERS,
      invocationsPerHandler: INVOCATIONS_PER_HANDLER,
      shared: false,
    });

    expect(run.requests.rateLimited).toBeGreaterThan(0);
    expect(run.maxPerWindow).toBeGreaterThan(LIMIT.requests);
  });
});
