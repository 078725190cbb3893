import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { PathState } from '../../functions/drift/drift-rule.ts';
import type { ShapeStore } from '../../functions/ports.ts';
import { TABLE_KEY } from './idempotency-store.ts';

export const SHAPE_ITEM_PREFIX = 'shape#';

/** The shape store in DynamoDB: no TTL, a known shape is kept as long as its source exists. */
export function createShapeStore(
  client: DynamoDBClient,
  tableName: string,
  now: () => Date = () => new Date(),
): ShapeStore {
  return {
    async load(source) {
      const result = await client.send(
        new GetItemCommand({
          TableName: tableName,
          Key: { [TABLE_KEY]: { S: SHAPE_ITEM_PREFIX + source } },
          ConsistentRead: true,
        }),
      );
      const paths = result.Item?.paths?.S;
      const version = result.Item?.version?.N;
      if (paths === undefined || version === undefined) return undefined;
      return { paths: JSON.parse(paths) as Record<string, PathState>, version: Number(version) };
    },
    async save(source, paths, expectedVersion) {
      const version = (expectedVersion ?? 0) + 1;
      try {
        await client.send(
          new PutItemCommand({
            TableName: tableName,
            Item: {
              [TABLE_KEY]: { S: SHAPE_ITEM_PREFIX + source },
              paths: { S: JSON.stringify(paths) },
              version: { N: String(version) },
              updatedAt: { S: now().toISOString() },
            },
            ...(expectedVersion === undefined
              ? {
                  ConditionExpression: 'attribute_not_exists(#id)',
                  ExpressionAttributeNames: { '#id': TABLE_KEY },
                }
              : {
                  ConditionExpression: '#version = :expected',
                  ExpressionAttributeNames: { '#version': 'version' },
                  ExpressionAttributeValues: { ':expected': { N: String(expectedVersion) } },
                }),
          }),
        );
        return version;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return undefined;
        throw error;
      }
    },
  };
}
