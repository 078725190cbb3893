import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { createAwsClients } from '../adapters/aws/clients.ts';
import { DLQ_ATTRIBUTES } from '../functions/deliver/dead-letter.ts';
import { LEAD_RECEIVED, OPS_ALERT } from '../functions/routing/rules.ts';
import { readRuntimeInfo } from '../local/runtime-file.ts';
import { CliError } from './errors.ts';

/** SQS hands out, and takes in one batch call, at most 10 messages. */
const SQS_BATCH_LIMIT = 10;
/** How long a message read by `list`/`show` stays hidden if the tool dies before handing it back. */
const PEEK_VISIBILITY_SECONDS = 30;
/** How long a message being moved stays hidden: ample for one SendMessage and one delete. */
const MOVE_VISIBILITY_SECONDS = 60;

/** One destination's queue and dead-letter queue, and the client that reaches them. */
export interface DestinationQueueRefs {
  sqs: SQSClient;
  destination: string;
  queueUrl: string;
  deadLetterQueueUrl: string;
  /** Where the queues are, for messages: "the local host (…)" or "AWS (…)". */
  where: string;
  close(): void;
}

/** The local host's queues, found through the runtime.json the running host wrote in its data dir. */
export async function localDestinationQueues(
  destination: string,
  dataDir: string,
): Promise<DestinationQueueRefs> {
  const runtime = await readRuntimeInfo(dataDir);
  if (!runtime) {
    throw new CliError(
      `No local leadpipe is running for the data dir ${dataDir} (no runtime.json there, or its process has ended).\n` +
        'Start it with `npm start` (with the same LEADPIPE_DATA_DIR), or use --aws for the deployed queues.',
    );
  }
  const queues = runtime.queues[destination];
  if (!queues) {
    const known = Object.keys(runtime.queues).join(', ') || 'none';
    throw new CliError(`The running local host has no destination "${destination}". Destinations: ${known}`);
  }
  const { sqs } = createAwsClients({ sqs: runtime.endpoints.sqs });
  return {
    sqs,
    destination,
    queueUrl: queues.queueUrl,
    deadLetterQueueUrl: queues.deadLetterQueueUrl,
    where: `the local host (pid ${runtime.pid}, ${runtime.url})`,
    close: () => sqs.destroy(),
  };
}

export interface AwsQueueOptions {
  /** Queue names are `<prefix>-<destination>` and `<prefix>-<destination>-dlq`; default 'leadpipe'. */
  prefix?: string;
  region?: string;
  /** Injectable for tests; default a client using the default credential chain. */
  sqs?: SQSClient;
}

/** A deployed destination's queues, found by name with GetQueueUrl (default credential chain and region). */
export async function awsDestinationQueues(
  destination: string,
  options: AwsQueueOptions = {},
): Promise<DestinationQueueRefs> {
  const prefix = options.prefix ?? 'leadpipe';
  const sqs = options.sqs ?? new SQSClient(options.region ? { region: options.region } : {});
  const name = `${prefix}-${destination}`;
  try {
    const [queueUrl, deadLetterQueueUrl] = await Promise.all([
      queueUrlFor(sqs, name),
      queueUrlFor(sqs, `${name}-dlq`),
    ]);
    const region = await sqs.config.region();
    return {
      sqs,
      destination,
      queueUrl,
      deadLetterQueueUrl,
      where: `AWS (${region}, ${name})`,
      close: () => {
        if (!options.sqs) sqs.destroy();
      },
    };
  } catch (error) {
    if (!options.sqs) sqs.destroy();
    throw error;
  }
}

async function queueUrlFor(sqs: SQSClient, queueName: string): Promise<string> {
  try {
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: queueName }));
    if (!QueueUrl) throw new CliError(`SQS returned no URL for the queue ${queueName}`);
    return QueueUrl;
  } catch (error) {
    if (error instanceof CliError) throw error;
    const name = (error as Error).name;
    if (name === 'QueueDoesNotExist' || name === 'AWS.SimpleQueueService.NonExistentQueue') {
      throw new CliError(
        `There is no SQS queue named ${queueName} in this account and region. Check --prefix and --region.`,
        { cause: error },
      );
    }
    // Credential and network problems: the SDK's message says what to fix and carries no secrets.
    throw new CliError(`Could not look up the queue ${queueName}: ${name}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** What a dead-lettered message says about itself; personal data stays in `body`. */
export interface DeadLetter {
  messageId: string;
  receiptHandle: string;
  body: string;
  /** True when the deliver handler put it there with its reason; false for the redrive policy (a crash). */
  hasLeadpipeAttributes: boolean;
  kind: 'lead' | 'ops-alert' | 'unreadable';
  leadId?: string;
  source?: string;
  attempts?: number;
  failedAt?: string;
  reason?: string;
  destination?: string;
  /** When it entered the dead-letter queue (SentTimestamp), ISO 8601. */
  sentAt?: string;
  /** Receives of this copy, by the destination's poller before a redrive-policy move, or by this tool. */
  receiveCount?: number;
}

/** Reads a dead-lettered message: the deliver handler's attributes, and the ids in its event body. */
export function readDeadLetter(message: Message): DeadLetter {
  const attribute = (name: string) => message.MessageAttributes?.[name]?.StringValue;
  const body = message.Body ?? '';
  const attempts = attribute(DLQ_ATTRIBUTES.attempts);
  const sent = Number(message.Attributes?.SentTimestamp);
  const receives = Number(message.Attributes?.ApproximateReceiveCount);
  const envelope = parseEnvelope(body);
  const letter: DeadLetter = {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body,
    hasLeadpipeAttributes: attribute(DLQ_ATTRIBUTES.reason) !== undefined,
    kind: envelope.kind,
  };
  const set = <K extends keyof DeadLetter>(key: K, value: DeadLetter[K] | undefined) => {
    if (value !== undefined) letter[key] = value;
  };
  set('leadId', attribute(DLQ_ATTRIBUTES.leadId) ?? envelope.leadId);
  set('source', envelope.source);
  set('attempts', attempts === undefined ? undefined : Number(attempts));
  set('failedAt', attribute(DLQ_ATTRIBUTES.failedAt));
  set('reason', attribute(DLQ_ATTRIBUTES.reason));
  set('destination', attribute(DLQ_ATTRIBUTES.destination));
  set('sentAt', Number.isFinite(sent) && sent > 0 ? new Date(sent).toISOString() : undefined);
  set('receiveCount', Number.isFinite(receives) ? receives : undefined);
  return letter;
}

function parseEnvelope(body: string): { kind: DeadLetter['kind']; leadId?: string; source?: string } {
  let envelope: { 'detail-type'?: unknown; detail?: { lead?: { id?: unknown; source?: unknown } } };
  try {
    envelope = JSON.parse(body);
  } catch {
    return { kind: 'unreadable' };
  }
  if (envelope?.['detail-type'] === OPS_ALERT) return { kind: 'ops-alert' };
  const lead = envelope?.['detail-type'] === LEAD_RECEIVED ? envelope.detail?.lead : undefined;
  if (!lead) return { kind: 'unreadable' };
  return {
    kind: 'lead',
    ...(typeof lead.id === 'string' ? { leadId: lead.id } : {}),
    ...(typeof lead.source === 'string' ? { source: lead.source } : {}),
  };
}

/** Messages waiting in a queue (visible), and those in flight (received by someone, not yet deleted). */
export async function queueDepth(
  sqs: SQSClient,
  queueUrl: string,
): Promise<{ visible: number; inFlight: number; delayed: number }> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
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

/**
 * Reads the dead-letter queue without consuming it. SQS has no "peek": each message is received
 * (hidden for a short while) and then made visible again at once, so the deliver side and the
 * next `list` see it as before. A message held by someone else at that moment is not seen.
 */
export async function peekDeadLetters(
  sqs: SQSClient,
  deadLetterQueueUrl: string,
  options: { max?: number } = {},
): Promise<DeadLetter[]> {
  const max = options.max ?? Number.POSITIVE_INFINITY;
  const letters: DeadLetter[] = [];
  try {
    while (letters.length < max) {
      const messages = await receive(
        sqs,
        deadLetterQueueUrl,
        Math.min(SQS_BATCH_LIMIT, max - letters.length),
        PEEK_VISIBILITY_SECONDS,
      );
      if (messages.length === 0) break;
      letters.push(...messages.map(readDeadLetter));
    }
  } finally {
    await makeVisible(sqs, deadLetterQueueUrl, letters);
  }
  return letters;
}

export interface RedriveProgress {
  moved: number;
  failed: number;
  /** Messages the run means to move (the queue's depth at the start, capped by the limit). */
  total: number;
}

export interface RedriveResult extends RedriveProgress {
  /** Why single messages could not be moved; they stay in the dead-letter queue. */
  errors: string[];
}

/**
 * Moves dead-lettered messages back to the destination's queue: receive, SendMessage the same
 * body to the queue, and only then delete from the dead-letter queue. A crash between the two
 * leaves a copy in both, never in neither (at least once; deliveries are idempotent upserts).
 *
 * Why not SQS's own StartMessageMoveTask: the local emulator (fauxqs) does not implement it, so
 * one code path serves both hosts; and it could not honour `--limit`, nor move the messages the
 * deliver handler sent to the DLQ itself (it moves messages back to the queue they were
 * redriven from, which those never were, unless a destination ARN is forced).
 */
export async function redriveDeadLetters(
  refs: Pick<DestinationQueueRefs, 'sqs' | 'queueUrl' | 'deadLetterQueueUrl'>,
  options: { limit?: number; onProgress?: (progress: RedriveProgress) => void } = {},
): Promise<RedriveResult> {
  const { sqs, queueUrl, deadLetterQueueUrl } = refs;
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  const depth = await queueDepth(sqs, deadLetterQueueUrl);
  const result: RedriveResult = { moved: 0, failed: 0, total: Math.min(limit, depth.visible), errors: [] };
  options.onProgress?.({ moved: 0, failed: 0, total: result.total });

  while (result.moved + result.failed < limit) {
    const messages = await receive(
      sqs,
      deadLetterQueueUrl,
      Math.min(SQS_BATCH_LIMIT, limit - result.moved - result.failed),
      MOVE_VISIBILITY_SECONDS,
    );
    if (messages.length === 0) break;
    const sent = await Promise.all(
      messages.map(async (message) => {
        try {
          // Only the body: the dead-letter attributes describe a failure this copy has not had yet.
          await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: message.Body ?? '' }));
          return message;
        } catch (error) {
          result.failed++;
          result.errors.push(`${message.MessageId}: could not send (${(error as Error).name})`);
          return undefined;
        }
      }),
    );
    const toDelete = sent.filter((message) => message !== undefined);
    const deleted = await deleteMessages(sqs, deadLetterQueueUrl, toDelete);
    result.moved += toDelete.length;
    for (const problem of deleted.failures) result.errors.push(problem);
    // A message sent but not deleted reappears in the DLQ: a later redrive sends it again.
    result.total = Math.max(result.total, result.moved + result.failed);
    options.onProgress?.({ moved: result.moved, failed: result.failed, total: result.total });
  }
  return result;
}

async function receive(
  sqs: SQSClient,
  queueUrl: string,
  max: number,
  visibilitySeconds: number,
): Promise<Message[]> {
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: max,
      VisibilityTimeout: visibilitySeconds,
      // A long poll asks every SQS server, so an empty answer means the queue is empty, not
      // that a short poll's sample missed the messages.
      WaitTimeSeconds: 1,
      MessageAttributeNames: ['All'],
      MessageSystemAttributeNames: ['SentTimestamp', 'ApproximateReceiveCount'],
    }),
  );
  return Messages;
}

async function makeVisible(sqs: SQSClient, queueUrl: string, letters: readonly DeadLetter[]): Promise<void> {
  for (let i = 0; i < letters.length; i += SQS_BATCH_LIMIT) {
    await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: letters.slice(i, i + SQS_BATCH_LIMIT).map((letter, index) => ({
          Id: String(index),
          ReceiptHandle: letter.receiptHandle,
          VisibilityTimeout: 0,
        })),
      }),
    );
  }
}

async function deleteMessages(
  sqs: SQSClient,
  queueUrl: string,
  messages: readonly Message[],
): Promise<{ failures: string[] }> {
  if (messages.length === 0) return { failures: [] };
  const { Failed = [] } = await sqs.send(
    new DeleteMessageBatchCommand({
      QueueUrl: queueUrl,
      Entries: messages.map((message, index) => ({
        Id: String(index),
        ReceiptHandle: message.ReceiptHandle ?? '',
      })),
    }),
  );
  return {
    failures: Failed.map(
      (failure) =>
        `${messages[Number(failure.Id)]?.MessageId}: sent, but not deleted from the DLQ (${failure.Code}); it will be sent again by the next redrive`,
    ),
  };
}
