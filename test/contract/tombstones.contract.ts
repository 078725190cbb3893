// The TombstoneStore contract (functions/ports.ts): what is left of an erased person, a hash and
// a time, on every host alike.
import { describe, it, type TestContext } from 'vitest';
import type { TombstoneStore } from '../../functions/ports.ts';

/** A fresh, empty store per test. */
export interface TombstoneStoreFixture {
  store: TombstoneStore;
  end(): Promise<void>;
}

const HASH_A = 'a'.repeat(64);
const HASH_B = 'b'.repeat(64);
const ERASED = '2026-04-01T10:00:00.000Z';
const LATER = '2026-05-01T10:00:00.000Z';

export function tombstoneStoreContract(name: string, create: () => Promise<TombstoneStoreFixture>): void {
  async function open(context: TestContext): Promise<TombstoneStore> {
    const fixture = await create();
    context.onTestFinished(() => fixture.end());
    return fixture.store;
  }

  describe.concurrent(`TombstoneStore contract: ${name}`, () => {
    it('answers when each added hash was erased, and undefined for any other', async (context) => {
      // Prepare
      const store = await open(context);

      // Act
      await store.add([HASH_A, HASH_B], ERASED);

      // Assess
      context.expect(await store.has(HASH_A)).toBe(ERASED);
      context.expect(await store.has(HASH_B)).toBe(ERASED);
      context.expect(await store.has('c'.repeat(64))).toBeUndefined();
    });

    it('moves the time on when a hash is erased again', async (context) => {
      // Prepare
      const store = await open(context);
      await store.add([HASH_A], ERASED);

      // Act
      await store.add([HASH_A], LATER);

      // Assess
      context.expect(await store.has(HASH_A)).toBe(LATER);
    });

    it('adds nothing for an empty list', async (context) => {
      // Prepare
      const store = await open(context);

      // Act
      await store.add([], ERASED);

      // Assess
      context.expect(await store.has(HASH_A)).toBeUndefined();
    });
  });
}
