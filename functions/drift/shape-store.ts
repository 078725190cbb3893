import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { TABLE_KEY } from '../../adapters/aws/lead-store.ts';
import type { KnownPaths, PathState } from './drift-rule.ts';

/** What is known about one source's payloads, and the version that guards concurrent writers. */
export interface KnownShape {
  paths: Record<string, PathState>;
  version: number;
}

/** Keeps each source's known shape in the leadpipe table, item id `shape#<source>`. */
export interface ShapeStore {
  load(source: string): Promise<KnownShape | undefined>;
  /**
   * Saves paths when the stored version is still `expectedVersion` (undefined: no item yet) and
   * returns the new version; undefined when another writer got there first.
   */
  save(source: string, paths: KnownPaths, expectedVersion: number | undefined): Promise<number | undefined>;
}

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
