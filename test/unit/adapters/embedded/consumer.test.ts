import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { type Consumer, nextStep, startConsumer } from '../../../../adapters/embedded/consumer.ts';
import { type EmbeddedDatabase, openDatabase } from '../../../../adapters/embedded/database.ts';
import { createEmbeddedQueues } from '../../../../adapters/embedded/queues.ts';
import { waitUntil } from '../../../support/wait.ts';

describe('nextStep: when the consumer calls the destination', () => {
  const base = { batchSize: 10, gatherMs: 200, now: 10_000 };
  it.each([
    ['nothing is ready: wait (and poll)', { ready: 0, lastCallEndedAt: 9_000 }, 'wait'],
    ['a full batch is ready: send', { ready: 10, lastCallEndedAt: 9_999 }, 'send'],
    ['the destination is idle: send at once', { ready: 1, lastCallEndedAt: 9_800 }, 'send'],
    ['the first lead ever: send at once', { ready: 1, lastCallEndedAt: undefined }, 'send'],
    ['a call just ended: wait for more', { ready: 3, lastCallEndedAt: 9_950 }, 'wait'],
  ])('%s', (_name, state, action) => {
    // Act
    const step = nextStep({ ...base, ...state });

    // Assess
    expect(step.action).toBe(action);
  });

  it('waits only until gatherMs after the last call ended', () => {
    // Act
    const step = nextStep({ ...base, ready: 3, lastCallEndedAt: 9_950 });

    // Assess
    expect(step).toEqual({ action: 'wait', ms: 150 });
  });
});

describe('startConsumer on the embedded queue', () => {
  const opened: { database: EmbeddedDatabase; consumer?: Consumer }[] = [];
  afterEach(async () => {
    for (const { database, consumer } of opened.splice(0)) {
      await consumer?.end();
      database.close();
    }
  });

  /** A queue `crm` (a message received 3 times without delete goes to its DLQ) and a recording handler. */
  function setup(options: { batchSize?: number; visibilityTimeoutSeconds?: number } = {}) {
    const database = openDatabase();
    const queues = createEmbeddedQueues(database);
    queues.ensure('crm', { maxReceiveCount: 3 });
    const entry: { database: EmbeddedDatabase; consumer?: Consumer } = { database };
    opened.push(entry);
    const events: SQSEvent[] = [];
    let answer: (event: SQSEvent) => Promise<SQSBatchResponse> = async () => ({ batchItemFailures: [] });
    const start = () => {
      entry.consumer = startConsumer({
        queue: queues.deliveryQueue('crm'),
        handler: async (event) => {
          events.push(event);
          return answer(event);
        },
        batchSize: options.batchSize ?? 10,
        visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? 30,
        gatherMs: 100,
        onSend: (listener) => queues.onSend('crm', listener),
        readiness: () => queues.readiness('crm'),
        queueArn: 'arn:aws:sqs:local:000000000000:leadpipe-crm',
      });
      return entry.consumer;
    };
    return {
      queues,
      queue: queues.deliveryQueue('crm'),
      events,
      start,
      answer: (fn: typeof answer) => {
        answer = fn;
      },
    };
  }

  it('hands a lead reaching an idle destination over at once, as a Lambda SQS record', async () => {
    // Prepare
    const h = setup();
    h.start();
    const sentAt = Date.now();

    // Act
    h.queues.send('crm', ['{"lead":"Zoë 🙂"}']);
    await waitUntil('one invocation', () => (h.events.length === 1 ? true : undefined), { timeoutMs: 2000 });

    // Assess
    const [record] = h.events[0]?.Records ?? [];
    expect(Date.now() - sentAt).toBeLessThan(1000);
    expect(record).toMatchObject({
      body: '{"lead":"Zoë 🙂"}',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:local:000000000000:leadpipe-crm',
      attributes: { ApproximateReceiveCount: '1', SenderId: 'leadpipe-local' },
    });
    expect(record?.md5OfBody).toMatch(/^[0-9a-f]{32}$/);
    await waitUntil('the record deleted', async () =>
      (await h.queue.depth()).queue.inFlight === 0 ? true : undefined,
    );
    expect((await h.queue.depth()).queue).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it('gathers the leads that arrive while a call is in flight into the next calls, up to the batch size', async () => {
    // Prepare: the first call is slow; 25 leads arrive during it.
    const h = setup({ batchSize: 10 });
    let release: () => void = () => undefined;
    const slow = new Promise<void>((resolve) => {
      release = resolve;
    });
    h.answer(async (_event) => {
      if (h.events.length === 1) await slow;
      return { batchItemFailures: [] };
    });
    h.start();
    h.queues.send('crm', ['first']);
    await waitUntil('the first call', () => (h.events.length === 1 ? true : undefined));

    // Act
    h.queues.send(
      'crm',
      Array.from({ length: 25 }, (_, i) => `lead-${i}`),
    );
    release();
    await waitUntil('all 26 handed over', () =>
      h.events.reduce((sum, event) => sum + event.Records.length, 0) === 26 ? true : undefined,
    );

    // Assess
    expect(h.events.map((event) => event.Records.length)).toEqual([1, 10, 10, 5]);
  });

  it('deletes what the handler settled and leaves its batch item failures on the queue', async () => {
    // Prepare
    const h = setup();
    h.answer(async (event) => ({
      batchItemFailures: event.Records.filter((record) => record.body === 'fails').map((record) => ({
        itemIdentifier: record.messageId,
      })),
    }));
    h.queues.send('crm', ['ok-1', 'fails', 'ok-2']);

    // Act
    h.start();
    await waitUntil('one invocation', () => (h.events.length === 1 ? true : undefined));
    await waitUntil('two settled', async () =>
      (await h.queue.depth()).queue.inFlight === 1 ? true : undefined,
    );

    // Assess
    expect(await h.queue.depth()).toMatchObject({ queue: { visible: 0, inFlight: 1, delayed: 0 } });
  });

  it('leaves the whole batch on the queue when the handler throws, and receives it again after its visibility timeout', async () => {
    // Prepare
    const h = setup({ visibilityTimeoutSeconds: 1 });
    h.answer(async (_event) => {
      if (h.events.length === 1) throw new Error('deliver crashed');
      return { batchItemFailures: [] };
    });
    h.queues.send('crm', ['a', 'b']);

    // Act
    h.start();
    await waitUntil('a second invocation', () => (h.events.length === 2 ? true : undefined), {
      timeoutMs: 5000,
    });

    // Assess
    expect(
      h.events[1]?.Records.map((record) => [record.body, record.attributes.ApproximateReceiveCount]),
    ).toEqual([
      ['a', '2'],
      ['b', '2'],
    ]);
  });

  it('lets the queue move a message it received too often to the dead-letter queue, with no reason', async () => {
    // Prepare: a handler that crashes on every batch (maxReceiveCount 3).
    const h = setup({ visibilityTimeoutSeconds: 1 });
    h.answer(async () => {
      throw new Error('always crashes');
    });
    h.queues.send('crm', ['poison']);

    // Act
    h.start();
    await waitUntil(
      'the poison message in the DLQ',
      async () => ((await h.queue.depth()).deadLetters.visible === 1 ? true : undefined),
      { timeoutMs: 8000 },
    );

    // Assess
    expect(h.events).toHaveLength(3);
    const [dead] = await h.queue.peekDeadLetters(1);
    expect(dead?.body).toBe('poison');
    expect(dead?.why).toBeUndefined();
  });

  it('stops receiving once ended', async () => {
    // Prepare
    const h = setup();
    const consumer = h.start();

    // Act
    await consumer.end();
    h.queues.send('crm', ['late']);
    await new Promise((resolve) => setTimeout(resolve, 300));

    // Assess
    expect(h.events).toEqual([]);
    expect((await h.queue.depth()).queue.visible).toBe(1);
  });
});
