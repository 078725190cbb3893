import {
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { TABLE_KEY, TABLE_TTL } from './lead-store.ts';

/** A signed payload that could not be mapped: kept whole, with the reason, until it is replayed. */
export interface QuarantinedPayload {
  leadId: string;
  source: string;
  deliveryId: string;
  receivedAt: string;
  reason: { code: string; message: string };
  contentType: string;
  /** The request headers a mapping may read on replay; credentials and signatures are never kept. */
  headers?: Record<string, string>;
  /** The raw body, base64: a replay must see exactly the bytes the sender signed. */
  body: string;
}

const PREFIX = 'quarantine#';
/** Kept for 30 days: long enough for someone to fix the mapping and replay. */
const KEEP_SECONDS = 30 * 24 * 3600;

export interface QuarantineStore {
  put(entry: QuarantinedPayload): Promise<void>;
  get(leadId: string): Promise<QuarantinedPayload | undefined>;
  list(): Promise<QuarantinedPayload[]>;
  remove(leadId: string): Promise<void>;
}

export function createQuarantineStore(
  client: DynamoDBClient,
  tableName: string,
  now: () => number = Date.now,
): QuarantineStore {
  return {
    async put(entry) {
      await client.send(
        new PutItemCommand({
          TableName: tableName,
          Item: {
            [TABLE_KEY]: { S: PREFIX + entry.leadId },
            [TABLE_TTL]: { N: String(Math.floor(now() / 1000) + KEEP_SECONDS) },
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
}
