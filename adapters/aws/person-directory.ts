import {
  type AttributeValue,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { newPersonId, type PersonKeyHash, personKeyHashes } from '../../functions/persons/keys.ts';
import { decidePerson, type PersonSeen } from '../../functions/persons/merge.ts';
import type { PersonDirectory, PersonResolution } from '../../functions/ports.ts';
import { TABLE_KEY } from './idempotency-store.ts';

export const PERSON_KEY_PREFIX = 'personkey#';
export const PERSON_ITEM_PREFIX = 'person#';

/** Rounds of read-then-conditional-write before giving up: each lost round means another writer moved on. */
const MAX_ROUNDS = 8;
const MAX_ALIAS_DEPTH = 16;

/** Another writer kept changing these keys' persons; the caller may retry (ingest answers 503). */
export class PersonDirectoryConflictError extends Error {
  override readonly name = 'PersonDirectoryConflictError';
}

interface PersonItem extends PersonSeen {
  aliasOf?: string;
  /** Hashes of the keys this person claimed (some may since have moved to a winner). */
  keys: string[];
  /** Persons merged into this one. */
  aliases: string[];
}

/**
 * The person directory in the pipeline table (single-table design, key `id`), items
 * `personkey#<sha-256 of email:… / phone:…>` → the person id, and `person#<id>` with when it
 * was first seen, its key hashes, its aliases and, once merged, `aliasOf`. No item has the TTL
 * attribute: identity lasts until erased. Why this table and not the ledger's: the ingest
 * Lambda already reads and writes it item by item (no new grant), and the ledger's items expire
 * with its retention, while a person must outlive every lead of theirs in the ledger.
 *
 * DynamoDB has no transaction here that dynalite can prove, so every step is a conditional
 * write and the order makes a crash harmless: a new person's item is written before its first
 * key is claimed (`attribute_not_exists`: of two first leads of one person, one claims, the
 * other sees it and joins); a merge adds the loser's keys and aliases to the winner, then marks
 * the loser `aliasOf` the winner (the commit point: readers follow it), then re-points keys.
 */
export function createDynamoPersonDirectory(client: DynamoDBClient, tableName: string): PersonDirectory {
  const table = personTable(client, tableName);
  return {
    async resolve(keys, at) {
      const hashes = personKeyHashes(keys);
      let merged: PersonResolution['merged'];
      for (let round = 0; round < MAX_ROUNDS; round++) {
        const owned = await Promise.all(
          hashes.map(async (key) => ({ key, owner: await table.key(key.hash) })),
        );
        const unclaimed = owned.filter((entry) => entry.owner === undefined).map((entry) => entry.key);
        const roots = new Map<string, PersonItem>();
        for (const entry of owned) {
          if (!entry.owner) continue;
          const root = await table.root(entry.owner.personId, entry.owner.claimedAt);
          if (!roots.has(root.personId)) roots.set(root.personId, root);
        }
        const decision = decidePerson([...roots.values()]);
        if (decision.kind === 'create') {
          const personId = newPersonId();
          await table.putPerson(personId, at, hashes);
          const [first, ...rest] = hashes as [PersonKeyHash, ...PersonKeyHash[]];
          if (!(await table.claim(first.hash, personId, at))) {
            await table.deletePerson(personId);
            continue;
          }
          // A later key lost to another writer: the next round finds both persons and merges them.
          if (!(await table.claimAll(rest, personId, at))) continue;
          return { personId, created: true };
        }
        if (decision.kind === 'merge') {
          const winner = roots.get(decision.winner.personId) as PersonItem;
          const loser = roots.get(decision.loser.personId) as PersonItem;
          const loserKeys = [
            ...new Set([
              ...loser.keys,
              ...owned
                .filter((entry) => entry.owner && !winner.keys.includes(entry.key.hash))
                .map((entry) => entry.key.hash),
            ]),
          ];
          await table.adopt(
            winner.personId,
            [...loserKeys, ...unclaimed.map((key) => key.hash)],
            [loser.personId, ...loser.aliases],
          );
          if (!(await table.markAlias(loser, winner.personId))) continue;
          merged = { into: winner.personId, from: loser.personId };
          const family = [loser.personId, ...loser.aliases];
          await Promise.all(loserKeys.map((hash) => table.repoint(hash, family, winner.personId)));
          await Promise.all(loser.aliases.map((alias) => table.flattenAlias(alias, winner.personId)));
        }
        const personId = decision.kind === 'known' ? decision.personId : decision.winner.personId;
        if (unclaimed.length > 0) {
          await table.adopt(
            personId,
            unclaimed.map((key) => key.hash),
            [],
          );
          if (!(await table.claimAll(unclaimed, personId, at))) continue;
        }
        return { personId, created: false, ...(merged ? { merged } : {}) };
      }
      throw new PersonDirectoryConflictError(
        `The person could not be resolved after ${MAX_ROUNDS} rounds of concurrent changes; retry.`,
      );
    },

    async forget(keys) {
      const hashes = personKeyHashes(keys);
      const ids = new Set<string>();
      const keyHashes = new Set<string>();
      for (const key of hashes) {
        const owner = await table.key(key.hash);
        if (!owner) continue;
        keyHashes.add(key.hash);
        const root = await table.root(owner.personId, owner.claimedAt);
        // The root, every alias merged into it (and theirs), and every key any of them claimed.
        const queue = [root.personId];
        while (queue.length > 0) {
          const id = queue.shift() as string;
          if (ids.has(id)) continue;
          ids.add(id);
          const person = await table.person(id);
          for (const hash of person?.keys ?? []) keyHashes.add(hash);
          queue.push(...(person?.aliases ?? []));
        }
      }
      const family = [...ids];
      if (family.length > 0) {
        await Promise.all([...keyHashes].map((hash) => table.deleteKey(hash, family)));
        await Promise.all(family.map((id) => table.deletePerson(id)));
      }
      return { personIds: family.sort() };
    },
  };
}

/** The item-level reads and conditional writes the directory is made of. */
function personTable(client: DynamoDBClient, tableName: string) {
  const keyOf = (id: string) => ({ [TABLE_KEY]: { S: id } });
  const conditionFailed = async (write: Promise<unknown>): Promise<boolean> => {
    try {
      await write;
      return false;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return true;
      throw error;
    }
  };
  const ownedBy = (family: readonly string[]) => ({
    ConditionExpression: `#person IN (${family.map((_, index) => `:p${index}`).join(', ')})`,
    ExpressionAttributeNames: { '#person': 'personId' },
    ExpressionAttributeValues: Object.fromEntries(
      family.map((id, index): [string, AttributeValue] => [`:p${index}`, { S: id }]),
    ),
  });

  const table = {
    async key(hash: string): Promise<{ personId: string; claimedAt: string } | undefined> {
      const { Item } = await client.send(
        new GetItemCommand({
          TableName: tableName,
          Key: keyOf(PERSON_KEY_PREFIX + hash),
          ConsistentRead: true,
        }),
      );
      const personId = Item?.personId?.S;
      return personId ? { personId, claimedAt: Item?.claimedAt?.S ?? '' } : undefined;
    },
    async person(personId: string): Promise<PersonItem | undefined> {
      const { Item } = await client.send(
        new GetItemCommand({
          TableName: tableName,
          Key: keyOf(PERSON_ITEM_PREFIX + personId),
          ConsistentRead: true,
        }),
      );
      if (!Item) return undefined;
      return {
        personId,
        firstSeen: Item.firstSeen?.S ?? '',
        ...(Item.aliasOf?.S ? { aliasOf: Item.aliasOf.S } : {}),
        keys: Item.keys?.SS ?? [],
        aliases: Item.aliases?.SS ?? [],
      };
    },
    /** The person at the end of the alias chain; a person whose item is missing is its own root, first seen when the key was claimed. */
    async root(personId: string, claimedAt: string): Promise<PersonItem> {
      let id = personId;
      for (let depth = 0; depth < MAX_ALIAS_DEPTH; depth++) {
        const person = await table.person(id);
        if (!person) return { personId: id, firstSeen: claimedAt, keys: [], aliases: [] };
        if (person.aliasOf === undefined) return person;
        id = person.aliasOf;
      }
      throw new Error(`The alias chain of ${personId} is longer than ${MAX_ALIAS_DEPTH}`);
    },
    async putPerson(personId: string, at: string, keys: readonly PersonKeyHash[]): Promise<void> {
      await client.send(
        new PutItemCommand({
          TableName: tableName,
          Item: {
            ...keyOf(PERSON_ITEM_PREFIX + personId),
            firstSeen: { S: at },
            keys: { SS: keys.map((key) => key.hash) },
          },
          ConditionExpression: 'attribute_not_exists(#id)',
          ExpressionAttributeNames: { '#id': TABLE_KEY },
        }),
      );
    },
    /** Claims a key no one owns; false when someone does. */
    async claim(hash: string, personId: string, at: string): Promise<boolean> {
      const lost = await conditionFailed(
        client.send(
          new PutItemCommand({
            TableName: tableName,
            Item: { ...keyOf(PERSON_KEY_PREFIX + hash), personId: { S: personId }, claimedAt: { S: at } },
            ConditionExpression: 'attribute_not_exists(#id)',
            ExpressionAttributeNames: { '#id': TABLE_KEY },
          }),
        ),
      );
      return !lost;
    },
    async claimAll(keys: readonly PersonKeyHash[], personId: string, at: string): Promise<boolean> {
      for (const key of keys) if (!(await table.claim(key.hash, personId, at))) return false;
      return true;
    },
    /** Adds key hashes and aliases to a person's item (sets: adding twice is adding once). */
    async adopt(personId: string, keys: readonly string[], aliases: readonly string[]): Promise<void> {
      const parts: string[] = [];
      const values: Record<string, AttributeValue> = {};
      if (keys.length > 0) {
        parts.push('#keys :keys');
        values[':keys'] = { SS: [...new Set(keys)] };
      }
      if (aliases.length > 0) {
        parts.push('#aliases :aliases');
        values[':aliases'] = { SS: [...new Set(aliases)] };
      }
      if (parts.length === 0) return;
      await client.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: keyOf(PERSON_ITEM_PREFIX + personId),
          UpdateExpression: `ADD ${parts.join(', ')}`,
          ExpressionAttributeNames: {
            ...(keys.length > 0 ? { '#keys': 'keys' } : {}),
            ...(aliases.length > 0 ? { '#aliases': 'aliases' } : {}),
          },
          ExpressionAttributeValues: values,
        }),
      );
    },
    /** The merge's commit point: false when the loser was merged meanwhile (by another writer). */
    async markAlias(loser: PersonItem, winnerId: string): Promise<boolean> {
      const lost = await conditionFailed(
        client.send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: keyOf(PERSON_ITEM_PREFIX + loser.personId),
            UpdateExpression: 'SET #aliasOf = :winner, #firstSeen = if_not_exists(#firstSeen, :seen)',
            ConditionExpression: 'attribute_not_exists(#aliasOf)',
            ExpressionAttributeNames: { '#aliasOf': 'aliasOf', '#firstSeen': 'firstSeen' },
            ExpressionAttributeValues: { ':winner': { S: winnerId }, ':seen': { S: loser.firstSeen } },
          }),
        ),
      );
      return !lost;
    },
    /** Points a key of the loser's family at the winner; a key that moved elsewhere meanwhile is left alone. */
    async repoint(hash: string, family: readonly string[], winnerId: string): Promise<void> {
      const condition = ownedBy(family);
      await conditionFailed(
        client.send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: keyOf(PERSON_KEY_PREFIX + hash),
            UpdateExpression: 'SET #person = :winner',
            ...condition,
            ExpressionAttributeValues: { ...condition.ExpressionAttributeValues, ':winner': { S: winnerId } },
          }),
        ),
      );
    },
    /** Keeps alias chains one step long: a loser's aliases point at its winner. */
    async flattenAlias(aliasId: string, winnerId: string): Promise<void> {
      await conditionFailed(
        client.send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: keyOf(PERSON_ITEM_PREFIX + aliasId),
            UpdateExpression: 'SET #aliasOf = :winner',
            ConditionExpression: 'attribute_exists(#id)',
            ExpressionAttributeNames: { '#aliasOf': 'aliasOf', '#id': TABLE_KEY },
            ExpressionAttributeValues: { ':winner': { S: winnerId } },
          }),
        ),
      );
    },
    /** Deletes a key while it belongs to one of `family` (another person's key is never deleted). */
    async deleteKey(hash: string, family: readonly string[]): Promise<void> {
      await conditionFailed(
        client.send(
          new DeleteItemCommand({
            TableName: tableName,
            Key: keyOf(PERSON_KEY_PREFIX + hash),
            ...ownedBy(family),
          }),
        ),
      );
    },
    async deletePerson(personId: string): Promise<void> {
      await client.send(
        new DeleteItemCommand({ TableName: tableName, Key: keyOf(PERSON_ITEM_PREFIX + personId) }),
      );
    },
  };
  return table;
}
