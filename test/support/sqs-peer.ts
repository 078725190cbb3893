import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { startFauxqs } from 'fauxqs';

export interface LocalSqs {
  endpoint: string;
  end(): Promise<void>;
}

/** fauxqs: the SQS API in process, a test peer for the AWS adapters (never the local host). */
export async function startSqs(options: { dataDir?: string }): Promise<LocalSqs> {
  const dataDir = options.dataDir ? join(options.dataDir, 'sqs') : undefined;
  if (dataDir) await mkdir(dataDir, { recursive: true });
  // fauxqs binds every interface on a random port (it has no option to bind loopback only);
  // the SDK reaches it over loopback.
  const server = await startFauxqs({ port: 0, logger: false, ...(dataDir ? { dataDir } : {}) });
  return { endpoint: `http://127.0.0.1:${server.port}`, end: () => server.stop() };
}

export interface DestinationQueues {
  queueUrl: string;
  queueArn: string;
  deadLetterQueueUrl: string;
}

/**
 * The queue and dead-letter queue of one destination, created or brought up to date. The
 * redrive policy is the backstop for a handler that crashes: the deliver handler dead-letters
 * leads itself, with the reason, after `maxAttempts`.
 */
export async function ensureDestinationQueues(
  sqs: SQSClient,
  name: string,
  settings: { maxAttempts: number; visibilityTimeoutSeconds: number },
): Promise<DestinationQueues> {
  const dlq = await sqs.send(
    new CreateQueueCommand({ QueueName: `${name}-dlq`, Attributes: { MessageRetentionPeriod: '1209600' } }),
  );
  const deadLetterQueueUrl = dlq.QueueUrl as string;
  const dlqArn = await queueArn(sqs, deadLetterQueueUrl);
  const attributes = {
    VisibilityTimeout: String(settings.visibilityTimeoutSeconds),
    MessageRetentionPeriod: '1209600',
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: settings.maxAttempts + 1 }),
  };
  const created = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  const queueUrl = created.QueueUrl as string;
  // CreateQueue keeps an existing queue's attributes; set them so a config change takes effect.
  await sqs.send(new SetQueueAttributesCommand({ QueueUrl: queueUrl, Attributes: attributes }));
  return { queueUrl, queueArn: await queueArn(sqs, queueUrl), deadLetterQueueUrl };
}

async function queueArn(sqs: SQSClient, url: string): Promise<string> {
  const result = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
  );
  const arn = result.Attributes?.QueueArn;
  if (!arn) throw new Error(`Queue ${url} has no ARN`);
  return arn;
}

/**
 * The lead.received SQS fixture (test/fixtures/events/sqs/lead-received.json), really sent to and
 * received from `queue`, so its receipt handle is one the peer knows.
 */
export async function receivedFixture(sqs: SQSClient, queue: { queueUrl: string }): Promise<SQSEvent> {
  const event: SQSEvent = JSON.parse(readFileSync(LEAD_RECEIVED_FIXTURE, 'utf8'));
  const record = event.Records[0];
  if (!record) throw new Error('empty fixture');
  await sqs.send(new SendMessageCommand({ QueueUrl: queue.queueUrl, MessageBody: record.body }));
  const received = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: queue.queueUrl, MaxNumberOfMessages: 1, WaitTimeSeconds: 1 }),
  );
  const message = received.Messages?.[0];
  if (!message?.ReceiptHandle || !message.MessageId) throw new Error('nothing received');
  return { Records: [{ ...record, messageId: message.MessageId, receiptHandle: message.ReceiptHandle }] };
}

const LEAD_RECEIVED_FIXTURE = join(import.meta.dirname, '../fixtures/events/sqs/lead-received.json');
