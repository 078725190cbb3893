import { BatchGetItemCommand, BatchWriteItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DELIVERED_KEEP_SECONDS, type DeliveredRef, type DeliveredStore } from '../../functions/ports.ts';
import { TABLE_KEY, TABLE_TTL } from './idempotency-store.ts';

/** Items `delivered#<destination>#<lead id>`; the deliver function's IAM policy allows only its own prefix. */
export const deliveredItemPrefix = (destination: string) => `delivered#${destination}#`;

/** BatchGetItem reads at most 100 keys, BatchWriteItem writes at most 25 items. */
const GET_LIMIT = 100;
const WRITE_LIMIT = 25;
/** Unprocessed keys or items are sent again this many times before giving up. */
const ATTEMPTS = 5;

/** What each destination already received, in the leadpipe table, expiring by TTL. */
export function createDeliveredStore(
  client: DynamoDBClient,
  tableName: string,
  now: () => number = Date.now,
): DeliveredStore {
  return {
    async find(destination, leadIds) {
      const found = new Map<string, DeliveredRef | undefined>();
      const prefix = deliveredItemPrefix(destination);
      const nowSeconds = Math.floor(now() / 1000);
      for (let i = 0; i < leadIds.length; i += GET_LIMIT) {
        let keys = leadIds.slice(i, i + GET_LIMIT).map((leadId) => ({ [TABLE_KEY]: { S: prefix + leadId } }));
        for (let attempt = 0; keys.length > 0 && attempt < ATTEMPTS; attempt++) {
          const result = await client.send(
            new BatchGetItemCommand({ RequestItems: { [tableName]: { Keys: keys, ConsistentRead: true } } }),
          );
          for (const item of result.Responses?.[tableName] ?? []) {
            // TTL deletes lazily: an expired item may still be read.
            if (Number(item[TABLE_TTL]?.N ?? 0) < nowSeconds) continue;
            const leadId = (item[TABLE_KEY]?.S ?? '').slice(prefix.length);
            const ref = item.ref?.S;
            found.set(leadId, ref ? (JSON.parse(ref) as DeliveredRef) : undefined);
          }
          keys = (result.UnprocessedKeys?.[tableName]?.Keys ?? []) as typeof keys;
        }
        if (keys.length > 0) throw new Error(`DynamoDB left ${keys.length} delivered-lead keys unread`);
      }
      return found;
    },
    async record(destination, delivered) {
      const prefix = deliveredItemPrefix(destination);
      const expiresAt = String(Math.floor(now() / 1000) + DELIVERED_KEEP_SECONDS);
      for (let i = 0; i < delivered.length; i += WRITE_LIMIT) {
        let requests = delivered.slice(i, i + WRITE_LIMIT).map(({ leadId, ref }) => ({
          PutRequest: {
            Item: {
              [TABLE_KEY]: { S: prefix + leadId },
              [TABLE_TTL]: { N: expiresAt },
              ...(ref ? { ref: { S: JSON.stringify(ref) } } : {}),
            },
          },
        }));
        for (let attempt = 0; requests.length > 0 && attempt < ATTEMPTS; attempt++) {
          const result = await client.send(
            new BatchWriteItemCommand({ RequestItems: { [tableName]: requests } }),
          );
          requests = (result.UnprocessedItems?.[tableName] ?? []) as typeof requests;
        }
        if (requests.length > 0)
          throw new Error(`DynamoDB left ${requests.length} delivered leads unrecorded`);
      }
    },
  };
}
