import {
  DeleteMessageBatchCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSMessageAttributes, SQSRecord } from 'aws-lambda';

/** SQS hands out at most 10 messages per ReceiveMessage. */
const RECEIVE_LIMIT = 10;

export interface PollerOptions {
  sqs: SQSClient;
  queueUrl: string;
  queueArn: string;
  handler: (event: SQSEvent) => Promise<SQSBatchResponse | undefined>;
  /** Most records per invocation (the event source mapping's BatchSize). */
  batchSize: number;
  /** How long to gather a batch once the first message arrived (MaximumBatchingWindowInSeconds). */
  batchWindowMs: number;
  /** Invocations running at once (the mapping's maximum concurrency). */
  concurrency?: number;
  region?: string;
  onError?: (error: unknown) => void;
}

export interface Poller {
  /** Batches handed to the handler so far. */
  readonly invocations: number;
  end(): Promise<void>;
}

/**
 * The Lambda SQS event source mapping, locally: gathers up to `batchSize` messages within the
 * batching window, invokes the handler with an SQS event, deletes the records the handler did
 * not report in `batchItemFailures`, and leaves the rest to reappear when their visibility
 * timeout ends (and to move to the dead-letter queue through the redrive policy). If the handler
 * throws, the whole batch stays on the queue, as on AWS.
 */
export function startPoller(options: PollerOptions): Poller {
  const abort = new AbortController();
  const region = options.region ?? 'us-east-1';
  let invocations = 0;

  async function gather(): Promise<Message[]> {
    const messages: Message[] = [];
    let deadline = Number.POSITIVE_INFINITY;
    while (messages.length < options.batchSize && !abort.signal.aborted) {
      const remaining = deadline - Date.now();
      if (messages.length > 0 && remaining <= 0) break;
      const result = await options.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: options.queueUrl,
          MaxNumberOfMessages: Math.min(RECEIVE_LIMIT, options.batchSize - messages.length),
          // Long-poll while empty; once a batch has begun, only wait out what is left of the window.
          WaitTimeSeconds: messages.length === 0 ? 1 : Math.min(1, Math.floor(remaining / 1000)),
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
        { abortSignal: abort.signal },
      );
      const received = result.Messages ?? [];
      if (received.length > 0 && messages.length === 0) deadline = Date.now() + options.batchWindowMs;
      messages.push(...received);
      if (received.length === 0 && messages.length > 0) {
        if (options.batchWindowMs === 0 || Date.now() >= deadline) break;
        // Short polls inside the window: pause briefly instead of spinning.
        await new Promise((resolve) => setTimeout(resolve, Math.min(50, deadline - Date.now())));
      }
    }
    return messages;
  }

  async function loop(): Promise<void> {
    while (!abort.signal.aborted) {
      try {
        const messages = await gather();
        if (messages.length === 0) continue;
        invocations++;
        const records = messages.map((message) => toRecord(message, options.queueArn, region));
        let failed: Set<string>;
        try {
          const response = await options.handler({ Records: records });
          failed = new Set((response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier));
        } catch (error) {
          options.onError?.(error);
          continue;
        }
        const done = messages.filter((message) => message.MessageId && !failed.has(message.MessageId));
        for (let i = 0; i < done.length; i += RECEIVE_LIMIT) {
          await options.sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: options.queueUrl,
              Entries: done.slice(i, i + RECEIVE_LIMIT).map((message, index) => ({
                Id: String(index),
                ReceiptHandle: message.ReceiptHandle as string,
              })),
            }),
          );
        }
      } catch (error) {
        if (abort.signal.aborted) return;
        options.onError?.(error);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }

  const loops = Array.from({ length: options.concurrency ?? 1 }, () => loop());
  return {
    get invocations() {
      return invocations;
    },
    async end() {
      abort.abort();
      await Promise.allSettled(loops);
    },
  };
}

/** An SQS message in the shape Lambda's SQS event source delivers it. */
export function toRecord(message: Message, queueArn: string, region: string): SQSRecord {
  const system = message.Attributes ?? {};
  return {
    messageId: message.MessageId as string,
    receiptHandle: message.ReceiptHandle as string,
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: system.ApproximateReceiveCount ?? '1',
      SentTimestamp: system.SentTimestamp ?? String(Date.now()),
      SenderId: system.SenderId ?? 'leadpipe-local',
      ApproximateFirstReceiveTimestamp: system.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: toRecordAttributes(message.MessageAttributes ?? {}),
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}

function toRecordAttributes(attributes: Record<string, MessageAttributeValue>): SQSMessageAttributes {
  const out: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(attributes)) {
    out[name] = {
      dataType: value.DataType ?? 'String',
      stringValue: value.StringValue,
      binaryValue: value.BinaryValue ? Buffer.from(value.BinaryValue).toString('base64') : undefined,
      stringListValues: [],
      binaryListValues: [],
    };
  }
  return out;
}
