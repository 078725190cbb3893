import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';

/** Where the AWS SDK calls go. Omitted: real AWS, with the Lambda's region and role. */
export interface AwsEndpoints {
  dynamodb?: string;
  sqs?: string;
  eventbridge?: string;
}

export interface AwsClients {
  dynamodb: DynamoDBClient;
  sqs: SQSClient;
  eventbridge: EventBridgeClient;
}

// Local peers accept any credentials; fixed ones keep the SDK from searching the machine for real ones.
const localCredentials = { accessKeyId: 'leadpipe-local', secretAccessKey: 'leadpipe-local' };

function settings(endpoint: string | undefined, region: string | undefined) {
  if (!endpoint) return region ? { region } : {};
  return { endpoint, region: region ?? 'us-east-1', credentials: localCredentials, maxAttempts: 3 };
}

/** The three AWS clients the pipeline uses, pointed at AWS or at local peers. */
export function createAwsClients(endpoints: AwsEndpoints = {}, region?: string): AwsClients {
  return {
    dynamodb: new DynamoDBClient(settings(endpoints.dynamodb, region)),
    sqs: new SQSClient(settings(endpoints.sqs, region)),
    eventbridge: new EventBridgeClient(settings(endpoints.eventbridge, region)),
  };
}

export function destroyAwsClients(clients: AwsClients): void {
  clients.dynamodb.destroy();
  clients.sqs.destroy();
  clients.eventbridge.destroy();
}
