import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Poller, startPoller } from '../../local/poller.ts';
import { type DestinationQueues, ensureDestinationQueues, type LocalSqs, startSqs } from '../../local/sqs.ts';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
let sqsServer: LocalSqs;
let sqs: SQSClient;
let queueCount = 0;
const pollers: Poller[] = [];

beforeAll(async () => {
  sqsServer = await startSqs({});
  sqs = new SQSClient({ endpoint: sqsServer.endpoint, region: 'us-east-1', credentials });
});

afterEach(async () => {
  await Promise.all(pollers.splice(0).map((poller) => poller.end()));
});

afterAll(async () => {
  sqs.destroy();
  await sqsServer.end();
});

/** A fresh queue pair per test; a 1 s visibility timeout so redeliveries come quickly. */
async function freshQueues(maxAttempts = 5, visibilityTimeoutSeconds = 1): Promise<DestinationQueues> {
  queueCount++;
  return ensureDestinationQueues(sqs, `poller-test-${queueCount}`, { maxAttempts, visibilityTimeoutSeconds });
}

async function send(queueUrl: string, bodies: string[]): Promise<void> {
  for (let i = 0; i < bodies.length; i += 10) {
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: bodies.slice(i, i + 10).map((body, index) => ({
          Id: String(index),
          MessageBody: body,
          MessageAttributes: { origin: { DataType: 'String', StringValue: 'test' } },
        })),
      }),
    );
  }
}

async function messageCount(queueUrl: string): Promise<number> {
  const result = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(result.Attributes?.ApproximateNumberOfMessages ?? 0) +
    Number(result.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
}

function poll(
  queues: DestinationQueues,
  handler: (event: SQSEvent) => Promise<SQSBatchResponse | undefined>,
  batchSize = 10,
  batchWindowMs = 100,
): Poller {
  const poller = startPoller({
    sqs,
    queueUrl: queues.queueUrl,
    queueArn: queues.queueArn,
    handler,
    batchSize,
    batchWindowMs,
  });
  pollers.push(poller);
  return poller;
}

const bodies = (n: number, prefix = 'm') => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

describe('local SQS poller', () => {
  it('hands 25 messages over as batches of at most 10 and deletes them', async () => {
    // Prepare
    const queues = await freshQueues();
    await send(queues.queueUrl, bodies(25));
    const batches: string[][] = [];

    // Act
    const poller = poll(queues, async (event) => {
      batches.push(event.Records.map((record) => record.body));
      return { batchItemFailures: [] };
    });
    await vi.waitFor(() => expect(batches.flat()).toHaveLength(25), { timeout: 10_000 });
    await poller.end();

    // Assess
    expect(batches.map((batch) => batch.length)).toEqual([10, 10, 5]);
    expect(poller.invocations).toBe(3);
    expect(batches.flat().sort()).toEqual(bodies(25).sort());
    expect(await messageCount(queues.queueUrl)).toBe(0);
  });

  it('gathers a batch within the window instead of invoking per message', async () => {
    // Prepare: a visibility timeout longer than the window, as on AWS, so nothing reappears inside it.
    const queues = await freshQueues(5, 10);
    const batches: number[] = [];
    poll(
      queues,
      async (event) => {
        batches.push(event.Records.length);
        return undefined;
      },
      10,
      1_500,
    );

    // Act: three messages sent one by one, well inside the 1.5 s window.
    for (const body of bodies(3)) await send(queues.queueUrl, [body]);
    await vi.waitFor(() => expect(batches.length).toBeGreaterThan(0), { timeout: 10_000 });

    // Assess
    expect(batches).toEqual([3]);
  });

  it('respects a batch size below the SQS receive limit', async () => {
    // Prepare
    const queues = await freshQueues();
    await send(queues.queueUrl, bodies(7));
    const batches: number[] = [];

    // Act
    poll(
      queues,
      async (event) => {
        batches.push(event.Records.length);
        return undefined;
      },
      3,
    );
    await vi.waitFor(() => expect(batches.reduce((a, b) => a + b, 0)).toBe(7), { timeout: 10_000 });

    // Assess
    expect(batches).toEqual([3, 3, 1]);
  });

  it('gives the handler records in the shape Lambda delivers', async () => {
    // Prepare
    const queues = await freshQueues();
    await send(queues.queueUrl, ['{"hello":"world"}']);
    const events: SQSEvent[] = [];

    // Act
    poll(queues, async (event) => {
      events.push(event);
      return undefined;
    });
    await vi.waitFor(() => expect(events).toHaveLength(1), { timeout: 10_000 });

    // Assess
    expect(events[0]?.Records[0]).toEqual({
      messageId: expect.any(String),
      receiptHandle: expect.any(String),
      body: '{"hello":"world"}',
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: expect.stringMatching(/^\d{13}$/),
        SenderId: expect.any(String),
        ApproximateFirstReceiveTimestamp: expect.stringMatching(/^\d{13}$/),
      },
      messageAttributes: {
        origin: {
          dataType: 'String',
          stringValue: 'test',
          binaryValue: undefined,
          stringListValues: [],
          binaryListValues: [],
        },
      },
      md5OfBody: 'fbc24bcc7a1794758fc1327fcfebdaf6',
      eventSource: 'aws:sqs',
      eventSourceARN: queues.queueArn,
      awsRegion: 'us-east-1',
    });
  });

  it('leaves batch item failures on the queue for redelivery and deletes the rest', async () => {
    // Prepare
    const queues = await freshQueues();
    await send(queues.queueUrl, bodies(3));
    const seen: { body: string; receiveCount: string }[] = [];

    // Act
    poll(queues, async (event) => {
      seen.push(
        ...event.Records.map((r) => ({ body: r.body, receiveCount: r.attributes.ApproximateReceiveCount })),
      );
      const failing = event.Records.filter(
        (r) => r.body === 'm-1' && r.attributes.ApproximateReceiveCount === '1',
      );
      return { batchItemFailures: failing.map((r) => ({ itemIdentifier: r.messageId })) };
    });
    await vi.waitFor(() => expect(seen).toHaveLength(4), { timeout: 10_000 });

    // Assess
    expect(seen.slice(3)).toEqual([{ body: 'm-1', receiveCount: '2' }]);
    await vi.waitFor(async () => expect(await messageCount(queues.queueUrl)).toBe(0), { timeout: 5_000 });
  });

  it('leaves the whole batch on the queue when the handler throws', async () => {
    // Prepare
    const queues = await freshQueues();
    await send(queues.queueUrl, bodies(2));
    const receives: string[][] = [];
    const errors: unknown[] = [];
    const crash = new Error('handler crashed');

    // Act
    const poller = startPoller({
      sqs,
      queueUrl: queues.queueUrl,
      queueArn: queues.queueArn,
      batchSize: 10,
      batchWindowMs: 100,
      onError: (error) => errors.push(error),
      handler: async (event) => {
        receives.push(event.Records.map((r) => `${r.body}@${r.attributes.ApproximateReceiveCount}`).sort());
        if (receives.length === 1) throw crash;
        return undefined;
      },
    });
    pollers.push(poller);
    await vi.waitFor(() => expect(receives).toHaveLength(2), { timeout: 10_000 });

    // Assess
    expect(receives).toEqual([
      ['m-0@1', 'm-1@1'],
      ['m-0@2', 'm-1@2'],
    ]);
    expect(errors).toEqual([crash]);
  });

  it('lets the redrive policy move a message to the DLQ after maxReceiveCount', async () => {
    // Prepare: maxAttempts 1 gives a redrive policy of maxReceiveCount 2.
    const queues = await freshQueues(1);
    await send(queues.queueUrl, ['doomed']);
    const receiveCounts: string[] = [];

    // Act
    poll(queues, async (event) => {
      receiveCounts.push(...event.Records.map((r) => r.attributes.ApproximateReceiveCount));
      return { batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })) };
    });
    const dead = await vi.waitFor(
      async () => {
        const result = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: queues.deadLetterQueueUrl, WaitTimeSeconds: 0 }),
        );
        expect(result.Messages).toHaveLength(1);
        return result.Messages?.[0];
      },
      { timeout: 10_000, interval: 200 },
    );

    // Assess
    expect(dead?.Body).toBe('doomed');
    expect(receiveCounts).toEqual(['1', '2']);
  });

  it('stops receiving once ended', async () => {
    // Prepare
    const queues = await freshQueues();
    const receivedAfterEnd: string[] = [];
    const poller = poll(queues, async (event) => {
      receivedAfterEnd.push(...event.Records.map((r) => r.body));
      return undefined;
    });

    // Act
    await poller.end();
    await send(queues.queueUrl, ['late']);
    await new Promise((resolve) => setTimeout(resolve, 300));

    // Assess
    expect(receivedAfterEnd).toEqual([]);
    expect(poller.invocations).toBe(0);
    expect(await messageCount(queues.queueUrl)).toBe(1);
  });
});
