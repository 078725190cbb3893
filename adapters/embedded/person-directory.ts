import { newPersonId, type PersonKeyHash, personKeyHashes } from '../../functions/persons/keys.ts';
import { decidePerson, type PersonDecision, type PersonSeen } from '../../functions/persons/merge.ts';
import type { PersonDirectory, PersonResolution } from '../../functions/ports.ts';
import type { EmbeddedDatabase } from './database.ts';
import { write } from './write-scope.ts';

/** How long a resolution staged in a write scope is seen by other invocations before its commit; longer than any invocation. */
const PENDING_MS = 60_000;
/** Alias chains are flattened on every merge; a longer one means a corrupt table. */
const MAX_ALIAS_DEPTH = 16;

/** Who owns a key and what a person is, as one resolution reads them. */
interface PersonView {
  owner(hash: string): string | undefined;
  person(personId: string): { firstSeen: string; aliasOf?: string } | undefined;
}

interface Plan {
  decision: PersonDecision;
  personId: string;
  /** Keys no one owns yet: claimed for `personId`. */
  unclaimed: PersonKeyHash[];
}

/**
 * The person directory in the embedded database: tables `persons` and `person_keys` (key hashes
 * only). Inside an ingest invocation's write scope the claim is staged and commits with the
 * acceptance (write-scope.ts), so a delivery that fails leaves no person behind; until it
 * commits, this directory's other resolutions see it as pending, so two concurrent first leads
 * of one person get one id. At commit the resolution is settled again against the table: had
 * another process claimed a key meanwhile, the id already handed out becomes an alias of the
 * person kept, so every id a lead carries resolves.
 */
export function createEmbeddedPersonDirectory(
  database: EmbeddedDatabase,
  options: { now?: () => number } = {},
): PersonDirectory {
  const pending = createPending(options.now ?? Date.now);
  const tableView = (): PersonView => ({
    owner: (hash) => ownerOf(database, hash),
    person: (personId) => personOf(database, personId),
  });
  return {
    async resolve(keys, at) {
      const hashes = personKeyHashes(keys);
      const table = tableView();
      const planned = plan(pending.over(table), hashes, at, newPersonId);
      const release = pending.hold(planned, at);
      let settled: PersonResolution | undefined;
      // Outside a write scope this runs now, in its own transaction; inside one it commits with the scope.
      write(database, (db) => {
        settled = settle(db, hashes, at, planned.personId);
        release();
      });
      return settled ?? resolutionOf(planned);
    },
    async forget(keys) {
      const hashes = personKeyHashes(keys);
      const personIds = database.transaction(() => forgetPersons(database, hashes));
      pending.forget(hashes, personIds);
      return { personIds };
    },
  };
}

function plan(view: PersonView, hashes: readonly PersonKeyHash[], at: string, proposeId: () => string): Plan {
  const owners: PersonSeen[] = [];
  const unclaimed: PersonKeyHash[] = [];
  for (const key of hashes) {
    const owner = view.owner(key.hash);
    if (owner === undefined) unclaimed.push(key);
    else owners.push(rootOf(view, owner, at));
  }
  const decision = decidePerson(owners);
  const personId =
    decision.kind === 'create'
      ? proposeId()
      : decision.kind === 'known'
        ? decision.personId
        : decision.winner.personId;
  return { decision, personId, unclaimed };
}

function rootOf(view: PersonView, personId: string, at: string): PersonSeen {
  let id = personId;
  for (let depth = 0; depth < MAX_ALIAS_DEPTH; depth++) {
    const person = view.person(id);
    if (!person) return { personId: id, firstSeen: at };
    if (person.aliasOf === undefined) return { personId: id, firstSeen: person.firstSeen };
    id = person.aliasOf;
  }
  throw new Error(`The alias chain of ${personId} is longer than ${MAX_ALIAS_DEPTH}`);
}

function resolutionOf(planned: Plan): PersonResolution {
  const { decision, personId } = planned;
  return {
    personId,
    created: decision.kind === 'create',
    ...(decision.kind === 'merge'
      ? { merged: { into: decision.winner.personId, from: decision.loser.personId } }
      : {}),
  };
}

/** Resolves against the table and writes the outcome; in the caller's transaction. `proposed`: the id already handed out. */
function settle(
  database: EmbeddedDatabase,
  hashes: readonly PersonKeyHash[],
  at: string,
  proposed: string,
): PersonResolution {
  const view: PersonView = {
    owner: (hash) => ownerOf(database, hash),
    person: (personId) => personOf(database, personId),
  };
  const planned = plan(view, hashes, at, () => proposed);
  const { decision, personId } = planned;
  if (decision.kind === 'create') {
    database
      .statement('INSERT INTO persons (person_id, first_seen, alias_of) VALUES (?, ?, NULL)')
      .run(personId, at);
  } else if (decision.kind === 'merge') {
    const loser = decision.loser.personId;
    // Flattened: the loser and everything that was its alias now point at the winner itself.
    database
      .statement('UPDATE persons SET alias_of = ? WHERE person_id = ? OR alias_of = ?')
      .run(personId, loser, loser);
    database.statement('UPDATE person_keys SET person_id = ? WHERE person_id = ?').run(personId, loser);
  }
  const claim = database.statement(
    'INSERT INTO person_keys (key_hash, person_id, claimed_at) VALUES (?, ?, ?) ON CONFLICT (key_hash) DO NOTHING',
  );
  for (const key of planned.unclaimed) claim.run(key.hash, personId, at);
  if (proposed !== personId && personOf(database, proposed) === undefined) {
    // Another writer settled these keys first: the id this resolution handed out resolves to the one kept.
    database
      .statement('INSERT INTO persons (person_id, first_seen, alias_of) VALUES (?, ?, ?)')
      .run(proposed, at, personId);
  }
  return resolutionOf(planned);
}

/** Deletes the persons owning these keys, their aliases and all their keys; returns their ids, sorted. */
function forgetPersons(database: EmbeddedDatabase, hashes: readonly PersonKeyHash[]): string[] {
  const view: PersonView = {
    owner: (hash) => ownerOf(database, hash),
    person: (personId) => personOf(database, personId),
  };
  const roots = new Set<string>();
  for (const key of hashes) {
    const owner = view.owner(key.hash);
    if (owner !== undefined) roots.add(rootOf(view, owner, '').personId);
  }
  const ids = new Set<string>();
  const aliases = database.statement(
    `WITH RECURSIVE family(id) AS (SELECT ? UNION SELECT persons.person_id FROM persons JOIN family ON persons.alias_of = family.id)
     SELECT id FROM family`,
  );
  for (const root of roots) for (const row of aliases.all(root) as { id: string }[]) ids.add(row.id);
  const list = JSON.stringify([...ids]);
  database.statement('DELETE FROM person_keys WHERE person_id IN (SELECT value FROM json_each(?))').run(list);
  database.statement('DELETE FROM persons WHERE person_id IN (SELECT value FROM json_each(?))').run(list);
  return [...ids].sort();
}

function ownerOf(database: EmbeddedDatabase, hash: string): string | undefined {
  const row = database.statement('SELECT person_id FROM person_keys WHERE key_hash = ?').get(hash) as
    | { person_id: string }
    | undefined;
  return row?.person_id;
}

function personOf(
  database: EmbeddedDatabase,
  personId: string,
): { firstSeen: string; aliasOf?: string } | undefined {
  const row = database
    .statement('SELECT first_seen, alias_of FROM persons WHERE person_id = ?')
    .get(personId) as { first_seen: string; alias_of: string | null } | undefined;
  if (!row) return undefined;
  return { firstSeen: row.first_seen, ...(row.alias_of !== null ? { aliasOf: row.alias_of } : {}) };
}

/**
 * Resolutions staged in write scopes and not yet committed, seen over the table by this
 * directory's other resolutions. A staged write dropped (its delivery failed) is never
 * released; its entries lapse after PENDING_MS, and meanwhile a resolution that sees one
 * settles with its id, which is as good as any new random id.
 */
function createPending(now: () => number) {
  const keys = new Map<string, { personId: string; until: number }>();
  const persons = new Map<string, { firstSeen: string; aliasOf?: string; until: number }>();
  const live = <T extends { until: number }>(entry: T | undefined) =>
    entry !== undefined && entry.until > now() ? entry : undefined;
  const prune = () => {
    const at = now();
    for (const [hash, entry] of keys) if (entry.until <= at) keys.delete(hash);
    for (const [id, entry] of persons) if (entry.until <= at) persons.delete(id);
  };
  return {
    over(table: PersonView): PersonView {
      return {
        owner: (hash) => live(keys.get(hash))?.personId ?? table.owner(hash),
        person: (personId) => {
          const held = live(persons.get(personId));
          if (held) return { firstSeen: held.firstSeen, ...(held.aliasOf ? { aliasOf: held.aliasOf } : {}) };
          return table.person(personId);
        },
      };
    },
    /** Holds what `planned` will write; the returned function releases it once committed. */
    hold(planned: Plan, at: string): () => void {
      if (keys.size + persons.size > 10_000) prune();
      const until = now() + PENDING_MS;
      const held: string[] = [];
      for (const key of planned.unclaimed) {
        keys.set(key.hash, { personId: planned.personId, until });
        held.push(key.hash);
      }
      const { decision } = planned;
      let person: string | undefined;
      if (decision.kind === 'create') {
        person = planned.personId;
        persons.set(person, { firstSeen: at, until });
      } else if (decision.kind === 'merge') {
        person = decision.loser.personId;
        persons.set(person, { firstSeen: decision.loser.firstSeen, aliasOf: planned.personId, until });
      }
      return () => {
        for (const hash of held) if (keys.get(hash)?.until === until) keys.delete(hash);
        if (person !== undefined && persons.get(person)?.until === until) persons.delete(person);
      };
    },
    forget(hashes: readonly PersonKeyHash[], personIds: readonly string[]): void {
      const gone = new Set(personIds);
      for (const key of hashes) {
        const held = keys.get(key.hash);
        if (held) gone.add(held.personId);
        keys.delete(key.hash);
      }
      for (const [hash, entry] of keys) if (gone.has(entry.personId)) keys.delete(hash);
      for (const [id, entry] of persons)
        if (gone.has(id) || (entry.aliasOf && gone.has(entry.aliasOf))) persons.delete(id);
    },
  };
}
