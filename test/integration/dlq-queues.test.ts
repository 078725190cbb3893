import {
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAwsClients } from '../../adapters/aws/clients.ts';
import { createSqsDeliveryQueue, DLQ_ATTRIBUTES } from '../../adapters/aws/delivery-queue.ts';
import { runDlq } from '../../cli/commands/dlq.ts';
import { CliError } from '../../cli/errors.ts';
import { awsDeliveryQueue, type OpenQueue } from '../../cli/queues.ts';
import type { Terminal } from '../../cli/terminal.ts';
import { describeDeadLetter } from '../../functions/deliver/dead-letter.ts';
import {
  type DestinationQueues,
  ensureDestinationQueues,
  type LocalSqs,
  startSqs,
} from '../support/sqs-peer.ts';

const EMAIL = 'ada@example.com';

/** A lead.received event body as the bus puts it on a queue. */
function leadEvent(index: number): string {
  const id = `lead_${index.toString(16).padStart(32, '0')}`;
  return JSON.stringify({
    'detail-type': 'lead.received',
    source: 'leadpipe',
    detail: {
      lead: { id, source: 'form', email: EMAIL, firstName: 'Ada', receivedAt: '2026-01-01T00:00:00Z' },
    },
  });
}
const leadId = (index: number) => `lead_${index.toString(16).padStart(32, '0')}`;

/** The attributes the deliver handler puts on a dead-lettered lead. */
function deadLetterAttributes(
  index: number,
  reason = 'HubSpot said INVALID_EMAIL',
): Record<string, MessageAttributeValue> {
  return {
    [DLQ_ATTRIBUTES.reason]: { DataType: 'String', StringValue: reason },
    [DLQ_ATTRIBUTES.destination]: { DataType: 'String', StringValue: 'hubspot' },
    [DLQ_ATTRIBUTES.attempts]: { DataType: 'Number', StringValue: '3' },
    [DLQ_ATTRIBUTES.failedAt]: { DataType: 'String', StringValue: '2026-01-01T00:00:05.000Z' },
    [DLQ_ATTRIBUTES.leadId]: { DataType: 'String', StringValue: leadId(index) },
  };
}

/** stdout as lines; stderr (notes and progress) as the text written to it. */
function captureTerminal(isTTY = false): Terminal & { lines: string[]; progressText: () => string } {
  const lines: string[] = [];
  const written: string[] = [];
  return {
    lines,
    out: (line) => lines.push(line),
    progress: { write: (text) => written.push(text), isTTY, columns: 80 },
    progressText: () => written.join(''),
  };
}

describe('the SQS delivery queue and the dlq command against an SQS API (fauxqs)', () => {
  let server: LocalSqs;
  let sqs: SQSClient;
  let urls: DestinationQueues;
  let refs: OpenQueue;
  let run = 0;

  beforeAll(async () => {
    server = await startSqs({});
    sqs = createAwsClients({ sqs: server.endpoint }).sqs;
  });
  afterAll(async () => {
    sqs?.destroy();
    await server?.end();
  });
  beforeEach(async () => {
    // Fresh queues per test, so counts never leak between tests.
    run++;
    const queues = await ensureDestinationQueues(sqs, `dlqtest${run}-hubspot`, {
      maxAttempts: 3,
      visibilityTimeoutSeconds: 30,
    });
    urls = queues;
    refs = {
      queue: createSqsDeliveryQueue({ sqs, destination: 'hubspot', ...queues }),
      where: 'fauxqs',
      close: () => undefined,
    };
  });

  /** Puts a lead in the DLQ; `null` attributes: as the redrive policy moves it, with none. */
  const deadLetter = (
    index: number,
    attributes: Record<string, MessageAttributeValue> | null = deadLetterAttributes(index),
  ) =>
    sqs.send(
      new SendMessageCommand({
        QueueUrl: urls.deadLetterQueueUrl,
        MessageBody: leadEvent(index),
        ...(attributes ? { MessageAttributes: attributes } : {}),
      }),
    );
  const receiveAll = async (queueUrl: string): Promise<Message[]> => {
    const all: Message[] = [];
    for (;;) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 30 }),
      );
      if (Messages.length === 0) return all;
      all.push(...Messages);
    }
  };

  it('reads the reason, attempts, lead id and source of a dead-lettered lead', async () => {
    // Prepare
    await deadLetter(1);

    // Act
    const [letter] = (await refs.queue.peekDeadLetters(10)).map(describeDeadLetter);

    // Assess
    expect(letter).toMatchObject({
      hasLeadpipeAttributes: true,
      kind: 'lead',
      leadId: leadId(1),
      source: 'form',
      attempts: 3,
      failedAt: '2026-01-01T00:00:05.000Z',
      reason: 'HubSpot said INVALID_EMAIL',
      destination: 'hubspot',
      sentAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
  });

  it('shows a message the redrive policy moved (no leadpipe attributes) as such, with the lead id from its body', async () => {
    // Prepare
    await deadLetter(2, null);

    // Act
    const [letter] = (await refs.queue.peekDeadLetters(10)).map(describeDeadLetter);

    // Assess
    expect(letter).toMatchObject({
      hasLeadpipeAttributes: false,
      kind: 'lead',
      leadId: leadId(2),
      source: 'form',
    });
    expect(letter?.reason).toBeUndefined();
  });

  it.each([
    ['not JSON', 'not json at all', 'unreadable'],
    [
      'an ops alert',
      JSON.stringify({ 'detail-type': 'ops.alert', detail: { kind: 'credentials-refused' } }),
      'ops-alert',
    ],
    ['another event', JSON.stringify({ 'detail-type': 'something.else', detail: {} }), 'unreadable'],
  ])('classifies a body that is %s', (_, body, kind) => {
    // Act
    const letter = describeDeadLetter({ messageId: 'm1', body, sentAt: 0, receiveCount: 1 });

    // Assess
    expect(letter.kind).toBe(kind);
    expect(letter.leadId).toBeUndefined();
  });

  it('peeks without consuming: every message is visible again afterwards', async () => {
    // Prepare
    for (let i = 0; i < 12; i++) await deadLetter(i);

    // Act
    const first = (await refs.queue.peekDeadLetters(100)).map(describeDeadLetter);
    const second = (await refs.queue.peekDeadLetters(100)).map(describeDeadLetter);

    // Assess
    expect(first).toHaveLength(12);
    expect(second.map((letter) => letter.leadId).sort()).toEqual(first.map((letter) => letter.leadId).sort());
    expect((await refs.queue.depth()).deadLetters.visible).toBe(12);
  });

  it('redrives every message back to the queue, body unchanged and without the dead-letter attributes', async () => {
    // Prepare
    for (let i = 0; i < 25; i++) await deadLetter(i);
    const progress: number[] = [];

    // Act
    const result = await refs.queue.redrive({ onProgress: ({ moved }) => progress.push(moved) });

    // Assess
    expect(result).toMatchObject({ moved: 25, failed: 0, total: 25, errors: [] });
    expect((await refs.queue.depth()).deadLetters.visible).toBe(0);
    const moved = await receiveAll(urls.queueUrl);
    expect(moved.map((message) => message.Body).sort()).toEqual(
      Array.from({ length: 25 }, (_, i) => leadEvent(i)).sort(),
    );
    expect(moved.every((message) => message.MessageAttributes === undefined)).toBe(true);
    expect(progress.at(0)).toBe(0);
    expect(progress.at(-1)).toBe(25);
  });

  it('moves no more than --limit and leaves the rest in the dead-letter queue', async () => {
    // Prepare
    for (let i = 0; i < 15; i++) await deadLetter(i);

    // Act
    const result = await refs.queue.redrive({ limit: 4 });

    // Assess
    expect(result.moved).toBe(4);
    expect((await receiveAll(urls.queueUrl)).length).toBe(4);
    expect((await refs.queue.depth()).deadLetters.visible).toBe(11);
  });

  it('keeps a message in the dead-letter queue when it cannot be sent back (never deletes before sending)', async () => {
    // Prepare: a queue URL that does not exist makes every SendMessage fail.
    for (let i = 0; i < 3; i++) await deadLetter(i);
    const broken = createSqsDeliveryQueue({
      sqs,
      destination: 'hubspot',
      ...urls,
      queueUrl: `${urls.queueUrl}-missing`,
    });

    // Act
    const result = await broken.redrive({ limit: 3 });

    // Assess
    expect(result).toMatchObject({ moved: 0, failed: 3 });
    expect(result.errors).toHaveLength(3);
    const depth = (await refs.queue.depth()).deadLetters;
    expect(depth.visible + depth.inFlight).toBe(3);
  });

  it('finds deployed queues by name with GetQueueUrl, and says which name is missing', async () => {
    // Prepare
    const prefix = `dlqtest${run}`;

    // Act
    await deadLetter(1);
    const found = await awsDeliveryQueue('hubspot', { prefix, sqs });
    const depth = await found.queue.depth();
    const missing = awsDeliveryQueue('salesforce', { prefix, sqs });

    // Assess
    expect(found.where).toContain(`${prefix}-hubspot`);
    expect(depth.deadLetters.visible).toBe(1);
    await expect(missing).rejects.toThrow(CliError);
    await expect(missing).rejects.toThrow(`${prefix}-salesforce`);
  });

  describe('the dlq command', () => {
    it('lists one line per message with lead id, source, attempts, failed at and reason, and no personal data', async () => {
      // Prepare
      await deadLetter(1);
      await deadLetter(2, null);
      const terminal = captureTerminal();

      // Act
      const code = await runDlq('list', refs, {}, terminal);

      // Assess
      expect(code).toBe(0);
      expect(terminal.lines[0]).toMatch(/^2 message\(s\) in the hubspot dead-letter queue/);
      expect(terminal.lines[1]).toMatch(/^LEAD ID +SOURCE +ATTEMPTS +FAILED AT +REASON$/);
      const withReason = terminal.lines.find((line) => line.startsWith(leadId(1)));
      expect(withReason?.split(/ {2,}/)).toEqual([
        leadId(1),
        'form',
        '3',
        '2026-01-01T00:00:05.000Z',
        'HubSpot said INVALID_EMAIL',
      ]);
      expect(terminal.lines.find((line) => line.startsWith(leadId(2)))).toContain('redrive policy');
      expect(terminal.lines.join('\n')).not.toContain(EMAIL);
    });

    it('caps the listing at --limit and says how many more there are', async () => {
      // Prepare
      for (let i = 0; i < 5; i++) await deadLetter(i);
      const terminal = captureTerminal();

      // Act
      await runDlq('list', refs, { limit: '2' }, terminal);

      // Assess
      expect(terminal.lines.filter((line) => line.startsWith('lead_'))).toHaveLength(2);
      expect(terminal.lines.at(-1)).toMatch(/showing 2; use --limit N/);
    });

    it.each([
      ['without --with-lead, no personal data', false],
      ['with --with-lead, the lead itself', true],
    ])('shows one message in detail: %s', async (_, withLead) => {
      // Prepare
      await deadLetter(1);
      await deadLetter(2);
      const terminal = captureTerminal();

      // Act
      const code = await runDlq(
        'show',
        refs,
        { lead: leadId(2), ...(withLead ? { 'with-lead': true } : {}) },
        terminal,
      );

      // Assess
      expect(code).toBe(0);
      const text = terminal.lines.join('\n');
      expect(text).toContain(`lead id         ${leadId(2)}`);
      expect(text).toContain('reason          HubSpot said INVALID_EMAIL');
      expect(text.includes(EMAIL)).toBe(withLead);
    });

    it('answers 1 when the asked-for lead is not in the dead-letter queue', async () => {
      // Prepare
      await deadLetter(1);
      const terminal = captureTerminal();

      // Act
      const code = await runDlq('show', refs, { lead: leadId(9) }, terminal);

      // Assess
      expect(code).toBe(1);
      expect(terminal.lines).toEqual([]);
      expect(terminal.progressText()).toBe(
        `No message for lead ${leadId(9)} in the hubspot dead-letter queue.\n`,
      );
    });

    it.each([
      [
        'a bar redrawn in place on a terminal',
        true,
        // biome-ignore lint/suspicious/noControlCharactersInRegex: the terminal's clear-line sequence is the point.
        /^\r\u001b\[Kredrive \[[#.]+\] moved \d+\/12, failed 0.*\r\u001b\[Kredrive: moved 12\/12, failed 0\n$/s,
      ],
      ['only the final count otherwise', false, /^redrive: moved 12\/12, failed 0\n$/],
    ])('redrives with %s, then a summary', async (_, isTTY, progress) => {
      // Prepare
      for (let i = 0; i < 12; i++) await deadLetter(i);
      const terminal = captureTerminal(isTTY);

      // Act
      const code = await runDlq('redrive', refs, {}, terminal);

      // Assess
      expect(code).toBe(0);
      expect(terminal.progressText()).toMatch(progress);
      expect(terminal.lines.at(-1)).toMatch(/^Moved 12 message\(s\) from the hubspot dead-letter queue/);
    });

    it('refuses a --limit that is not a positive whole number', async () => {
      // Prepare
      const terminal = captureTerminal();

      // Act
      const running = runDlq('redrive', refs, { limit: '0' }, terminal);

      // Assess
      await expect(running).rejects.toThrow('--limit must be a whole number >= 1');
    });
  });
});
