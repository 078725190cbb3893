import { createHash } from 'node:crypto';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { DeliveryQueue, QueueMessage } from '../../functions/ports.ts';
import type { Readiness } from './queues.ts';

export interface ConsumerOptions {
  queue: DeliveryQueue;
  /**
   * The deliver Lambda handler, fed the SQS events Lambda's event source mapping would feed it, and
   * a context whose time runs out with the batch's visibility timeout (the local function timeout).
   */
  handler: (
    event: SQSEvent,
    context: { getRemainingTimeInMillis(): number },
  ) => Promise<SQSBatchResponse | undefined>;
  /** Most records per invocation: the vendor's batch limit. */
  batchSize: number;
  /** How long received messages stay hidden while the handler works on them. */
  visibilityTimeoutSeconds: number;
  /**
   * After a call, a partial batch waits at most this long (from the call's end) for more leads.
   * A lead reaching an idle destination goes out at once.
   */
  gatherMs: number;
  /** Wakes the consumer when messages were committed to its queue; returns an unsubscribe. */
  onSend: (listener: () => void) => () => void;
  /** How many messages are ready, and when the next hidden one will be. */
  readiness: () => Readiness;
  queueArn: string;
  onError?: (error: unknown) => void;
  now?: () => number;
}

export interface Consumer {
  /** Batches handed to the handler so far. */
  readonly invocations: number;
  end(): Promise<void>;
}

/** Even when nothing is due, look again this often: another process (the CLI) may have redriven messages. */
const IDLE_POLL_MS = 500;

/**
 * What the consumer does next, given what is ready: a pure policy, tested on its own. A full
 * batch goes at once; so does anything when the destination is idle (no call ended within the
 * last `gatherMs`), so a lone lead is not kept waiting. Right after a call, a partial batch waits
 * for more until `gatherMs` after that call ended: during a burst the next call is then full.
 */
export function nextStep(state: {
  ready: number;
  batchSize: number;
  /** Epoch ms the destination's last call ended; undefined before the first call. */
  lastCallEndedAt: number | undefined;
  gatherMs: number;
  now: number;
}): { action: 'send' } | { action: 'wait'; ms: number } {
  if (state.ready === 0) return { action: 'wait', ms: IDLE_POLL_MS };
  if (state.ready >= state.batchSize) return { action: 'send' };
  if (state.lastCallEndedAt === undefined) return { action: 'send' };
  const sinceCall = state.now - state.lastCallEndedAt;
  if (sinceCall >= state.gatherMs) return { action: 'send' };
  return { action: 'wait', ms: state.gatherMs - sinceCall };
}

/**
 * The Lambda SQS event source mapping, on the embedded queue: one invocation at a time per
 * destination, taking what is ready up to the vendor's batch size (see nextStep). While a call is
 * in flight, new leads gather for the next one; a lead reaching an idle destination goes at once. Records
 * the handler did not report in `batchItemFailures` are deleted; if it throws, the whole batch
 * comes back after its visibility timeout, as on AWS.
 */
export function startConsumer(options: ConsumerOptions): Consumer {
  const now = options.now ?? Date.now;
  let ended = false;
  let invocations = 0;
  let lastCallEndedAt: number | undefined;
  let wake: (() => void) | undefined;
  const unsubscribe = options.onSend(() => wake?.());

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, Math.max(0, ms));
      function done() {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
    });

  async function loop(): Promise<void> {
    while (!ended) {
      try {
        const readiness = options.readiness();
        const step = nextStep({
          ready: readiness.ready,
          batchSize: options.batchSize,
          lastCallEndedAt,
          gatherMs: options.gatherMs,
          now: now(),
        });
        if (step.action === 'wait') {
          const due = readiness.nextVisibleAt;
          await sleep(due === undefined ? step.ms : Math.min(step.ms, due - now()));
          continue;
        }
        const messages = await options.queue.receive(options.batchSize, options.visibilityTimeoutSeconds);
        if (messages.length === 0) continue;
        invocations++;
        await invoke(messages);
        lastCallEndedAt = now();
      } catch (error) {
        if (ended) return;
        options.onError?.(error);
        await sleep(IDLE_POLL_MS);
      }
    }
  }

  async function invoke(messages: QueueMessage[]): Promise<void> {
    const records = messages.map((message) => toSqsRecord(message, options.queueArn));
    let failed: Set<string>;
    try {
      const deadline = now() + options.visibilityTimeoutSeconds * 1000;
      const response = await options.handler(
        { Records: records },
        { getRemainingTimeInMillis: () => Math.max(0, deadline - now()) },
      );
      failed = new Set((response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier));
    } catch (error) {
      options.onError?.(error);
      return;
    }
    await options.queue.delete(
      messages.filter((message) => !failed.has(message.messageId)).map((message) => message.receiptHandle),
    );
  }

  const running = loop();
  return {
    get invocations() {
      return invocations;
    },
    async end() {
      ended = true;
      unsubscribe();
      wake?.();
      await running;
    },
  };
}

/** A queue message in the shape Lambda's SQS event source hands it to a function. */
export function toSqsRecord(message: QueueMessage, queueArn: string): SQSRecord {
  const region = queueArn.split(':')[3] ?? 'local';
  return {
    messageId: message.messageId,
    receiptHandle: message.receiptHandle,
    body: message.body,
    attributes: {
      ApproximateReceiveCount: String(message.receiveCount),
      SentTimestamp: String(message.sentAt),
      SenderId: 'leadpipe-local',
      ApproximateFirstReceiveTimestamp: String(message.firstReceivedAt),
    },
    messageAttributes: {},
    md5OfBody: createHash('md5').update(message.body).digest('hex'),
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}
