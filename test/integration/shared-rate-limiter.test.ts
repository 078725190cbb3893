import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDBRateLimiter } from '../../adapters/aws/rate-limiter.ts';
import type { RateLimit } from '../../adapters/rate-limit.ts';
import { maxInRollingWindow } from '../support/call-log.ts';
import { startTestTable, type TestTable } from '../support/dynamo.ts';

const TABLE = 'leadpipe-limiter';
let table: TestTable;
let accounts = 0;

beforeAll(async () => {
  table = await startTestTable(TABLE);
});
afterAll(async () => {
  await table.end();
});

/** `count` limiters on one table and one account: what `count` concurrent deliver invocations hold. */
function limiters(count: number, limit: RateLimit): DynamoDBRateLimiter[] {
  const account = `token-${++accounts}`;
  return Array.from(
    { length: count },
    () =>
      new DynamoDBRateLimiter({
        client: table.client,
        tableName: TABLE,
        scope: { vendor: 'hubspot', account, limit },
        pollMs: 20,
      }),
  );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('DynamoDBRateLimiter shared through dynalite', () => {
  it('never grants more than the limit in any rolling window across concurrent limiters', async () => {
    // Prepare: 4 limiters (4 invocations), 2 callers each, 3 calls per caller, 4 calls per 400 ms.
    const limit = { requests: 4, perSeconds: 0.4 };
    const grants: number[] = [];
    const answered: number[] = [];
    const call = async (limiter: DynamoDBRateLimiter, index: number) => {
      const release = await limiter.acquire();
      grants.push(Date.now());
      await sleep((index * 7) % 25);
      answered.push(Date.now());
      await release();
    };

    // Act
    await Promise.all(
      limiters(4, limit).flatMap((limiter, l) =>
        [0, 1].map(async (caller) => {
          for (let i = 0; i < 3; i++) await call(limiter, l * 6 + caller * 3 + i);
        }),
      ),
    );

    // Assess: every call got through, at most 4 in any 400 ms whether counted when sent or when
    // answered (the vendor counts it in between), and the limit was what held them back.
    expect(grants).toHaveLength(24);
    expect(maxInRollingWindow(grants, 400)).toBeLessThanOrEqual(4);
    expect(maxInRollingWindow(answered, 400)).toBeLessThanOrEqual(4);
    expect(maxInRollingWindow(grants, 400)).toBe(4);
  });

  it('counts a released slot from when its call finished, in every other process', async () => {
    // Prepare: one call per 300 ms; the first takes 200 ms to answer.
    const [first, second] = limiters(2, { requests: 1, perSeconds: 0.3 });
    if (!first || !second) throw new Error('two limiters');
    const release = await first.acquire();
    await sleep(200);
    await release();
    const releasedAt = Date.now();

    // Act
    await second.acquire();

    // Assess
    expect(Date.now() - releasedAt).toBeGreaterThanOrEqual(295);
  });

  it('holds every process back while one of them pauses (a 429 with Retry-After)', async () => {
    const [pausing, other] = limiters(2, { requests: 5, perSeconds: 1 });
    if (!pausing || !other) throw new Error('two limiters');
    const start = Date.now();

    await pausing.pause(400);
    await other.acquire();

    expect(Date.now() - start).toBeGreaterThanOrEqual(395);
  });

  it('stops waiting when the caller gives up', async () => {
    const [holder, waiter] = limiters(2, { requests: 1, perSeconds: 5 });
    if (!holder || !waiter) throw new Error('two limiters');
    await holder.acquire();
    const gaveUp = new AbortController();

    const turn = waiter.acquire({ signal: gaveUp.signal });
    setTimeout(() => gaveUp.abort(), 50);

    await expect(turn).rejects.toThrow();
  });
});
