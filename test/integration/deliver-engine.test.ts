import type { SQSRecord } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { toSqsRecord } from '../../adapters/embedded/consumer.ts';
import { type EmbeddedDatabase, openDatabase } from '../../adapters/embedded/database.ts';
import { createEmbeddedQueues } from '../../adapters/embedded/queues.ts';
import { DEFAULT_BLOCKED_DELAY_SECONDS, retryPlan } from '../../functions/deliver/backoff.ts';
import { describeDeadLetter } from '../../functions/deliver/dead-letter.ts';
import {
  type BatchSummary,
  createDeliver,
  type DeliverDependencies,
  INVOCATION_SAFETY_MARGIN_MS,
} from '../../functions/deliver/deliver.ts';
import { createLogger } from '../../functions/observability/logger.ts';
import type { DeliveryQueue, DestinationAdapter, OpsAlertSink, Outcome } from '../../functions/ports.ts';
import { LEAD_RECEIVED, OPS_ALERT } from '../../functions/routing/rules.ts';
import type { Lead } from '../../schemas/generated/lead.ts';
import type { OpsAlert } from '../../schemas/generated/ops-alert-event.ts';
import { eventBridgeEnvelope, fullLead, leadId, leadReceived } from '../unit/schemas/lead-factory.ts';

const logger = createLogger({ logLevel: 'SILENT' });
const opened: EmbeddedDatabase[] = [];
afterEach(() => {
  for (const database of opened.splice(0)) database.close();
});

/**
 * A fake destination: the one place a fake adapter is right, since these tests are about the
 * engine, not a vendor. It records every batch and answers each lead with `outcomeFor`.
 */
function fakeAdapter(outcomeFor: (lead: Lead) => Outcome, maxBatchSize = 10) {
  const batches: string[][] = [];
  const adapter: DestinationAdapter = {
    maxBatchSize,
    async deliver(leads) {
      batches.push(leads.map((lead) => lead.id));
      return new Map(leads.map((lead) => [lead.id, outcomeFor(lead)]));
    },
  };
  return { adapter, batches };
}

/**
 * The engine on the embedded queue (the queue's own semantics are proven against SQS by the
 * delivery-queue contract suite), with a clock the test moves: visibility is exact.
 */
function harness(adapter: DestinationAdapter, overrides: Partial<DeliverDependencies> = {}) {
  const database = openDatabase();
  opened.push(database);
  const clock = { now: 1_800_000_000_000 };
  const queues = createEmbeddedQueues(database, () => clock.now);
  // The redrive backstop as both hosts set it for the default 24 h horizon.
  queues.ensure('crm', { maxReceiveCount: retryPlan({}).maxReceiveCount });
  const queue = queues.deliveryQueue('crm');
  const raised: OpsAlert[][] = [];
  const summaries: BatchSummary[] = [];
  const deliver = createDeliver({
    destination: 'crm',
    adapter,
    queue,
    raiseAlerts: async (alerts) => {
      raised.push(alerts);
    },
    logger,
    onBatch: (summary) => summaries.push(summary),
    random: () => 0,
    now: () => clock.now,
    ...overrides,
  });
  return { queues, queue, deliver, raised, summaries, clock };
}
type Harness = ReturnType<typeof harness>;

const leadBody = (lead: Lead) => JSON.stringify(eventBridgeEnvelope(LEAD_RECEIVED, leadReceived(lead)));

/** Receives up to `count` ready messages as Lambda records. */
async function receive(queue: DeliveryQueue, count: number): Promise<SQSRecord[]> {
  return (await queue.receive(count, 30)).map((message) => toSqsRecord(message, 'arn:aws:sqs:local:0:crm'));
}

const deadLetters = async (h: Harness) => (await h.queue.peekDeadLetters(10)).map(describeDeadLetter);

const DAY_MS = 86_400_000;

/** The record as if SQS had first delivered it at `at` (epoch ms). */
const firstReceived = (record: SQSRecord, at: number): SQSRecord => ({
  ...record,
  attributes: { ...record.attributes, ApproximateFirstReceiveTimestamp: String(at) },
});

/** The queue port, recording the name of every action the engine asks of it. */
function recording(queue: DeliveryQueue, calls: string[]): DeliveryQueue {
  return new Proxy(queue, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.push(String(property));
        return value.apply(target, args);
      };
    },
  });
}

/** Sends leads, receives them and runs one delivery over them, as the consumer would (deleting successes). */
async function deliverLeads(h: Harness, bodies: string[]) {
  h.queues.send('crm', bodies);
  const records = await receive(h.queue, bodies.length);
  expect(records).toHaveLength(bodies.length);
  const response = await h.deliver({ Records: records });
  const failures = response.batchItemFailures.map((failure) => failure.itemIdentifier);
  await h.queue.delete(
    records.filter((record) => !failures.includes(record.messageId)).map((record) => record.receiptHandle),
  );
  return { records, failures };
}

describe('createDeliver', () => {
  it('reports delivered leads as successes', async () => {
    // Prepare
    const { adapter, batches } = fakeAdapter(() => ({ status: 'delivered' }));
    const h = harness(adapter);

    // Act
    const { failures } = await deliverLeads(h, [
      leadBody(fullLead({ id: leadId(1) })),
      leadBody(fullLead({ id: leadId(2) })),
    ]);

    // Assess
    expect(failures).toEqual([]);
    expect(batches).toEqual([[leadId(1), leadId(2)]]);
    expect(h.raised).toEqual([]);
    expect(await h.queue.depth()).toEqual({
      queue: { visible: 0, inFlight: 0, delayed: 0 },
      deadLetters: { visible: 0, inFlight: 0, delayed: 0 },
    });
    expect(h.summaries).toEqual([
      {
        records: 2,
        delivered: 2,
        retried: 0,
        deadLettered: 0,
        blocked: 0,
        deferred: 0,
        unsettled: 0,
        canaryDelivered: 0,
        ackToCrmMs: [expect.any(Number), expect.any(Number)],
      },
    ]);
  });

  it('reports a retry as a batch item failure and makes it visible after its backoff', async () => {
    // Prepare: random 0 gives a 0 s backoff, so the message is back at once instead of after 30 s.
    const { adapter } = fakeAdapter(() => ({ status: 'retry', reason: 'HTTP 503' }));
    const h = harness(adapter);

    // Act
    const { records, failures } = await deliverLeads(h, [leadBody(fullLead())]);
    const again = await receive(h.queue, 1);

    // Assess
    expect(failures).toEqual([records[0]?.messageId]);
    expect(h.summaries[0]?.retried).toBe(1);
    expect(again.map((record) => record.attributes.ApproximateReceiveCount)).toEqual(['2']);
    expect(h.raised).toEqual([]);
  });

  it.each([
    ['the full-jitter backoff of the attempt', 0.999, undefined, 2],
    ["the vendor's Retry-After when it is longer", 0, 45_000, 45],
  ])('hides a retried lead for %s', async (_name, random, retryAfterMs, expected) => {
    // Prepare
    const { adapter } = fakeAdapter(() => ({ status: 'retry', reason: '429', retryAfterMs }));
    const h = harness(adapter, { random: () => random });

    // Act
    await deliverLeads(h, [leadBody(fullLead())]);

    // Assess
    expect(h.queues.readiness('crm').nextVisibleAt).toBe(h.clock.now + expected * 1000);
  });

  it('still dead-letters at the deprecated maxAttempts when set, with its attributes, and alerts', async () => {
    // Prepare
    const { adapter } = fakeAdapter(() => ({ status: 'retry', reason: 'HTTP 503' }));
    const h = harness(adapter, { maxAttempts: 2 });
    const lead = fullLead({ id: leadId(7) });
    const first = await deliverLeads(h, [leadBody(lead)]);

    // Act: the second receive is attempt 2 of 2.
    const records = await receive(h.queue, 1);
    const second = await h.deliver({ Records: records });

    // Assess
    expect(first.failures).toHaveLength(1);
    expect(second.batchItemFailures).toEqual([]);
    const [dead, ...more] = await deadLetters(h);
    expect(more).toEqual([]);
    expect(dead?.body).toBe(leadBody(lead));
    expect(dead).toMatchObject({
      hasLeadpipeAttributes: true,
      reason: 'gave up after 2 attempts; last error: HTTP 503',
      attempts: 2,
      destination: 'crm',
      leadId: leadId(7),
    });
    expect(dead?.failedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect((await h.queue.depth()).queue).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    expect(h.raised).toEqual([
      [
        {
          kind: 'dead-lettered',
          destination: 'crm',
          leadId: leadId(7),
          reason: 'gave up after 2 attempts; last error: HTTP 503',
          attempts: 2,
        },
      ],
    ]);
  });

  it('dead-letters a rejected lead at once, with the vendor reason, and alerts', async () => {
    // Prepare
    const { adapter } = fakeAdapter((lead) =>
      lead.id === leadId(1) ? { status: 'rejected', reason: 'INVALID_EMAIL' } : { status: 'delivered' },
    );
    const h = harness(adapter);

    // Act
    const { failures } = await deliverLeads(h, [
      leadBody(fullLead({ id: leadId(1) })),
      leadBody(fullLead({ id: leadId(2) })),
    ]);

    // Assess
    expect(failures).toEqual([]);
    const dead = await deadLetters(h);
    expect(dead.map((letter) => letter.leadId)).toEqual([leadId(1)]);
    expect(dead[0]).toMatchObject({ reason: 'INVALID_EMAIL', attempts: 1 });
    expect(h.summaries[0]).toMatchObject({ delivered: 1, deadLettered: 1 });
    expect(h.raised.flat()).toEqual([
      { kind: 'dead-lettered', destination: 'crm', leadId: leadId(1), reason: 'INVALID_EMAIL', attempts: 1 },
    ]);
  });

  it('leaves blocked leads on the queue, hidden for the blocked delay, sends no copy, and alerts once a batch', async () => {
    // Prepare: the engine on a queue port that records what it is asked to do.
    const { adapter } = fakeAdapter(() => ({ status: 'blocked', reason: 'HTTP 401' }));
    const h = harness(adapter);
    const calls: string[] = [];
    const queue = recording(h.queue, calls);
    const raised: OpsAlert[][] = [];
    const deliver = createDeliver({
      destination: 'crm',
      adapter,
      queue,
      logger,
      now: () => h.clock.now,
      raiseAlerts: async (alerts) => {
        raised.push(alerts);
      },
    });
    const bodies = [leadBody(fullLead({ id: leadId(1) })), leadBody(fullLead({ id: leadId(2) }))];
    h.queues.send('crm', bodies);
    const records = await receive(h.queue, 2);

    // Act
    const response = await deliver({ Records: records });
    const whileBlocked = await h.queue.depth();
    h.clock.now += DEFAULT_BLOCKED_DELAY_SECONDS * 1000;
    const again = await receive(h.queue, 2);
    await deliver({ Records: again });

    // Assess: the same messages came back (no copy), hidden for the delay, reported as failures.
    expect(calls).toEqual(['retryAfter', 'retryAfter', 'retryAfter', 'retryAfter']);
    expect(response.batchItemFailures.map((failure) => failure.itemIdentifier).sort()).toEqual(
      records.map((record) => record.messageId).sort(),
    );
    expect(whileBlocked).toEqual({
      queue: { visible: 0, inFlight: 2, delayed: 0, oldestSentAt: expect.any(Number) },
      deadLetters: { visible: 0, inFlight: 0, delayed: 0 },
    });
    expect(again.map((record) => record.messageId).sort()).toEqual(
      records.map((record) => record.messageId).sort(),
    );
    expect(again.map((record) => record.attributes.ApproximateReceiveCount)).toEqual(['2', '2']);
    const refused = { kind: 'credentials-refused', destination: 'crm', reason: 'HTTP 401' };
    expect(raised).toEqual([[refused], [refused]]);
    expect((await h.queue.depth()).deadLetters.visible).toBe(0);
  });

  it('never gives up on a blocked lead, even past its retry horizon', async () => {
    // Prepare: first received 2 days ago, past the 24 h horizon.
    const { adapter } = fakeAdapter(() => ({ status: 'blocked', reason: 'HTTP 403' }));
    const h = harness(adapter, { blockedDelaySeconds: 120 });
    h.queues.send('crm', [leadBody(fullLead())]);
    const records = (await receive(h.queue, 1)).map((record) =>
      firstReceived(record, h.clock.now - 2 * DAY_MS),
    );

    // Act
    const response = await h.deliver({ Records: records });

    // Assess
    expect(response.batchItemFailures).toHaveLength(1);
    expect(h.summaries[0]).toMatchObject({ blocked: 1, deadLettered: 0 });
    expect(h.queues.readiness('crm').nextVisibleAt).toBe(h.clock.now + 120_000);
  });

  it('retries a transient failure at attempt 9 when the horizon is 24 h', async () => {
    // Prepare: random 0 gives 0 s waits, so the lead comes back at once, 9 times within a second.
    const { adapter } = fakeAdapter(() => ({ status: 'retry', reason: 'HTTP 503' }));
    const h = harness(adapter, { retryHorizonSeconds: 86_400 });
    h.queues.send('crm', [leadBody(fullLead())]);

    // Act
    const responses = [];
    for (let attempt = 1; attempt <= 9; attempt++) {
      responses.push(await h.deliver({ Records: await receive(h.queue, 1) }));
    }

    // Assess
    expect(responses.map((response) => response.batchItemFailures.length)).toEqual(Array(9).fill(1));
    expect(h.summaries.map((summary) => summary.retried)).toEqual(Array(9).fill(1));
    expect(await deadLetters(h)).toEqual([]);
    expect((await receive(h.queue, 1)).map((record) => record.attributes.ApproximateReceiveCount)).toEqual([
      '10',
    ]);
  });

  it.each([
    ['retries it when the next wait still fits', 5, 'retried'],
    ['dead-letters it when the next wait would pass the horizon', 1, 'deadLettered'],
  ] as const)(
    'for a lead first received a horizon ago, less %2$i s: %1$s',
    async (_name, secondsLeft, counted) => {
      // Prepare: attempt 1 with random ~1 waits its ceiling, 2 s.
      const { adapter } = fakeAdapter(() => ({ status: 'retry', reason: 'HTTP 503' }));
      const h = harness(adapter, { retryHorizonSeconds: 3600, random: () => 0.999 });
      const lead = fullLead({ id: leadId(3) });
      h.queues.send('crm', [leadBody(lead)]);
      const firstReceivedAt = h.clock.now - (3600 - secondsLeft) * 1000;
      const records = (await receive(h.queue, 1)).map((record) => firstReceived(record, firstReceivedAt));

      // Act
      await h.deliver({ Records: records });

      // Assess
      expect(h.summaries[0]?.[counted]).toBe(1);
      const dead = await deadLetters(h);
      if (counted === 'retried') {
        expect(dead).toEqual([]);
        expect(h.queues.readiness('crm').nextVisibleAt).toBe(h.clock.now + 2000);
      } else {
        const reason = `gave up after 1 attempts over ${3600 - secondsLeft} s (retry horizon 3600 s); last error: HTTP 503`;
        expect(dead).toMatchObject([{ leadId: leadId(3), reason, attempts: 1 }]);
        expect(h.raised.flat()).toEqual([
          { kind: 'dead-lettered', destination: 'crm', leadId: leadId(3), reason, attempts: 1 },
        ]);
      }
    },
  );

  it('starts no chunk once the time budget is spent: the rest come back at once, not dead-lettered', async () => {
    // Prepare: a slow vendor (2 s per call, on the test clock) and 1 s of budget past the margin.
    const batches: string[][] = [];
    const deadlines: (number | undefined)[] = [];
    let h: Harness | undefined;
    const adapter: DestinationAdapter = {
      maxBatchSize: 2,
      async deliver(leads, options) {
        batches.push(leads.map((lead) => lead.id));
        deadlines.push(options?.deadline);
        if (h) h.clock.now += 2000;
        return new Map(leads.map((lead) => [lead.id, { status: 'delivered' } as Outcome]));
      },
    };
    h = harness(adapter);
    const start = h.clock.now;
    h.queues.send(
      'crm',
      [1, 2, 3, 4, 5].map((n) => leadBody(fullLead({ id: leadId(n) }))),
    );
    const records = await receive(h.queue, 5);
    const context = { getRemainingTimeInMillis: () => INVOCATION_SAFETY_MARGIN_MS + 1000 };

    // Act
    const response = await h.deliver({ Records: records }, context);

    // Assess
    expect(batches).toEqual([[leadId(1), leadId(2)]]);
    expect(deadlines).toEqual([start + 1000]);
    expect(response.batchItemFailures.map((failure) => failure.itemIdentifier)).toEqual(
      records.slice(2).map((record) => record.messageId),
    );
    expect(h.summaries[0]).toMatchObject({ delivered: 2, deferred: 3, retried: 0, deadLettered: 0 });
    expect((await h.queue.depth()).queue).toMatchObject({ visible: 3 });
    expect(await deadLetters(h)).toEqual([]);
  });

  it.each([
    ['a body that is not JSON', 'not json', 'message body is not JSON'],
    [
      'a lead.received event with an invalid lead',
      leadBody({ ...fullLead(), score: 500 }),
      'invalid lead.received event: detail.lead.score: must be <= 100',
    ],
    [
      'an unexpected event type',
      JSON.stringify(eventBridgeEnvelope('lead.deleted', {})),
      'unexpected event type "lead.deleted"',
    ],
    [
      'an invalid ops alert',
      JSON.stringify(eventBridgeEnvelope(OPS_ALERT, { kind: 'nope' })),
      'invalid ops.alert event',
    ],
  ])('dead-letters %s with the reason, without calling the adapter', async (_name, body, reason) => {
    // Prepare
    const { adapter, batches } = fakeAdapter(() => ({ status: 'delivered' }));
    const h = harness(adapter);

    // Act
    const { failures } = await deliverLeads(h, [body]);

    // Assess
    expect(failures).toEqual([]);
    expect(batches).toEqual([]);
    const [dead] = await deadLetters(h);
    expect(dead?.body).toBe(body);
    expect(dead?.reason).toBe(reason);
    expect((await h.queue.peekDeadLetters(1))[0]?.why?.leadId).toBeUndefined();
  });

  it('delivers a lead that arrives twice in one batch once, and settles both records', async () => {
    // Prepare
    const { adapter, batches } = fakeAdapter(() => ({ status: 'retry', reason: 'HTTP 500' }));
    const h = harness(adapter);
    const body = leadBody(fullLead({ id: leadId(9) }));

    // Act
    const { records, failures } = await deliverLeads(h, [body, body]);

    // Assess
    expect(batches).toEqual([[leadId(9)]]);
    expect(failures.sort()).toEqual(records.map((record) => record.messageId).sort());
  });

  it('retries every lead of a batch when the adapter throws', async () => {
    // Prepare
    const adapter: DestinationAdapter = {
      maxBatchSize: 10,
      deliver: async () => {
        throw new TypeError('bug in the adapter');
      },
    };
    const h = harness(adapter);

    // Act
    const { records, failures } = await deliverLeads(h, [
      leadBody(fullLead({ id: leadId(1) })),
      leadBody(fullLead({ id: leadId(2) })),
    ]);

    // Assess
    expect(failures.sort()).toEqual(records.map((record) => record.messageId).sort());
    expect((await h.queue.depth()).deadLetters.visible).toBe(0);
  });

  it('hands leads to the adapter in chunks of its maxBatchSize', async () => {
    // Prepare
    const { adapter, batches } = fakeAdapter(() => ({ status: 'delivered' }), 2);
    const h = harness(adapter);
    const bodies = [1, 2, 3, 4, 5].map((n) => leadBody(fullLead({ id: leadId(n) })));

    // Act
    await deliverLeads(h, bodies);

    // Assess
    expect(batches.map((batch) => batch.length)).toEqual([2, 2, 1]);
    expect(batches.flat().sort()).toEqual([1, 2, 3, 4, 5].map(leadId));
  });

  it('treats a lead the adapter gave no outcome for as a retry', async () => {
    // Prepare
    const adapter: DestinationAdapter = { maxBatchSize: 10, deliver: async () => new Map() };
    const h = harness(adapter);

    // Act
    const { records, failures } = await deliverLeads(h, [leadBody(fullLead())]);

    // Assess
    expect(failures).toEqual([records[0]?.messageId]);
  });

  it('hands ops.alert messages to the ops alert sink, not the lead adapter', async () => {
    // Prepare
    const { adapter, batches } = fakeAdapter(() => ({ status: 'delivered' }));
    const received: OpsAlert[][] = [];
    const opsAlerts: OpsAlertSink = {
      async alert(alerts) {
        received.push([...alerts]);
        return new Map(alerts.map((_, index) => [index, { status: 'delivered' } as Outcome]));
      },
    };
    const h = harness(adapter, { opsAlerts });
    const alert: OpsAlert = { kind: 'credentials-refused', destination: 'hubspot', reason: 'HTTP 401' };

    // Act
    const { failures } = await deliverLeads(h, [JSON.stringify(eventBridgeEnvelope(OPS_ALERT, alert))]);

    // Assess
    expect(failures).toEqual([]);
    expect(received).toEqual([[alert]]);
    expect(batches).toEqual([]);
  });

  it('dead-letters ops alerts that reach a destination without an alert sink', async () => {
    // Prepare
    const { adapter } = fakeAdapter(() => ({ status: 'delivered' }));
    const h = harness(adapter);
    const alert: OpsAlert = { kind: 'credentials-refused', destination: 'hubspot', reason: 'HTTP 401' };

    // Act
    await deliverLeads(h, [JSON.stringify(eventBridgeEnvelope(OPS_ALERT, alert))]);

    // Assess
    const [dead] = await deadLetters(h);
    expect(dead?.reason).toBe('this destination does not take ops alerts');
    expect(h.raised).toEqual([]);
  });
});
