import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startDynamo } from './dynalite.ts';

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
