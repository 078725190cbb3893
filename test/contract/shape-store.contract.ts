// The ShapeStore contract (functions/ports.ts): saves guarded by a version, so that of two
// observers of one source only one records (and reports) a change.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KnownPaths } from '../../functions/drift/drift-rule.ts';
import type { ShapeStore } from '../../functions/ports.ts';

/** A fresh, empty store per test. */
export interface ShapeStoreFixture {
  store: ShapeStore;
  end(): Promise<void>;
}

const FIRST: KnownPaths = { email: 'present' };
const SECOND: KnownPaths = { email: 'present', phone: 'present' };
const THIRD: KnownPaths = { email: 'present', phone: 'stopped', 'answers[].text': 'optional' };

export function shapeStoreContract(name: string, create: () => Promise<ShapeStoreFixture>): void {
  describe(`ShapeStore contract: ${name}`, () => {
    let fixture: ShapeStoreFixture;
    beforeEach(async () => {
      fixture = await create();
    });
    afterEach(async () => {
      await fixture.end();
    });

    it('answers undefined for a source it never saved, even when another source is saved', async () => {
      // Prepare
      await fixture.store.save('typeform', FIRST, undefined);

      // Act
      const loaded = await fixture.store.load('tally');

      // Assess
      expect(loaded).toBeUndefined();
    });

    it('creates version 1 when nothing is stored and no version is expected', async () => {
      // Act
      const version = await fixture.store.save('typeform', FIRST, undefined);

      // Assess
      expect(version).toBe(1);
      expect(await fixture.store.load('typeform')).toEqual({ paths: FIRST, version: 1 });
    });

    it('saves over the current version and returns the next one', async () => {
      // Prepare
      await fixture.store.save('typeform', FIRST, undefined);

      // Act
      const second = await fixture.store.save('typeform', SECOND, 1);
      const third = await fixture.store.save('typeform', THIRD, 2);

      // Assess
      expect([second, third]).toEqual([2, 3]);
      expect(await fixture.store.load('typeform')).toEqual({ paths: THIRD, version: 3 });
    });

    it.each([
      ['a second create (no version expected): the lost race', undefined],
      ['a stale version', 1],
      ['a version not yet written', 3],
    ])('refuses %s with undefined and leaves the stored paths unchanged', async (_, expectedVersion) => {
      // Prepare: version 2 is stored.
      await fixture.store.save('typeform', FIRST, undefined);
      await fixture.store.save('typeform', SECOND, 1);

      // Act
      const saved = await fixture.store.save('typeform', THIRD, expectedVersion);

      // Assess
      expect(saved).toBeUndefined();
      expect(await fixture.store.load('typeform')).toEqual({ paths: SECOND, version: 2 });
    });

    it('keeps each source apart: a source is created at version 1 whatever another one is at', async () => {
      // Prepare
      await fixture.store.save('typeform', FIRST, undefined);
      await fixture.store.save('typeform', SECOND, 1);

      // Act
      const created = await fixture.store.save('tally', THIRD, undefined);

      // Assess
      expect(created).toBe(1);
      expect(await fixture.store.load('tally')).toEqual({ paths: THIRD, version: 1 });
      expect(await fixture.store.load('typeform')).toEqual({ paths: SECOND, version: 2 });
    });
  });
}
