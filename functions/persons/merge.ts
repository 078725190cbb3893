/** A person as the merge rule sees it: its id and when it was first seen (ISO 8601). */
export interface PersonSeen {
  personId: string;
  firstSeen: string;
}

/**
 * The merge rule (docs/architecture.md, "One person across channels"): when a lead's keys belong
 * to two known persons, the one first seen wins; on a tie, the lower id. The loser's keys move to
 * the winner and its id stays as an alias that resolves to the winner.
 */
export function mergeOrder(a: PersonSeen, b: PersonSeen): { winner: PersonSeen; loser: PersonSeen } {
  const first = Date.parse(a.firstSeen) - Date.parse(b.firstSeen);
  const aWins = first < 0 || (first === 0 && a.personId < b.personId);
  return aWins ? { winner: a, loser: b } : { winner: b, loser: a };
}

/** What resolving keys comes to, given the distinct persons (aliases already followed) that own some of them. */
export type PersonDecision =
  | { kind: 'create' }
  | { kind: 'known'; personId: string }
  | { kind: 'merge'; winner: PersonSeen; loser: PersonSeen };

/** Decides from the persons owning the keys: none, one, or two to merge (a lead has at most two keys). */
export function decidePerson(owners: readonly PersonSeen[]): PersonDecision {
  const distinct = [...new Map(owners.map((owner) => [owner.personId, owner])).values()];
  const [a, b, extra] = distinct;
  if (extra !== undefined) throw new Error(`A lead's keys cannot belong to ${distinct.length} persons`);
  if (a === undefined) return { kind: 'create' };
  if (b === undefined) return { kind: 'known', personId: a.personId };
  return { kind: 'merge', ...mergeOrder(a, b) };
}
