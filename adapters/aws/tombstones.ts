import { type DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { TombstoneStore } from '../../functions/ports.ts';
import { TABLE_KEY } from './idempotency-store.ts';

/** The items' key prefix: the IAM grants (infra) narrow reads to it. */
export const TOMBSTONE_ITEM_PREFIX = 'tombstone#';
const PREFIX = TOMBSTONE_ITEM_PREFIX;

/**
 * Erasure tombstones in the pipeline table: items `tombstone#<key hash>` with `erasedAt`, and no
 * TTL attribute, so DynamoDB never expires them. The ingest and deliver functions' table grants
 * already cover reads; the erase CLI writes them with the operator's credentials.
 */
export function createDynamoTombstones(client: DynamoDBClient, tableName: string): TombstoneStore {
  return {
    async add(hashes, erasedAt) {
      for (const hash of new Set(hashes)) {
        await client.send(
          new PutItemCommand({
            TableName: tableName,
            Item: { [TABLE_KEY]: { S: PREFIX + hash }, erasedAt: { S: erasedAt } },
          }),
        );
      }
    },
    async has(hash) {
      const result = await client.send(
        new GetItemCommand({
          TableName: tableName,
          Key: { [TABLE_KEY]: { S: PREFIX + hash } },
          ConsistentRead: true,
        }),
      );
      return result.Item?.erasedAt?.S;
    },
  };
}
