// The DeliveryQueue contract (functions/ports.ts): what the deliver engine, the consumer and the
// CLI rely on, run against every implementation so the embedded default and SQS cannot drift.
import { describe, it, type TestContext } from 'vitest';
import type {
  DeadLetterReason,
  DeliveryQueue,
  QueueDepth,
  QueueMessage,
  RedriveProgress,
} from '../../functions/ports.ts';
import { waitUntil } from '../support/wait.ts';

/** One fresh queue pair per test, and the seam that puts messages on it as the bus does. */
export interface DeliveryQueueFixture {
  queue: DeliveryQueue;
  /** Sends bodies to the queue itself (not through the port, which has no send). */
  send(bodies: readonly string[]): Promise<void>;
  end(): Promise<void>;
}

export interface DeliveryQueueContractOptions {
  /** The queue's redrive policy: receives after which the queue itself moves a message to its DLQ. */
  maxReceiveCount: number;
  /** Whether bodies may hold characters outside the Basic Multilingual Plane (emoji). */
  supportsNonBmp: boolean;
  /** Whether `depth()` can tell when the oldest message was sent (SQS cannot: it leaves `oldestSentAt` absent). */
  reportsOldestSentAt: boolean;
}

/** The shortest visibility timeout SQS takes besides zero: whole seconds only. */
const SHORT_SECONDS = 1;
/** Long enough that nothing comes back by itself during a test. */
const LONG_SECONDS = 30;
/** A bound on every wait for a message to come back; far above the 1 s timeouts. */
const WAIT = { timeoutMs: 8_000, intervalMs: 50 };
/** 1 s measured from outside, less slack for timer rounding; a queue ignoring the timeout answers in ms. */
const ONE_SECOND_LESS_SLACK = 950;

const why = (leadId?: string): DeadLetterReason => ({
  reason: 'HubSpot said INVALID_EMAIL',
  destination: 'hubspot',
  attempts: 3,
  ...(leadId ? { leadId } : {}),
  failedAt: '2026-01-01T00:00:05.000Z',
});

/** A lead.received body as the bus puts it on a queue; `firstName` carries the text under test. */
const body = (index: number, firstName = 'Ada') =>
  JSON.stringify({ 'detail-type': 'lead.received', detail: { lead: { id: `lead_${index}`, firstName } } });

/** Text a lead may carry that stays inside the BMP: both peers must keep it byte for byte. */
const BMP_TEXTS: readonly (readonly [string, string])[] = [
  ['right-to-left Arabic', 'مرحبا بالعالم، أحمد'],
  ['right-to-left Hebrew with a mark', 'שלום עולם\u200F דנה'],
  [
    'combining marks (decomposed, so normalising would change the bytes)',
    'Zoe\u0308 Jose\u0301 \u0915\u094D\u0937',
  ],
];
/** Outside the BMP: an emoji and a ZWJ sequence with a skin tone, among RTL and combining text. */
const NON_BMP: readonly [string, string] = [
  'characters outside the BMP (emoji, a ZWJ sequence with a skin tone)',
  '🙂👩🏽‍💻 مرحبا שלום Zoe\u0308',
];

/**
 * Runs the DeliveryQueue contract. Tests run concurrently, each on its own fixture: most of their
 * time is spent waiting out 1 s visibility timeouts.
 */
export function deliveryQueueContract(
  name: string,
  create: () => Promise<DeliveryQueueFixture>,
  options: DeliveryQueueContractOptions,
): void {
  async function open(context: TestContext): Promise<DeliveryQueueFixture> {
    const fixture = await create();
    context.onTestFinished(() => fixture.end());
    return fixture;
  }

  /** Receives until exactly `count` messages came, each hidden for `seconds`. */
  async function receiveExactly(
    queue: DeliveryQueue,
    count: number,
    seconds: number,
  ): Promise<QueueMessage[]> {
    const received: QueueMessage[] = [];
    await waitUntil(
      `${count} message(s) from ${queue.destination}`,
      async () => {
        received.push(...(await queue.receive(count - received.length, seconds)));
        return received.length >= count ? true : undefined;
      },
      { ...WAIT, describe: () => `${received.length} received` },
    );
    return received;
  }

  /** Waits (bounded) for the next message to be handed out, hidden for `seconds` once received. */
  async function nextMessage(queue: DeliveryQueue, seconds: number): Promise<QueueMessage> {
    const [message] = await receiveExactly(queue, 1, seconds);
    if (!message) throw new Error('receiveExactly returned nothing');
    return message;
  }

  /** Puts each body in the DLQ the way the deliver engine does: receive, deadLetter, delete. */
  async function deadLetterAll(fixture: DeliveryQueueFixture, bodies: readonly string[]): Promise<void> {
    await fixture.send(bodies);
    const received = await receiveExactly(fixture.queue, bodies.length, LONG_SECONDS);
    for (const message of received) await fixture.queue.deadLetter(message, why(`lead_${message.messageId}`));
    await fixture.queue.delete(received.map((message) => message.receiptHandle));
  }

  const empty = { visible: 0, inFlight: 0, delayed: 0 };

  /** A queue's depth without `oldestSentAt`, which not every queue can tell (asserted on its own). */
  async function depthCounts(queue: DeliveryQueue): Promise<{ queue: QueueDepth; deadLetters: QueueDepth }> {
    const only = ({ visible, inFlight, delayed }: QueueDepth): QueueDepth => ({ visible, inFlight, delayed });
    const depth = await queue.depth();
    return { queue: only(depth.queue), deadLetters: only(depth.deadLetters) };
  }

  describe.concurrent(`DeliveryQueue contract: ${name}`, () => {
    it('hides a received message for the visibility timeout, then hands it out again with the count raised', async (context) => {
      // Prepare
      const { queue, send } = await open(context);
      await send([body(1)]);
      const start = Date.now();

      // Act
      const first = await nextMessage(queue, SHORT_SECONDS);
      const whileHidden = await depthCounts(queue);
      const again = await nextMessage(queue, LONG_SECONDS);
      const elapsed = Date.now() - start;

      // Assess
      context.expect(first).toMatchObject({ body: body(1), receiveCount: 1 });
      context.expect(whileHidden.queue).toEqual({ visible: 0, inFlight: 1, delayed: 0 });
      context.expect(elapsed).toBeGreaterThanOrEqual(ONE_SECOND_LESS_SLACK);
      context.expect(again).toMatchObject({ messageId: first.messageId, body: body(1), receiveCount: 2 });
      context.expect(again.receiptHandle).not.toBe(first.receiptHandle);
    });

    it.for([
      [1, 1],
      [2, 2],
      [5, 3],
    ] as const)(
      'asked for at most %i of 3 ready messages, hands out %i',
      async ([max, expected], context) => {
        // Prepare
        const { queue, send } = await open(context);
        await send([body(1), body(2), body(3)]);

        // Act
        const received = await queue.receive(max, LONG_SECONDS);

        // Assess
        context.expect(received).toHaveLength(expected);
        context.expect(new Set(received.map((message) => message.messageId)).size).toBe(expected);
        context.expect((await depthCounts(queue)).queue).toEqual({
          visible: 3 - expected,
          inFlight: expected,
          delayed: 0,
        });
      },
    );

    it('deletes by the latest receipt handle only: a handle from an earlier receive is ignored', async (context) => {
      // Prepare
      const { queue, send } = await open(context);
      await send([body(1)]);
      const stale = await nextMessage(queue, SHORT_SECONDS);
      const latest = await nextMessage(queue, LONG_SECONDS);

      // Act
      await queue.delete([stale.receiptHandle]);
      const afterStale = await depthCounts(queue);
      await queue.delete([latest.receiptHandle]);
      const afterLatest = await depthCounts(queue);

      // Assess
      context.expect(latest.receiveCount).toBe(2);
      context.expect(afterStale.queue).toEqual({ visible: 0, inFlight: 1, delayed: 0 });
      context.expect(afterLatest.queue).toEqual(empty);
    });

    it('retryAfter hides a received message for that many seconds instead of its visibility timeout', async (context) => {
      // Prepare
      const { queue, send } = await open(context);
      await send([body(1)]);
      const received = await nextMessage(queue, LONG_SECONDS);
      const start = Date.now();

      // Act
      await queue.retryAfter(received.receiptHandle, SHORT_SECONDS);
      const whileHidden = await depthCounts(queue);
      const again = await nextMessage(queue, LONG_SECONDS);
      const elapsed = Date.now() - start;

      // Assess: back after 1 s rather than 30.
      context.expect(whileHidden.queue.visible).toBe(0);
      context.expect(elapsed).toBeGreaterThanOrEqual(ONE_SECOND_LESS_SLACK);
      context.expect(again).toMatchObject({ messageId: received.messageId, receiveCount: 2 });
    });

    it.for([
      ['with a lead id', why('lead_0001')],
      ['without a lead id', why()],
    ] as const)(
      'deadLetter moves a received message to the DLQ once, with its reason (%s)',
      async ([, reason], context) => {
        // Prepare
        const { queue, send } = await open(context);
        await send([body(1)]);
        const received = await nextMessage(queue, LONG_SECONDS);

        // Act: the event source mapping (AWS) deletes the original after the handler returned.
        await queue.deadLetter(received, reason);
        await queue.delete([received.receiptHandle]);
        const depth = await depthCounts(queue);
        const letters = await queue.peekDeadLetters(10);

        // Assess
        context.expect(depth).toEqual({ queue: empty, deadLetters: { ...empty, visible: 1 } });
        context.expect(letters).toHaveLength(1);
        context.expect(letters[0]?.body).toBe(body(1));
        context.expect(letters[0]?.why).toEqual(reason);
      },
    );

    it('counts visible and in-flight messages in the queue and in the DLQ', async (context) => {
      // Prepare: of 3, one left ready, one received, one dead-lettered.
      const { queue, send } = await open(context);
      await send([body(1), body(2), body(3)]);
      const [, dead] = await receiveExactly(queue, 2, LONG_SECONDS);
      if (!dead) throw new Error('fewer than 2 received');

      // Act
      await queue.deadLetter(dead, why('lead_dead'));
      await queue.delete([dead.receiptHandle]);
      const depth = await depthCounts(queue);

      // Assess
      context.expect(depth).toEqual({
        queue: { visible: 1, inFlight: 1, delayed: 0 },
        deadLetters: { visible: 1, inFlight: 0, delayed: 0 },
      });
    });

    it('counts a message hidden by retryAfter as in flight: it is still received, not delayed', async (context) => {
      // Prepare
      const { queue, send } = await open(context);
      await send([body(1)]);
      const received = await nextMessage(queue, LONG_SECONDS);

      // Act
      await queue.retryAfter(received.receiptHandle, LONG_SECONDS);
      const depth = await depthCounts(queue);

      // Assess: SQS's ApproximateNumberOfMessagesNotVisible; "delayed" is a DelaySeconds wait.
      context.expect(depth.queue).toEqual({ visible: 0, inFlight: 1, delayed: 0 });
    });

    it('peeks at dead letters without consuming them', async (context) => {
      // Prepare
      const fixture = await open(context);
      const bodies = [body(1), body(2), body(3)];
      await deadLetterAll(fixture, bodies);

      // Act
      const first = await fixture.queue.peekDeadLetters(bodies.length);
      const second = await fixture.queue.peekDeadLetters(bodies.length);
      const depth = await depthCounts(fixture.queue);

      // Assess
      const seen = (letters: typeof first) =>
        letters.map((letter) => `${letter.messageId} ${letter.body}`).sort();
      context.expect(first.map((letter) => letter.body).sort()).toEqual([...bodies].sort());
      context.expect(seen(second)).toEqual(seen(first));
      context.expect(first.every((letter) => letter.why?.reason === why().reason)).toBe(true);
      context.expect(depth.deadLetters).toEqual({ ...empty, visible: bodies.length });
    });

    it.for([
      ['all of them', undefined, 3],
      ['no more than the limit', 2, 2],
    ] as const)(
      'redrives %s back to the queue as new messages, body unchanged',
      async ([, limit, moved], context) => {
        // Prepare
        const fixture = await open(context);
        const { queue } = fixture;
        const bodies = [body(1), body(2), body(3)];
        await deadLetterAll(fixture, bodies);
        const progress: RedriveProgress[] = [];

        // Act
        const result = await queue.redrive({
          ...(limit === undefined ? {} : { limit }),
          onProgress: (step) => progress.push({ ...step }),
        });
        const depth = await depthCounts(queue);
        const redriven = await receiveExactly(queue, moved, LONG_SECONDS);

        // Assess
        context.expect(result).toEqual({ moved, failed: 0, total: moved, errors: [] });
        context.expect(progress.at(0)).toEqual({ moved: 0, failed: 0, total: moved });
        context.expect(progress.at(-1)).toEqual({ moved, failed: 0, total: moved });
        context.expect(depth).toEqual({
          queue: { ...empty, visible: moved },
          deadLetters: { ...empty, visible: bodies.length - moved },
        });
        for (const message of redriven) context.expect(bodies).toContain(message.body);
        context.expect(redriven.map((message) => message.receiveCount)).toEqual(redriven.map(() => 1));
      },
    );

    it.for([
      ['a message as it was sent', false],
      ['a redriven dead letter, whose old reason is gone', true],
    ] as const)(
      'lets the redrive policy move %s to the DLQ after maxReceiveCount receives, with no reason',
      async ([, redriven], context) => {
        // Prepare
        const fixture = await open(context);
        const { queue } = fixture;
        if (redriven) {
          await deadLetterAll(fixture, [body(1)]);
          await queue.redrive();
        } else {
          await fixture.send([body(1)]);
        }

        // Act: receive and never delete, as a handler that crashes on the message does.
        const counts: number[] = [];
        for (let i = 0; i < options.maxReceiveCount; i++) {
          const message = await nextMessage(queue, SHORT_SECONDS);
          counts.push(message.receiveCount);
        }
        const handedOutAfterLimit: QueueMessage[] = [];
        const depth = await waitUntil(
          'the queue to move the message to its DLQ',
          async () => {
            handedOutAfterLimit.push(...(await queue.receive(1, SHORT_SECONDS)));
            const seen = await depthCounts(queue);
            return seen.deadLetters.visible > 0 ? seen : undefined;
          },
          WAIT,
        );
        const letters = await queue.peekDeadLetters(1);

        // Assess
        context.expect(counts).toEqual(Array.from({ length: options.maxReceiveCount }, (_, i) => i + 1));
        context.expect(handedOutAfterLimit).toEqual([]);
        context.expect(depth).toEqual({ queue: empty, deadLetters: { ...empty, visible: 1 } });
        context.expect(letters).toHaveLength(1);
        context.expect(letters[0]?.body).toBe(body(1));
        context.expect(letters[0]?.why).toBeUndefined();
      },
    );

    it('redrives only the dead letters named by messageIds, ignoring ids it does not hold', async (context) => {
      // Prepare
      const fixture = await open(context);
      const { queue } = fixture;
      await deadLetterAll(fixture, [body(1), body(2), body(3), body(4)]);
      const letters = await queue.peekDeadLetters(10);
      const [first, , third] = letters;
      if (!first || !third) throw new Error('fewer than 3 dead letters');
      const moved: { messageId: string; body: string }[] = [];

      // Act
      const result = await queue.redrive({
        messageIds: [first.messageId, third.messageId, 'no-such-message'],
        onMoved: (chunk) => moved.push(...chunk),
      });
      const depth = await depthCounts(queue);
      const left = await queue.peekDeadLetters(10);
      const redriven = await receiveExactly(queue, 2, LONG_SECONDS);

      // Assess
      const byId = (a: { messageId: string }, b: { messageId: string }) =>
        a.messageId.localeCompare(b.messageId);
      context.expect(result).toEqual({ moved: 2, failed: 0, total: 2, errors: [] });
      context
        .expect(depth)
        .toEqual({ queue: { ...empty, visible: 2 }, deadLetters: { ...empty, visible: 2 } });
      context.expect(left.map((letter) => letter.messageId).sort()).toEqual(
        letters
          .filter((letter) => letter !== first && letter !== third)
          .map((letter) => letter.messageId)
          .sort(),
      );
      context
        .expect([...moved].sort(byId))
        .toEqual(
          [first, third].map((letter) => ({ messageId: letter.messageId, body: letter.body })).sort(byId),
        );
      context.expect(redriven.map((message) => message.body).sort()).toEqual([first.body, third.body].sort());
    });

    it('moves nothing and leaves every dead letter readable at once when no named id is in the DLQ', async (context) => {
      // Prepare
      const fixture = await open(context);
      const { queue } = fixture;
      await deadLetterAll(fixture, [body(1), body(2)]);
      const onMoved: unknown[] = [];

      // Act
      const result = await queue.redrive({
        messageIds: ['no-such-message'],
        onMoved: (chunk) => onMoved.push(chunk),
      });
      const depth = await depthCounts(queue);
      const letters = await queue.peekDeadLetters(10);

      // Assess: the ones looked at are visible again without waiting out a timeout.
      context.expect(result).toEqual({ moved: 0, failed: 0, total: 0, errors: [] });
      context.expect(onMoved).toEqual([]);
      context.expect(depth).toEqual({ queue: empty, deadLetters: { ...empty, visible: 2 } });
      context.expect(letters.map((letter) => letter.body).sort()).toEqual([body(1), body(2)].sort());
    });

    it('honours the limit among the named dead letters', async (context) => {
      // Prepare
      const fixture = await open(context);
      const { queue } = fixture;
      await deadLetterAll(fixture, [body(1), body(2), body(3), body(4)]);
      const named = (await queue.peekDeadLetters(10)).slice(0, 3).map((letter) => letter.messageId);

      // Act
      const result = await queue.redrive({ messageIds: named, limit: 2 });
      const left = await queue.peekDeadLetters(10);

      // Assess: two of the three named went; the third and the unnamed one stay.
      context.expect(result).toEqual({ moved: 2, failed: 0, total: 2, errors: [] });
      context.expect(left).toHaveLength(2);
      context.expect(left.filter((letter) => named.includes(letter.messageId))).toHaveLength(1);
    });

    it('tells onMoved, chunk by chunk, every dead letter a redrive moved, with its body', async (context) => {
      // Prepare
      const fixture = await open(context);
      const { queue } = fixture;
      const bodies = [body(1), body(2), body(3)];
      await deadLetterAll(fixture, bodies);
      const letters = await queue.peekDeadLetters(10);
      const chunks: (readonly { messageId: string; body: string }[])[] = [];

      // Act
      const result = await queue.redrive({ onMoved: (chunk) => chunks.push(chunk) });

      // Assess
      const moved = chunks.flat();
      context.expect(result.moved).toBe(3);
      context.expect(chunks.every((chunk) => chunk.length > 0)).toBe(true);
      context
        .expect(moved.map((entry) => entry.messageId).sort())
        .toEqual(letters.map((l) => l.messageId).sort());
      context.expect(moved.map((entry) => entry.body).sort()).toEqual([...bodies].sort());
    });

    if (options.reportsOldestSentAt) {
      it('tells when the oldest message in the queue and in the DLQ was sent, and nothing when empty', async (context) => {
        // Prepare
        const fixture = await open(context);
        const { queue } = fixture;
        const before = await queue.depth();
        await deadLetterAll(fixture, [body(3)]);
        await fixture.send([body(1)]);
        await new Promise((resolve) => setTimeout(resolve, 20));
        await fixture.send([body(2)]);

        // Act
        const depth = await queue.depth();
        const held = await receiveExactly(queue, 2, LONG_SECONDS);
        const [letter] = await queue.peekDeadLetters(1);

        // Assess: the first message's send time, though it has been received since; the DLQ's by when it arrived there.
        const sentAt = Math.min(...held.map((message) => message.sentAt));
        context.expect(before.queue.oldestSentAt).toBeUndefined();
        context.expect(before.deadLetters.oldestSentAt).toBeUndefined();
        context.expect(held.find((message) => message.sentAt === sentAt)?.body).toBe(body(1));
        context.expect(depth.queue.oldestSentAt).toBe(sentAt);
        context.expect(depth.deadLetters.oldestSentAt).toBe(letter?.sentAt);
      });
    } else {
      it('leaves oldestSentAt absent: this queue cannot tell (a known peer difference)', async (context) => {
        // Prepare
        const fixture = await open(context);
        await fixture.send([body(1)]);

        // Act
        const depth = await fixture.queue.depth();

        // Assess
        context.expect(depth.queue.visible).toBe(1);
        context.expect(depth.queue).not.toHaveProperty('oldestSentAt');
      });
    }

    /** Sends `text` in a body and carries it through receive, deadLetter, peek and redrive. */
    async function roundTrip(fixture: DeliveryQueueFixture, text: string): Promise<string[]> {
      const { queue } = fixture;
      await fixture.send([body(1, text)]);
      const received = await nextMessage(queue, LONG_SECONDS);
      await queue.deadLetter(received, why());
      await queue.delete([received.receiptHandle]);
      const letters = await queue.peekDeadLetters(10);
      await queue.redrive();
      const redriven = await nextMessage(queue, LONG_SECONDS);
      return [received.body, ...letters.map((letter) => letter.body), redriven.body];
    }

    const unicodeTexts = options.supportsNonBmp ? [...BMP_TEXTS, NON_BMP] : BMP_TEXTS;
    it.for(unicodeTexts)(
      'keeps %s byte for byte through receive, dead-letter, peek and redrive',
      async ([, text], context) => {
        // Prepare
        const fixture = await open(context);

        // Act
        const copies = await roundTrip(fixture, text);

        // Assess: received, dead-lettered once, redriven.
        const utf8 = (value: string) => Buffer.from(value, 'utf8').toString('hex');
        context.expect(copies.map(utf8)).toEqual([1, 2, 3].map(() => utf8(body(1, text))));
      },
    );

    it('erase deletes the queued messages and dead letters of the person, and leaves the others readable at once', async (context) => {
      // Prepare: a dead letter and a queued message of Ada (by email, and by phone), one of Grace's each.
      const fixture = await open(context);
      const contact = (n: number, email: string, phone: string) =>
        JSON.stringify({
          'detail-type': 'lead.received',
          detail: { lead: { id: `lead_${n}`, email, phone } },
        });
      await deadLetterAll(fixture, [
        contact(1, 'Ada@Example.com', '+14155550101'),
        contact(2, 'grace@example.com', '+14155550102'),
      ]);
      await fixture.send([
        contact(3, 'other@example.com', '+14155550101'),
        contact(4, 'grace@example.com', '+14155550102'),
        'not json at all',
      ]);

      // Act
      const erased = await fixture.queue.erase({ email: 'ada@example.com', phone: '+14155550101' });
      const again = await fixture.queue.erase({ email: 'ada@example.com', phone: '+14155550101' });

      // Assess: what is left is visible again at once, not hidden by the erase's receives.
      context.expect(erased).toEqual({ queued: 1, deadLetters: 1 });
      context.expect(again).toEqual({ queued: 0, deadLetters: 0 });
      const letters = await fixture.queue.peekDeadLetters(10);
      context.expect(letters.map((letter) => JSON.parse(letter.body).detail.lead.id)).toEqual(['lead_2']);
      const left = await fixture.queue.receive(10, LONG_SECONDS);
      context
        .expect(left.map((message) => message.body).sort())
        .toEqual([contact(4, 'grace@example.com', '+14155550102'), 'not json at all'].sort());
    });

    if (!options.supportsNonBmp) {
      it('refuses a body with characters outside the BMP (emoji) at send, and keeps nothing: a known peer limitation', async (context) => {
        // Prepare
        const fixture = await open(context);

        // Act
        const sending = fixture.send([body(1, NON_BMP[1])]);

        // Assess
        await context.expect(sending).rejects.toThrow(/invalid/i);
        context.expect(await depthCounts(fixture.queue)).toEqual({ queue: empty, deadLetters: empty });
      });
    }
  });
}
