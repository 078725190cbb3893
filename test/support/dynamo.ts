import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LEDGER_TABLE } from '../../adapters/aws/ledger-table.ts';
import { startDynamo } from './dynalite.ts';
import { waitUntil } from './wait.ts';

export interface TestTable {
  client: DynamoDBClient;
  end(): Promise<void>;
}

/** An in-memory dynalite with the leadpipe table `tableName`, and a client for it. */
export async function startTestTable(tableName: string, region = 'us-east-1'): Promise<TestTable> {
  const dynamo = await startDynamo({ tableName });
  const client = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  return {
    client,
    end: async () => {
      client.destroy();
      await dynamo.end();
    },
  };
}

/**
 * The ledger's own table as infra/ledger-table.ts builds it (keys and indexes from LEDGER_TABLE,
 * each index projecting the whole item), ready for writes when this resolves.
 */
export async function createLedgerTable(client: DynamoDBClient, tableName: string): Promise<void> {
  const indexes = Object.entries(LEDGER_TABLE.indexes);
  const names = new Set<string>([LEDGER_TABLE.partitionKey, LEDGER_TABLE.sortKey]);
  for (const [, keys] of indexes) names.add(keys.partitionKey).add(keys.sortKey);
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [...names].map((AttributeName) => ({ AttributeName, AttributeType: 'S' })),
      KeySchema: [
        { AttributeName: LEDGER_TABLE.partitionKey, KeyType: 'HASH' },
        { AttributeName: LEDGER_TABLE.sortKey, KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      GlobalSecondaryIndexes: indexes.map(([IndexName, keys]) => ({
        IndexName,
        KeySchema: [
          { AttributeName: keys.partitionKey, KeyType: 'HASH' },
          { AttributeName: keys.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      })),
    }),
  );
  // dynalite makes even an instantly created table ACTIVE a moment later; writes before that are refused.
  await waitUntil(
    `table ${tableName} to be active`,
    async () => {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
      return Table?.TableStatus === 'ACTIVE' ? true : undefined;
    },
    { timeoutMs: 10_000, intervalMs: 10 },
  );
}
