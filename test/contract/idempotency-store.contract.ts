// The IdempotencyStore contract (functions/ports.ts): a Powertools persistence layer, exercised
// through Powertools' own makeIdempotent as ingest uses it, so both layers claim, answer and expire
// records alike.
import { randomUUID } from 'node:crypto';
import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyItemNotFoundError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import type { Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { IdempotencyStore } from '../../functions/ports.ts';
import { lambdaContext } from '../../local/http-server.ts';

/** A fresh, unconfigured layer per test (Powertools configures a layer once, for its first function). */
export interface IdempotencyStoreFixture {
  store: IdempotencyStore;
  end(): Promise<void>;
}

interface Delivery {
  id: string;
}

/** A Lambda context with 30 s left, or `remainingMs`: it sets the in-progress expiry of a claim. */
const context = (remainingMs = 30_000): Context =>
  lambdaContext('leadpipe-contract', randomUUID(), remainingMs);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What a call came to: its value, or what it threw (so Act can run on and Assess can look). */
const settle = <T>(promise: Promise<T>) =>
  promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );

export function idempotencyStoreContract(name: string, create: () => Promise<IdempotencyStoreFixture>): void {
  describe(`IdempotencyStore contract: ${name}`, () => {
    let fixture: IdempotencyStoreFixture;
    let runs: string[];

    beforeEach(async () => {
      fixture = await create();
      runs = [];
    });
    afterEach(async () => {
      await fixture.end();
    });

    /** An idempotent function over the fixture's layer that records each run; `body` may block or throw. */
    function idempotent(
      config: { expiresAfterSeconds?: number } = {},
      body: (run: number) => Promise<void> = async () => undefined,
    ) {
      return makeIdempotent(
        async (delivery: Delivery, _context: Context) => {
          runs.push(delivery.id);
          const run = runs.length;
          await body(run);
          return { id: delivery.id, run };
        },
        {
          persistenceStore: fixture.store,
          config: new IdempotencyConfig({ eventKeyJmesPath: 'id', ...config }),
        },
      );
    }

    it.each([
      ['the same key twice: the repeat gets the stored result', ['d-1', 'd-1'], [1, 1], ['d-1']],
      ['two different keys: both run', ['d-1', 'd-2'], [1, 2], ['d-1', 'd-2']],
    ])('runs the function once per key, for %s', async (_, ids, resultRuns, ran) => {
      // Prepare
      const accept = idempotent();

      // Act
      const results = [];
      for (const id of ids) results.push(await accept({ id }, context()));

      // Assess
      expect(results).toEqual(ids.map((id, i) => ({ id, run: resultRuns[i] })));
      expect(runs).toEqual(ran);
    });

    it('keeps no record of a function that threw, so a retry runs it again', async () => {
      // Prepare
      const accept = idempotent({}, async (run) => {
        if (run === 1) throw new Error('the bus refused the event');
      });

      // Act
      const failed = await settle(accept({ id: 'd-1' }, context()));
      const recordAfterFailure = await settle(fixture.store.getRecord({ id: 'd-1' }));
      const retried = await accept({ id: 'd-1' }, context());

      // Assess
      expect(failed).toEqual({ error: new Error('the bus refused the event') });
      expect(recordAfterFailure).toEqual({ error: expect.any(IdempotencyItemNotFoundError) });
      expect(retried).toEqual({ id: 'd-1', run: 2 });
      expect(runs).toEqual(['d-1', 'd-1']);
    });

    it('refuses a second call while the first is in progress, then answers it from the stored result', async () => {
      // Prepare
      const started = Promise.withResolvers<void>();
      const release = Promise.withResolvers<void>();
      const accept = idempotent({}, async () => {
        started.resolve();
        await release.promise;
      });
      const first = accept({ id: 'd-1' }, context());
      await started.promise;

      // Act
      const concurrent = await settle(accept({ id: 'd-1' }, context()));
      release.resolve();
      const firstResult = await first;
      const later = await accept({ id: 'd-1' }, context());

      // Assess
      expect(concurrent).toEqual({ error: expect.any(IdempotencyAlreadyInProgressError) });
      expect(firstResult).toEqual({ id: 'd-1', run: 1 });
      expect(later).toEqual(firstResult);
      expect(runs).toEqual(['d-1']);
    });

    it('lets a call claim a record whose in-progress expiry passed (the first invocation timed out)', async () => {
      // Prepare: the first run never finishes within its Lambda's 50 ms.
      const release = Promise.withResolvers<void>();
      const started = Promise.withResolvers<void>();
      const accept = idempotent({}, async (run) => {
        if (run !== 1) return;
        started.resolve();
        await release.promise;
      });
      const first = accept({ id: 'd-1' }, context(50));
      await started.promise;
      await sleep(150);

      // Act
      const second = await settle(accept({ id: 'd-1' }, context()));
      release.resolve();
      await first;

      // Assess
      expect(second).toEqual({ value: { id: 'd-1', run: 2 } });
      expect(runs).toEqual(['d-1', 'd-1']);
    });

    it('runs the function again once a completed record expired', async () => {
      // Prepare: Powertools rounds the expiry to whole seconds, so 1 s may end up 1.5 s away.
      const accept = idempotent({ expiresAfterSeconds: 1 });
      const first = await accept({ id: 'd-1' }, context());
      const beforeExpiry = await accept({ id: 'd-1' }, context());

      // Act
      await sleep(1_600);
      const afterExpiry = await accept({ id: 'd-1' }, context());

      // Assess
      expect([first, beforeExpiry, afterExpiry]).toEqual([
        { id: 'd-1', run: 1 },
        { id: 'd-1', run: 1 },
        { id: 'd-1', run: 2 },
      ]);
      expect(runs).toEqual(['d-1', 'd-1']);
    });
  });
}
