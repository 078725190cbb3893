import { IdempotencyAlreadyInProgressError } from '@aws-lambda-powertools/idempotency';
import { describe, expect, it } from 'vitest';
import { retryWhileInProgress } from '../../../../functions/ingest/in-progress.ts';
import { GOOD_LEAD, ingestHarness, signedEvent } from './ingest-setup.ts';

/** A clock the sleeps move, so the wait is exact and instant. */
function fakeTime() {
  const clock = { now: 0, pauses: [] as number[] };
  return {
    clock,
    options: {
      now: () => clock.now,
      sleep: async (ms: number) => {
        clock.pauses.push(ms);
        clock.now += ms;
      },
    },
  };
}

describe('retryWhileInProgress', () => {
  it('tries again while the delivery is in progress, and returns what a later try returns', async () => {
    // Prepare
    const { clock, options } = fakeTime();
    let tries = 0;
    const attempt = async () => {
      tries++;
      if (tries < 3) throw new IdempotencyAlreadyInProgressError('in progress');
      return 'result of the first copy';
    };

    // Act
    const result = await retryWhileInProgress(attempt, { ...options, waitMs: 2000 });

    // Assess
    expect(result).toBe('result of the first copy');
    expect(clock.pauses).toEqual([20, 40]);
  });

  it('gives up with the in-progress error once the wait is spent, never waiting past it', async () => {
    // Prepare
    const { clock, options } = fakeTime();
    const attempt = async () => {
      throw new IdempotencyAlreadyInProgressError('still in progress');
    };

    // Act
    const running = retryWhileInProgress(attempt, { ...options, waitMs: 1000 });

    // Assess
    await expect(running).rejects.toBeInstanceOf(IdempotencyAlreadyInProgressError);
    expect(clock.now).toBe(1000);
    expect(Math.max(...clock.pauses)).toBeLessThanOrEqual(250);
  });

  it('does not retry any other error', async () => {
    // Prepare
    const { clock, options } = fakeTime();
    let tries = 0;
    const attempt = async () => {
      tries++;
      throw new TypeError('a bug');
    };

    // Act
    const running = retryWhileInProgress(attempt, options);

    // Assess
    await expect(running).rejects.toThrow('a bug');
    expect(tries).toBe(1);
    expect(clock.pauses).toEqual([]);
  });
});

describe('ingest: a copy of a delivery that is still being handled', () => {
  it('answers 200 duplicate with the first lead id once the first copy finishes within the wait', async () => {
    // Prepare: the first copy's publish takes 100 ms.
    const h = ingestHarness({
      publish: async () => {
        await new Promise((resolve) => setTimeout(resolve, 100));
      },
    });
    const event = signedEvent('form', JSON.stringify(GOOD_LEAD), { deliveryId: 'msg_same' });

    // Act
    const [first, second] = await Promise.all([h.handle(event), h.handle(event)]);

    // Assess
    expect(first.statusCode).toBe(202);
    expect(second.statusCode).toBe(200);
    expect(JSON.parse(second.body)).toEqual({ leadId: JSON.parse(first.body).leadId, status: 'duplicate' });
  });

  it('answers 409 with Retry-After when the first copy takes longer than the wait', async () => {
    // Prepare: the wait is 50 ms; the first copy's publish takes 300 ms.
    const h = ingestHarness({
      inProgressWait: { waitMs: 50 },
      publish: async () => {
        await new Promise((resolve) => setTimeout(resolve, 300));
      },
    });
    const event = signedEvent('form', JSON.stringify(GOOD_LEAD), { deliveryId: 'msg_slow' });

    // Act
    const [first, second] = await Promise.all([h.handle(event), h.handle(event)]);

    // Assess
    expect(first.statusCode).toBe(202);
    expect(second.statusCode).toBe(409);
    expect(second.headers['retry-after']).toBe('2');
    expect(JSON.parse(second.body).error.code).toBe('delivery_in_progress');
  });
});
