import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/**
 * One DynamoDB table keeps what ingest must remember: delivery ids already accepted (Powertools
 * idempotency records) and quarantined payloads. Key attribute `id`, TTL attribute `expiration`.
 */
export const TABLE_KEY = 'id';
export const TABLE_TTL = 'expiration';

export function createIdempotencyStore(client: DynamoDBClient, tableName: string): DynamoDBPersistenceLayer {
  return new DynamoDBPersistenceLayer({
    tableName,
    awsSdkV3Client: client,
    keyAttr: TABLE_KEY,
    expiryAttr: TABLE_TTL,
  });
}
