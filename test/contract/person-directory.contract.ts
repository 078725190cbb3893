// The PersonDirectory contract (functions/ports.ts): one person across channels, on every host
// alike. Each case runs on a fresh, empty directory.
import { afterEach, describe, expect, it } from 'vitest';
import { PERSON_ID_PATTERN, PersonKeysError } from '../../functions/persons/keys.ts';
import type { PersonDirectory } from '../../functions/ports.ts';

export interface PersonDirectoryFixture {
  directory: PersonDirectory;
  /** Everything the directory has stored, serialised: to prove no plain key is kept. */
  stored(): Promise<string>;
  end(): Promise<void>;
}

export type PersonDirectoryFactory = () => Promise<PersonDirectoryFixture>;

const T0 = '2026-04-01T09:00:00.000Z';
const T1 = '2026-04-01T10:00:00.000Z';
const T2 = '2026-04-01T11:00:00.000Z';
const T3 = '2026-04-01T12:00:00.000Z';
const ADA = 'ada@example.com';
const ADA_PHONE = '+14155550101';

export function personDirectoryContract(name: string, factory: PersonDirectoryFactory): void {
  describe(`PersonDirectory contract: ${name}`, () => {
    let fixture: PersonDirectoryFixture | undefined;
    afterEach(async () => {
      await fixture?.end();
      fixture = undefined;
    });
    const start = async () => {
      fixture = await factory();
      return fixture.directory;
    };

    it('creates a new person with a random id for keys never seen', async () => {
      // Prepare
      const directory = await start();

      // Act
      const first = await directory.resolve({ email: ADA }, T0);
      const other = await directory.resolve({ email: 'grace@example.com' }, T0);

      // Assess
      expect(first).toEqual({ personId: expect.stringMatching(PERSON_ID_PATTERN), created: true });
      expect(other.created).toBe(true);
      expect(other.personId).not.toBe(first.personId);
    });

    it('gives the same email the same person, however it is cased', async () => {
      // Prepare
      const directory = await start();
      const first = await directory.resolve({ email: ADA }, T0);

      // Act
      const again = await directory.resolve({ email: ADA }, T1);
      const cased = await directory.resolve({ email: 'Ada@Example.COM' }, T2);

      // Assess
      expect(again).toEqual({ personId: first.personId, created: false });
      expect(cased).toEqual({ personId: first.personId, created: false });
    });

    it('links a phone-only lead, then one with both, then an email-only one to one person', async () => {
      // Prepare
      const directory = await start();
      const byPhone = await directory.resolve({ phone: ADA_PHONE }, T0);

      // Act
      const both = await directory.resolve({ email: ADA, phone: ADA_PHONE }, T1);
      const byEmail = await directory.resolve({ email: ADA }, T2);

      // Assess
      expect(byPhone.created).toBe(true);
      expect(both).toEqual({ personId: byPhone.personId, created: false });
      expect(byEmail).toEqual({ personId: byPhone.personId, created: false });
    });

    it('merges two known persons into the one first seen, and resolves both keys to it afterwards', async () => {
      // Prepare: the phone's person is created first, the email's person was seen earlier (a replayed lead).
      const directory = await start();
      const byPhone = await directory.resolve({ phone: ADA_PHONE }, T1);
      const byEmail = await directory.resolve({ email: ADA }, T0);

      // Act
      const joined = await directory.resolve({ email: ADA, phone: ADA_PHONE }, T2);
      const again = await directory.resolve({ email: ADA, phone: ADA_PHONE }, T3);
      const phoneAfter = await directory.resolve({ phone: ADA_PHONE }, T3);
      const emailAfter = await directory.resolve({ email: ADA }, T3);

      // Assess
      expect(byPhone.personId).not.toBe(byEmail.personId);
      expect(joined).toEqual({
        personId: byEmail.personId,
        created: false,
        merged: { into: byEmail.personId, from: byPhone.personId },
      });
      expect(again).toEqual({ personId: byEmail.personId, created: false });
      expect(phoneAfter.personId).toBe(byEmail.personId);
      expect(emailAfter.personId).toBe(byEmail.personId);
    });

    it('breaks a tie in first seen by the lower id', async () => {
      // Prepare
      const directory = await start();
      const a = await directory.resolve({ phone: ADA_PHONE }, T0);
      const b = await directory.resolve({ email: ADA }, T0);
      const [lower, higher] = [a.personId, b.personId].sort() as [string, string];

      // Act
      const joined = await directory.resolve({ email: ADA, phone: ADA_PHONE }, T1);

      // Assess
      expect(joined.merged).toEqual({ into: lower, from: higher });
      expect(joined.personId).toBe(lower);
    });

    it('keeps a merged-away id as an alias of the winner: erasing the winner erases it too', async () => {
      // Prepare
      const directory = await start();
      const winner = await directory.resolve({ email: ADA }, T0);
      const loser = await directory.resolve({ phone: ADA_PHONE }, T1);
      await directory.resolve({ email: ADA, phone: ADA_PHONE }, T2);

      // Act
      const forgotten = await directory.forget({ phone: ADA_PHONE });

      // Assess
      expect(forgotten.personIds).toEqual([winner.personId, loser.personId].sort());
    });

    it('gives ten concurrent first leads of one person one id, created once', async () => {
      // Prepare
      const directory = await start();

      // Act
      const resolutions = await Promise.all(
        Array.from({ length: 10 }, () => directory.resolve({ email: ADA, phone: ADA_PHONE }, T0)),
      );
      const later = await directory.resolve({ phone: ADA_PHONE }, T1);

      // Assess
      const ids = new Set(resolutions.map((resolution) => resolution.personId));
      expect(ids.size).toBe(1);
      expect(resolutions.filter((resolution) => resolution.created)).toHaveLength(1);
      expect(later.personId).toBe(resolutions[0]?.personId);
    });

    it('agrees on one winner when two merges of the same persons run at once', async () => {
      // Prepare
      const directory = await start();
      const first = await directory.resolve({ email: ADA }, T0);
      await directory.resolve({ phone: ADA_PHONE }, T1);

      // Act
      const joins = await Promise.all([
        directory.resolve({ email: ADA, phone: ADA_PHONE }, T2),
        directory.resolve({ email: ADA, phone: ADA_PHONE }, T2),
      ]);
      const after = await directory.resolve({ phone: ADA_PHONE }, T3);

      // Assess
      expect(joins.map((join) => join.personId)).toEqual([first.personId, first.personId]);
      expect(joins.some((join) => join.merged?.into === first.personId)).toBe(true);
      expect(after.personId).toBe(first.personId);
    });

    it('forgets every key of the person, so the same keys later make a new person', async () => {
      // Prepare
      const directory = await start();
      const before = await directory.resolve({ email: ADA, phone: ADA_PHONE }, T0);

      // Act
      const forgotten = await directory.forget({ email: ADA });
      const byPhone = await directory.resolve({ phone: ADA_PHONE }, T1);
      const byEmail = await directory.resolve({ email: ADA }, T2);

      // Assess
      expect(forgotten).toEqual({ personIds: [before.personId] });
      expect(byPhone.created).toBe(true);
      expect(byPhone.personId).not.toBe(before.personId);
      expect(byEmail.created).toBe(true);
      expect(byEmail.personId).not.toBe(before.personId);
    });

    it('forgets only that person, and nothing for keys it never saw', async () => {
      // Prepare
      const directory = await start();
      await directory.resolve({ email: ADA }, T0);
      const grace = await directory.resolve({ email: 'grace@example.com', phone: '+14155550199' }, T0);

      // Act
      const unknown = await directory.forget({ email: 'nobody@example.com' });
      await directory.forget({ email: ADA });
      const graceAfter = await directory.resolve({ phone: '+14155550199' }, T1);

      // Assess
      expect(unknown).toEqual({ personIds: [] });
      expect(graceAfter).toEqual({ personId: grace.personId, created: false });
    });

    it('resolves a Unicode email in any normalisation form and case to one person', async () => {
      // Prepare
      const directory = await start();
      const composed = 'zoë@bücher.example'.normalize('NFC');
      const decomposed = 'zoë@bücher.example'.normalize('NFD');

      // Act
      const first = await directory.resolve({ email: composed }, T0);
      const nfd = await directory.resolve({ email: decomposed }, T1);
      const upper = await directory.resolve({ email: 'ZOË@BÜCHER.EXAMPLE' }, T2);
      const forgotten = await directory.forget({ email: decomposed });

      // Assess
      expect(first.created).toBe(true);
      expect(nfd).toEqual({ personId: first.personId, created: false });
      expect(upper).toEqual({ personId: first.personId, created: false });
      expect(forgotten.personIds).toEqual([first.personId]);
    });

    it('stores keys as hashes only: no email or phone in plain text', async () => {
      // Prepare
      const directory = await start();

      // Act
      await directory.resolve({ email: 'zoë@bücher.example', phone: ADA_PHONE }, T0);
      await directory.resolve({ email: ADA }, T1);
      await directory.resolve({ email: ADA, phone: ADA_PHONE }, T2);
      const stored = await fixture?.stored();

      // Assess
      expect(stored).toMatch(/person_[0-9a-f]{32}/);
      for (const plain of ['zoë', 'bücher', 'ada@', 'example.com', '4155550101'])
        expect(stored).not.toContain(plain);
    });

    it.each([
      ['no keys at all', {}, /neither was given/],
      ['an email that is not an address', { email: 'not-an-email' }, /email is not a valid address/],
      ['a phone that is not E.164', { phone: '0155 5501' }, /not in E\.164 form/],
    ])('refuses %s with a clear error that does not repeat the value', async (_, keys, message) => {
      // Prepare
      const directory = await start();

      // Act
      const resolving = directory.resolve(keys, T0);
      const forgetting = directory.forget(keys);

      // Assess
      await expect(resolving).rejects.toThrow(PersonKeysError);
      await expect(resolving).rejects.toThrow(message);
      await expect(forgetting).rejects.toThrow(PersonKeysError);
      const error = await resolving.catch((caught: Error) => caught);
      for (const value of Object.values(keys)) expect((error as Error).message).not.toContain(value);
    });
  });
}
