/**
 * The lead ledger's DynamoDB key design: the table's keys, its TTL attribute and its indexes, every
 * attribute a string. A leaf module with no imports, so the CDK stack builds the table from the very
 * constant the adapter (adapters/aws/ledger.ts) reads and writes by, without loading the AWS SDK.
 */
export const LEDGER_TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  ttl: 'expiresAt',
  indexes: {
    byEmail: { partitionKey: 'emailKey', sortKey: 'receivedKey' },
    byPhone: { partitionKey: 'phoneKey', sortKey: 'receivedKey' },
    byCorrelation: { partitionKey: 'correlationKey', sortKey: 'receivedKey' },
    bySource: { partitionKey: 'sourceKey', sortKey: 'receivedKey' },
    byDay: { partitionKey: 'dayKey', sortKey: 'receivedKey' },
    byHour: { partitionKey: 'hourKey', sortKey: 'eventKey' },
  },
} as const;

export type LedgerIndexName = keyof typeof LEDGER_TABLE.indexes;
