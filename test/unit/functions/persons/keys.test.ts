import { describe, expect, it } from 'vitest';
import {
  newPersonId,
  PERSON_ID_PATTERN,
  PersonKeysError,
  personKeyHashes,
  personKeysOf,
} from '../../../../functions/persons/keys.ts';
import { decidePerson, mergeOrder } from '../../../../functions/persons/merge.ts';

describe('person keys', () => {
  it('hashes email:<normalised email> and phone:<E.164> with SHA-256, email first', () => {
    // Prepare
    const keys = { phone: '+14155550101', email: ' Ada@Example.COM ' };

    // Act
    const hashes = personKeyHashes(keys);

    // Assess: the digests of `email:ada@example.com` and `phone:+14155550101`, computed apart (sha256sum).
    expect(hashes).toEqual([
      { kind: 'email', hash: '9b62a3a2bce7c868f30d60f0818e84d225bceb56f6c2dccaa4ac388af5fd8f7f' },
      { kind: 'phone', hash: 'cac851e5a55b2069dfae9405b967ffc5edfd5faa635d802654dc1539f41225fb' },
    ]);
    expect(hashes[0]?.hash).not.toBe(personKeyHashes({ phone: '+14155550101' })[0]?.hash);
  });

  it('makes random ids of the lead schema’s form, never the same twice', () => {
    // Act
    const ids = Array.from({ length: 100 }, () => newPersonId());

    // Assess
    for (const id of ids) expect(id).toMatch(PERSON_ID_PATTERN);
    expect(new Set(ids).size).toBe(100);
  });

  it.each([
    ['nothing', {}],
    ['an invalid email', { email: 'a@@b' }],
    ['a phone without its country code', { phone: '4155550101' }],
  ])('refuses %s with PersonKeysError', (_, keys) => {
    expect(() => personKeyHashes(keys)).toThrow(PersonKeysError);
  });

  it('takes from a lead only the keys that identify someone', () => {
    expect(personKeysOf({ email: 'ada@example.com', phone: '+14155550101' })).toEqual({
      email: 'ada@example.com',
      phone: '+14155550101',
    });
    expect(personKeysOf({ email: 'not an email', phone: '+14155550101' })).toEqual({ phone: '+14155550101' });
    expect(personKeysOf({})).toBeUndefined();
  });
});

describe('the merge rule', () => {
  const early = {
    personId: 'person_ffffffffffffffffffffffffffffffff',
    firstSeen: '2026-04-01T09:00:00.000Z',
  };
  const late = { personId: 'person_00000000000000000000000000000000', firstSeen: '2026-04-01T10:00:00.000Z' };

  it('lets the person first seen win, whatever its id', () => {
    expect(mergeOrder(late, early)).toEqual({ winner: early, loser: late });
    expect(mergeOrder(early, late)).toEqual({ winner: early, loser: late });
  });

  it('breaks a tie by the lower id', () => {
    const tie = { ...late, firstSeen: early.firstSeen };
    expect(mergeOrder(early, tie)).toEqual({ winner: tie, loser: early });
  });

  it('decides create, known or merge from the persons owning the keys', () => {
    expect(decidePerson([])).toEqual({ kind: 'create' });
    expect(decidePerson([early, early])).toEqual({ kind: 'known', personId: early.personId });
    expect(decidePerson([late, early])).toEqual({ kind: 'merge', winner: early, loser: late });
  });
});
