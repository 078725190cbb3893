import { createHash, randomBytes } from 'node:crypto';
import { normaliseEmail } from '../mapping/normalise.ts';
import type { PersonKeys } from '../ports.ts';

/** The form every person id has (schemas/lead.schema.json `personId`). */
export const PERSON_ID_PATTERN = /^person_[0-9a-f]{32}$/;

const E164 = /^\+[1-9][0-9]{6,14}$/;

/** The keys given cannot identify a person: none at all, or one that is not a normalised email / E.164 phone. */
export class PersonKeysError extends Error {
  override readonly name = 'PersonKeysError';
}

/** One key of a person as the directories store it: which kind, and the SHA-256 of `<kind>:<value>`. */
export interface PersonKeyHash {
  kind: 'email' | 'phone';
  hash: string;
}

/**
 * A new person id: random, never derived from a key, so that an erased person's email or phone,
 * sent again, makes a new person and cannot bring the old id (and the CRM records under it) back.
 */
export function newPersonId(): string {
  return `person_${randomBytes(16).toString('hex')}`;
}

/**
 * The hashed keys, email first (the order every directory claims them in). Throws PersonKeysError
 * for no key or an invalid one; the message never repeats the value (it is personal data).
 */
export function personKeyHashes(keys: PersonKeys): PersonKeyHash[] {
  const hashes: PersonKeyHash[] = [];
  if (keys.email !== undefined) {
    const email = normaliseEmail(keys.email);
    if (email === undefined)
      throw new PersonKeysError('The email is not a valid address, so it cannot identify a person.');
    hashes.push({ kind: 'email', hash: keyHash(`email:${email}`) });
  }
  if (keys.phone !== undefined) {
    const phone = keys.phone.trim();
    if (!E164.test(phone)) {
      throw new PersonKeysError(
        'The phone is not in E.164 form (+ and 7 to 15 digits), so it cannot identify a person.',
      );
    }
    hashes.push({ kind: 'phone', hash: keyHash(`phone:${phone}`) });
  }
  if (hashes.length === 0)
    throw new PersonKeysError('A person is resolved from an email or a phone; neither was given.');
  return hashes;
}

/** The keys of a lead that can identify its person (an email that does not normalise is left out); undefined: none. */
export function personKeysOf(lead: { email?: string; phone?: string }): PersonKeys | undefined {
  const email = lead.email !== undefined ? normaliseEmail(lead.email) : undefined;
  const phone = lead.phone !== undefined && E164.test(lead.phone) ? lead.phone : undefined;
  if (email === undefined && phone === undefined) return undefined;
  return { ...(email !== undefined ? { email } : {}), ...(phone !== undefined ? { phone } : {}) };
}

function keyHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
