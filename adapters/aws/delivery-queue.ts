import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { messageMatches } from '../../functions/erasure/match.ts';
import type {
  DeadLetterReason,
  DeliveryQueue,
  PersonKeys,
  QueueDepth,
  QueueMessage,
  RedriveResult,
  StoredDeadLetter,
} from '../../functions/ports.ts';

/** Message attributes a dead-lettered lead carries in SQS, so `leadpipe dlq show` can say why it is there. */
export const DLQ_ATTRIBUTES = {
  reason: 'leadpipe-reason',
  destination: 'leadpipe-destination',
  attempts: 'leadpipe-attempts',
  leadId: 'leadpipe-lead-id',
  failedAt: 'leadpipe-failed-at',
} as const;

/** SQS hands out, and takes in one batch call, at most 10 messages. */
const SQS_BATCH_LIMIT = 10;
/** How long a message read by a peek stays hidden if the reader dies before handing it back. */
const PEEK_VISIBILITY_SECONDS = 30;
/** How long a message being moved stays hidden: ample for one SendMessage and one delete. */
const MOVE_VISIBILITY_SECONDS = 60;
/** How long a redrive of chosen messages keeps the others it looked at hidden, at most: ample for a scan of the DLQ. */
const SCAN_VISIBILITY_SECONDS = 300;

export interface SqsDeliveryQueueOptions {
  sqs: SQSClient;
  destination: string;
  queueUrl: string;
  deadLetterQueueUrl: string;
}

/**
 * A destination's queue on SQS. On AWS the Lambda event source mapping receives and deletes; the
 * deliver engine retries and waits out refused credentials (ChangeMessageVisibility) and
 * dead-letters (SendMessage to the DLQ: the mapping then deletes the original, as it was not
 * reported as a failure). The CLI peeks and
 * redrives through the same object.
 */
export function createSqsDeliveryQueue(options: SqsDeliveryQueueOptions): DeliveryQueue {
  const { sqs, queueUrl, deadLetterQueueUrl } = options;
  return {
    destination: options.destination,
    async receive(max, visibilityTimeoutSeconds) {
      const messages = await receive(sqs, queueUrl, Math.min(max, SQS_BATCH_LIMIT), visibilityTimeoutSeconds);
      return messages.map(toQueueMessage);
    },
    async delete(receiptHandles) {
      await deleteBatch(sqs, queueUrl, receiptHandles);
    },
    async retryAfter(receiptHandle, seconds) {
      await sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queueUrl,
          ReceiptHandle: receiptHandle,
          VisibilityTimeout: seconds,
        }),
      );
    },
    async deadLetter(message, why) {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: deadLetterQueueUrl,
          MessageBody: message.body,
          MessageAttributes: deadLetterAttributes(why),
        }),
      );
    },
    async depth() {
      const [queue, deadLetters] = await Promise.all([
        queueDepth(sqs, queueUrl),
        queueDepth(sqs, deadLetterQueueUrl),
      ]);
      return { queue, deadLetters };
    },
    peekDeadLetters: (max) => peek(sqs, deadLetterQueueUrl, max),
    redrive: (redriveOptions = {}) => redrive(sqs, queueUrl, deadLetterQueueUrl, redriveOptions),
    async erase(match) {
      const [queued, deadLetters] = [
        await eraseMatching(sqs, queueUrl, match),
        await eraseMatching(sqs, deadLetterQueueUrl, match),
      ];
      return { queued, deadLetters };
    },
  };
}

/**
 * SQS can delete only a message it handed out: the run receives every message it can (each batch
 * hidden for SCAN_VISIBILITY_SECONDS, so the next receive offers others), deletes the matching
 * ones and makes the rest visible again at once when it ends, stopping when a receive offers
 * nothing it has not seen. Messages held by the deliver function at that moment are not seen (its
 * tombstone check drops them), and each receive counts toward the queue's maxReceiveCount.
 */
async function eraseMatching(sqs: SQSClient, url: string, match: PersonKeys): Promise<number> {
  const held: Message[] = [];
  const seen = new Set<string>();
  let erased = 0;
  try {
    for (;;) {
      const messages = await receive(sqs, url, SQS_BATCH_LIMIT, SCAN_VISIBILITY_SECONDS);
      const unseen = messages.filter((message) => !seen.has(message.MessageId ?? ''));
      if (unseen.length === 0) {
        held.push(...messages);
        break;
      }
      const matching: Message[] = [];
      for (const message of messages) {
        seen.add(message.MessageId ?? '');
        if (messageMatches(message.Body ?? '', match)) matching.push(message);
        else held.push(message);
      }
      const { failed } = await deleteBatch(
        sqs,
        url,
        matching.map((message) => message.ReceiptHandle ?? ''),
      );
      if (failed.size > 0) throw new Error(`SQS did not delete ${failed.size} erased message(s) from ${url}`);
      erased += matching.length;
    }
  } finally {
    await makeVisible(sqs, url, held);
  }
  return erased;
}

function deadLetterAttributes(why: DeadLetterReason): Record<string, MessageAttributeValue> {
  return {
    [DLQ_ATTRIBUTES.reason]: { DataType: 'String', StringValue: why.reason.slice(0, 1000) },
    [DLQ_ATTRIBUTES.destination]: { DataType: 'String', StringValue: why.destination },
    [DLQ_ATTRIBUTES.attempts]: { DataType: 'Number', StringValue: String(why.attempts) },
    [DLQ_ATTRIBUTES.failedAt]: { DataType: 'String', StringValue: why.failedAt },
    ...(why.leadId ? { [DLQ_ATTRIBUTES.leadId]: { DataType: 'String', StringValue: why.leadId } } : {}),
  };
}

/** The reason the deliver engine attached, or undefined for a message the redrive policy moved. */
export function readDeadLetterReason(message: Message): DeadLetterReason | undefined {
  const attribute = (name: string) => message.MessageAttributes?.[name]?.StringValue;
  const reason = attribute(DLQ_ATTRIBUTES.reason);
  if (reason === undefined) return undefined;
  const leadId = attribute(DLQ_ATTRIBUTES.leadId);
  return {
    reason,
    destination: attribute(DLQ_ATTRIBUTES.destination) ?? '',
    attempts: Number(attribute(DLQ_ATTRIBUTES.attempts) ?? 0),
    failedAt: attribute(DLQ_ATTRIBUTES.failedAt) ?? '',
    ...(leadId ? { leadId } : {}),
  };
}

function toQueueMessage(message: Message): QueueMessage {
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    receiveCount: Number(attributes.ApproximateReceiveCount ?? 1),
    sentAt: Number(attributes.SentTimestamp ?? 0),
    firstReceivedAt: Number(attributes.ApproximateFirstReceiveTimestamp ?? 0),
  };
}

async function queueDepth(sqs: SQSClient, url: string): Promise<QueueDepth> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    }),
  );
  return {
    visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
    delayed: Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0),
  };
}

async function receive(
  sqs: SQSClient,
  url: string,
  max: number,
  visibilitySeconds: number,
): Promise<Message[]> {
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: url,
      MaxNumberOfMessages: max,
      VisibilityTimeout: visibilitySeconds,
      // A long poll asks every SQS server, so an empty answer means the queue is empty, not
      // that a short poll's sample missed the messages.
      WaitTimeSeconds: 1,
      MessageAttributeNames: ['All'],
      MessageSystemAttributeNames: ['All'],
    }),
  );
  return Messages;
}

async function deleteBatch(
  sqs: SQSClient,
  url: string,
  receiptHandles: readonly string[],
): Promise<{ failed: Set<number> }> {
  const failed = new Set<number>();
  for (let i = 0; i < receiptHandles.length; i += SQS_BATCH_LIMIT) {
    const chunk = receiptHandles.slice(i, i + SQS_BATCH_LIMIT);
    const { Failed = [] } = await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: url,
        Entries: chunk.map((handle, index) => ({ Id: String(index), ReceiptHandle: handle })),
      }),
    );
    for (const failure of Failed) failed.add(i + Number(failure.Id));
  }
  return { failed };
}

/**
 * SQS has no "peek": each message is received (hidden for a short while) and then made visible
 * again at once, so the deliver side and the next reader see it as before. A message held by
 * someone else at that moment is not seen.
 */
async function peek(sqs: SQSClient, url: string, max: number): Promise<StoredDeadLetter[]> {
  const messages: Message[] = [];
  try {
    while (messages.length < max) {
      const batch = await receive(
        sqs,
        url,
        Math.min(SQS_BATCH_LIMIT, max - messages.length),
        PEEK_VISIBILITY_SECONDS,
      );
      if (batch.length === 0) break;
      messages.push(...batch);
    }
  } finally {
    await makeVisible(sqs, url, messages);
  }
  return messages.map((message) => {
    const why = readDeadLetterReason(message);
    return {
      messageId: message.MessageId ?? '',
      body: message.Body ?? '',
      ...(why ? { why } : {}),
      sentAt: Number(message.Attributes?.SentTimestamp ?? 0),
      receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 0),
    };
  });
}

/**
 * Receive from the dead-letter queue, SendMessage the same body to the queue, and only then
 * delete: a crash between the two leaves a copy in both, never in neither (at least once;
 * deliveries are idempotent upserts). Why not SQS's StartMessageMoveTask: it cannot honour a
 * limit or a choice of messages, nor move what the deliver engine sent to the DLQ itself (it
 * moves messages back to the queue they were redriven from, which those never were).
 *
 * With `messageIds`, SQS cannot fetch a message by id: the run receives from the DLQ and moves
 * the named ones it comes across. The others it received stay hidden until the run ends (so the
 * next receive offers messages not yet looked at) and are then made visible again at once; the run
 * stops when every named message is moved or the DLQ offers nothing it has not seen.
 */
async function redrive(
  sqs: SQSClient,
  queueUrl: string,
  deadLetterQueueUrl: string,
  options: Parameters<DeliveryQueue['redrive']>[0] & object,
): Promise<RedriveResult> {
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  const wanted = options.messageIds ? new Set(options.messageIds) : undefined;
  const depth = await queueDepth(sqs, deadLetterQueueUrl);
  const result: RedriveResult = {
    moved: 0,
    failed: 0,
    total: Math.min(limit, wanted?.size ?? Number.POSITIVE_INFINITY, depth.visible),
    errors: [],
  };
  options.onProgress?.({ moved: 0, failed: 0, total: result.total });
  const held: Message[] = [];
  const seen = new Set<string>();
  try {
    while (result.moved + result.failed < limit && (wanted === undefined || wanted.size > 0)) {
      const room = limit - result.moved - result.failed;
      const messages = await receive(
        sqs,
        deadLetterQueueUrl,
        wanted ? SQS_BATCH_LIMIT : Math.min(SQS_BATCH_LIMIT, room),
        wanted ? SCAN_VISIBILITY_SECONDS : MOVE_VISIBILITY_SECONDS,
      );
      if (messages.length === 0) break;
      const unseen = messages.filter((message) => !seen.has(message.MessageId ?? ''));
      for (const message of messages) seen.add(message.MessageId ?? '');
      const chosen: Message[] = [];
      for (const message of messages) {
        const id = message.MessageId ?? '';
        if (wanted && (!wanted.has(id) || chosen.length >= room)) {
          held.push(message);
        } else {
          chosen.push(message);
          wanted?.delete(id);
        }
      }
      await moveMessages(sqs, queueUrl, deadLetterQueueUrl, chosen, result, options);
      if (wanted && unseen.length === 0) break;
    }
  } finally {
    await makeVisible(sqs, deadLetterQueueUrl, held);
  }
  // Named messages the DLQ did not hold count in nothing.
  if (wanted && result.total !== result.moved + result.failed) {
    result.total = result.moved + result.failed;
    options.onProgress?.({ moved: result.moved, failed: result.failed, total: result.total });
  }
  return result;
}

/** Sends each message's body to the queue, then deletes the sent ones from the DLQ; counts both in `result`. */
async function moveMessages(
  sqs: SQSClient,
  queueUrl: string,
  deadLetterQueueUrl: string,
  messages: readonly Message[],
  result: RedriveResult,
  options: Parameters<DeliveryQueue['redrive']>[0] & object,
): Promise<void> {
  if (messages.length === 0) return;
  const sent: Message[] = [];
  await Promise.all(
    messages.map(async (message) => {
      try {
        // Only the body: the dead-letter attributes describe a failure this copy has not had yet.
        await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: message.Body ?? '' }));
        sent.push(message);
      } catch (error) {
        result.failed++;
        result.errors.push(`${message.MessageId}: could not send (${(error as Error).name})`);
      }
    }),
  );
  const { failed } = await deleteBatch(
    sqs,
    deadLetterQueueUrl,
    sent.map((message) => message.ReceiptHandle ?? ''),
  );
  for (const index of failed) {
    result.errors.push(
      `${sent[index]?.MessageId}: sent, but not deleted from the DLQ; the next redrive sends it again`,
    );
  }
  result.moved += sent.length;
  // Never report more moved than the run set out to move.
  result.total = Math.max(result.total, result.moved + result.failed);
  if (sent.length > 0) {
    options.onMoved?.(
      sent.map((message) => ({ messageId: message.MessageId ?? '', body: message.Body ?? '' })),
    );
  }
  options.onProgress?.({ moved: result.moved, failed: result.failed, total: result.total });
}

/** Ends the hiding of received messages at once (a peek, or a redrive's messages it did not move). */
async function makeVisible(sqs: SQSClient, url: string, messages: readonly Message[]): Promise<void> {
  for (let i = 0; i < messages.length; i += SQS_BATCH_LIMIT) {
    await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: url,
        Entries: messages.slice(i, i + SQS_BATCH_LIMIT).map((message, index) => ({
          Id: String(index),
          ReceiptHandle: message.ReceiptHandle ?? '',
          VisibilityTimeout: 0,
        })),
      }),
    );
  }
}
