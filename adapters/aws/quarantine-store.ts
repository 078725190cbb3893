import {
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { payloadMatches } from '../../functions/erasure/match.ts';
import {
  QUARANTINE_KEEP_SECONDS,
  type QuarantinedPayload,
  type QuarantineStore,
} from '../../functions/ports.ts';
import { TABLE_KEY, TABLE_TTL } from './idempotency-store.ts';

const PREFIX = 'quarantine#';

/** The quarantine in the leadpipe table: items `quarantine#<lead id>`, expiring after 30 days. */
export function createQuarantineStore(
  client: DynamoDBClient,
  tableName: string,
  now: () => number = Date.now,
): QuarantineStore {
  const store: QuarantineStore = {
    async put(entry) {
      await client.send(
        new PutItemCommand({
          TableName: tableName,
          Item: {
            [TABLE_KEY]: { S: PREFIX + entry.leadId },
            [TABLE_TTL]: { N: String(Math.floor(now() / 1000) + QUARANTINE_KEEP_SECONDS) },
            entry: { S: JSON.stringify(entry) },
          },
        }),
      );
    },
    async get(leadId) {
      const result = await client.send(
        new GetItemCommand({
          TableName: tableName,
          Key: { [TABLE_KEY]: { S: PREFIX + leadId } },
          ConsistentRead: true,
        }),
      );
      const raw = result.Item?.entry?.S;
      return raw ? (JSON.parse(raw) as QuarantinedPayload) : undefined;
    },
    async erase(match, phoneRegion) {
      // The same scan as list (TTL-expired items not yet swept are included: they are still stored).
      let removed = 0;
      for (const entry of await store.list()) {
        if (!payloadMatches(entry, match, phoneRegion)) continue;
        await store.remove(entry.leadId);
        removed++;
      }
      return removed;
    },
    async list() {
      // Quarantine is rare and small, so a filtered scan is simpler than an index.
      const entries: QuarantinedPayload[] = [];
      let start: Record<string, import('@aws-sdk/client-dynamodb').AttributeValue> | undefined;
      do {
        const page = await client.send(
          new ScanCommand({
            TableName: tableName,
            FilterExpression: 'begins_with(#id, :prefix)',
            ExpressionAttributeNames: { '#id': TABLE_KEY },
            ExpressionAttributeValues: { ':prefix': { S: PREFIX } },
            ExclusiveStartKey: start,
          }),
        );
        for (const item of page.Items ?? []) if (item.entry?.S) entries.push(JSON.parse(item.entry.S));
        start = page.LastEvaluatedKey;
      } while (start);
      return entries.sort((a, b) => a.receivedAt.localeCompare(b.receivedAt));
    },
    async remove(leadId) {
      await client.send(
        new DeleteItemCommand({ TableName: tableName, Key: { [TABLE_KEY]: { S: PREFIX + leadId } } }),
      );
    },
  };
  return store;
}
