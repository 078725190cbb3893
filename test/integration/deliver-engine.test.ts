import {
  ReceiveMessageCommand,
  SendMessageCommand,
  type SendMessageCommandInput,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DLQ_ATTRIBUTES } from '../../functions/deliver/dead-letter.ts';
import { createDeliver, type DeliverDependencies } from '../../functions/deliver/deliver.ts';
import { createLogger } from '../../functions/observability/logger.ts';
import type { DestinationAdapter, OpsAlertSink, Outcome } from '../../functions/ports.ts';
import { LEAD_RECEIVED, OPS_ALERT } from '../../functions/routing/rules.ts';
import { toRecord } from '../../local/poller.ts';
import { type DestinationQueues, ensureDestinationQueues, type LocalSqs, startSqs } from '../support/sqs-peer.ts';
import type { Lead } from '../../schemas/generated/lead.ts';
import type { OpsAlert } from '../../schemas/generated/ops-alert-event.ts';
import { eventBridgeEnvelope, fullLead, leadId, leadReceived } from '../unit/schemas/lead-factory.ts';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const logger = createLogger({ logLevel: 'SILENT' });
let sqsServer: LocalSqs;
let sqs: SQSClient;
let queueCount = 0;

beforeAll(async () => {
  sqsServer = await startSqs({});
  sqs = new SQSClient({ endpoint: sqsServer.endpoint, region: 'us-east-1', credentials });
});

afterAll(async () => {
  sqs.destroy();
  await sqsServer.end();
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

/** Fresh queues (30 s visibility, so only the engine makes a message visible early) and a harness. */
async function harness(adapter: DestinationAdapter, overrides: Partial<DeliverDependencies> = {}) {
  queueCount++;
  const queues = await ensureDestinationQueues(sqs, `deliver-test-${queueCount}`, {
    maxAttempts: 3,
    visibilityTimeoutSeconds: 30,
  });
  const raised: OpsAlert[][] = [];
  const deliver = createDeliver({
    destination: 'crm',
    adapter,
    sqs,
    queueUrl: queues.queueUrl,
    deadLetterQueueUrl: queues.deadLetterQueueUrl,
    maxAttempts: 3,
    raiseAlerts: async (alerts) => {
      raised.push(alerts);
    },
    logger,
    random: () => 0,
    ...overrides,
  });
  return { queues, deliver, raised };
}

async function sendBodies(queues: DestinationQueues, bodies: string[]): Promise<void> {
  for (const body of bodies)
    await sqs.send(new SendMessageCommand({ QueueUrl: queues.queueUrl, MessageBody: body }));
}

const leadBody = (lead: Lead) => JSON.stringify(eventBridgeEnvelope(LEAD_RECEIVED, leadReceived(lead)));

/** Receives up to `count` messages from a queue as Lambda records (waiting briefly for them). */
async function receive(queueUrl: string, count: number, waitSeconds = 1): Promise<SQSRecord[]> {
  const records: SQSRecord[] = [];
  for (let tries = 0; records.length < count && tries < 5; tries++) {
    const result = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: Math.min(10, count - records.length),
        WaitTimeSeconds: waitSeconds,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    records.push(...(result.Messages ?? []).map((message) => toRecord(message, 'arn:test', 'us-east-1')));
  }
  return records;
}

/** Sends leads, receives them and runs one delivery over them. */
async function deliverLeads(h: Awaited<ReturnType<typeof harness>>, bodies: string[]) {
  await sendBodies(h.queues, bodies);
  const records = await receive(h.queues.queueUrl, bodies.length);
  expect(records).toHaveLength(bodies.length);
  const response = await h.deliver({ Records: records });
  return { records, failures: response.batchItemFailures.map((failure) => failure.itemIdentifier) };
}

describe('createDeliver', () => {
  it('reports delivered leads as successes', async () => {
    // Prepare
    const { adapter, batches } = fakeAdapter(() => ({ status: 'delivered' }));
    const h = await harness(adapter);

    // Act
    const { failures } = await deliverLeads(h, [
      leadBody(fullLead({ id: leadId(1) })),
      leadBody(fullLead({ id: leadId(2) })),
    ]);

    // Assess
    expect(failures).toEqual([]);
    expect(batches).toEqual([[leadId(1), leadId(2)]]);
    expect(h.raised).toEqual([]);
    expect(await receive(h.queues.deadLetterQueueUrl, 1, 0)).toEqual([]);
  });

  it('reports a retry as a batch item failure and makes it visible after its backoff', async () => {
    // Prepare: random 0 gives a 0 s backoff, so the message is back at once instead of after 30 s.
    const { adapter } = fakeAdapter(() => ({ status: 'retry', reason: 'HTTP 503' }));
    const h = await harness(adapter);

    // Act
    const { records, failures } = await deliverLeads(h, [leadBody(fullLead())]);
    const again = await receive(h.queues.queueUrl, 1);

    // Assess
    expect(failures).toEqual([records[0]?.messageId]);
    expect(again.map((record) => record.attributes.ApproximateReceiveCount)).toEqual(['2']);
    expect(h.raised).toEqual([]);
  });

  it.each([
    ['the full-jitter backoff of the attempt', 0.999, undefined, 2],
    ["the vendor's Retry-After when it is longer", 0, 45_000, 45],
  ])('hides a retried lead for %s', async (_name, random, retryAfterMs, expected) => {
    // Prepare
    const { adapter } = fakeAdapter(() => ({ status: 'retry', reason: '429', retryAfterMs }));
    const h = await harness(adapter, { random: () => random });
    const visibility: number[] = [];
    const recorder = sqs.middlewareStack;
    recorder.add(
      (next) => async (args) => {
        const input = args.input as {
          VisibilityTimeout?: number;
          ReceiptHandle?: string;
          MessageBody?: string;
        };
        if (input.ReceiptHandle && input.VisibilityTimeout !== undefined)
          visibility.push(input.VisibilityTimeout);
        return next(args);
      },
      { step: 'initialize', name: 'recordVisibility' },
    );

    // Act
    try {
      await deliverLeads(h, [leadBody(fullLead())]);
    } finally {
      recorder.remove('recordVisibility');
    }

    // Assess
    expect(visibility).toEqual([expected]);
  });

  it('dead-letters a lead that still needs a retry at maxAttempts, with its attributes, and alerts', async () => {
    // Prepare
    const { adapter } = fakeAdapter(() => ({ status: 'retry', reason: 'HTTP 503' }));
    const h = await harness(adapter, { maxAttempts: 2 });
    const lead = fullLead({ id: leadId(7) });
    const first = await deliverLeads(h, [leadBody(lead)]);

    // Act: the second receive is attempt 2 of 2.
    const records = await receive(h.queues.queueUrl, 1);
    const second = await h.deliver({ Records: records });

    // Assess
    expect(first.failures).toHaveLength(1);
    expect(second.batchItemFailures).toEqual([]);
    const [dead] = await receive(h.queues.deadLetterQueueUrl, 1);
    expect(dead?.body).toBe(leadBody(lead));
    const attributes = dead?.messageAttributes ?? {};
    expect(attributes[DLQ_ATTRIBUTES.reason]?.stringValue).toBe(
      'gave up after 2 attempts; last error: HTTP 503',
    );
    expect(attributes[DLQ_ATTRIBUTES.attempts]).toMatchObject({ dataType: 'Number', stringValue: '2' });
    expect(attributes[DLQ_ATTRIBUTES.destination]?.stringValue).toBe('crm');
    expect(attributes[DLQ_ATTRIBUTES.leadId]?.stringValue).toBe(leadId(7));
    expect(attributes[DLQ_ATTRIBUTES.failedAt]?.stringValue).toMatch(/^\d{4}-\d\d-\d\dT/);
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
    const h = await harness(adapter);

    // Act
    const { failures } = await deliverLeads(h, [
      leadBody(fullLead({ id: leadId(1) })),
      leadBody(fullLead({ id: leadId(2) })),
    ]);

    // Assess
    expect(failures).toEqual([]);
    const dead = await receive(h.queues.deadLetterQueueUrl, 2);
    expect(dead.map((record) => record.messageAttributes[DLQ_ATTRIBUTES.leadId]?.stringValue)).toEqual([
      leadId(1),
    ]);
    expect(dead[0]?.messageAttributes[DLQ_ATTRIBUTES.reason]?.stringValue).toBe('INVALID_EMAIL');
    expect(dead[0]?.messageAttributes[DLQ_ATTRIBUTES.attempts]?.stringValue).toBe('1');
    expect(h.raised.flat()).toEqual([
      { kind: 'dead-lettered', destination: 'crm', leadId: leadId(1), reason: 'INVALID_EMAIL', attempts: 1 },
    ]);
  });

  it('requeues blocked leads as fresh copies and raises one credentials-refused alert', async () => {
    // Prepare: no delay, so the copies can be received at once.
    const { adapter } = fakeAdapter(() => ({ status: 'blocked', reason: 'HTTP 401' }));
    const h = await harness(adapter, { blockedDelaySeconds: 0 });
    const bodies = [leadBody(fullLead({ id: leadId(1) })), leadBody(fullLead({ id: leadId(2) }))];

    // Act
    const { records, failures } = await deliverLeads(h, bodies);
    const copies = await receive(h.queues.queueUrl, 2);

    // Assess
    expect(failures).toEqual([]);
    expect(copies.map((record) => record.body).sort()).toEqual([...bodies].sort());
    expect(copies.map((record) => record.messageId)).not.toContain(records[0]?.messageId);
    expect(copies.map((record) => record.attributes.ApproximateReceiveCount)).toEqual(['1', '1']);
    expect(h.raised).toEqual([[{ kind: 'credentials-refused', destination: 'crm', reason: 'HTTP 401' }]]);
    expect(await receive(h.queues.deadLetterQueueUrl, 1, 0)).toEqual([]);
  });

  it('asks SQS to delay a blocked copy by blockedDelaySeconds, at most 900', async () => {
    // Prepare
    const { adapter } = fakeAdapter(() => ({ status: 'blocked', reason: 'HTTP 403' }));
    const h = await harness(adapter, { blockedDelaySeconds: 5_000 });
    const sent: SendMessageCommandInput[] = [];
    sqs.middlewareStack.add(
      (next) => async (args) => {
        const input = args.input as SendMessageCommandInput;
        if (input.DelaySeconds !== undefined) sent.push(input);
        return next(args);
      },
      { step: 'initialize', name: 'recordDelays' },
    );

    // Act
    try {
      await deliverLeads(h, [leadBody(fullLead())]);
    } finally {
      sqs.middlewareStack.remove('recordDelays');
    }

    // Assess
    expect(sent.map((input) => [input.QueueUrl, input.DelaySeconds])).toEqual([[h.queues.queueUrl, 900]]);
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
    const h = await harness(adapter);

    // Act
    const { failures } = await deliverLeads(h, [body]);

    // Assess
    expect(failures).toEqual([]);
    expect(batches).toEqual([]);
    const [dead] = await receive(h.queues.deadLetterQueueUrl, 1);
    expect(dead?.body).toBe(body);
    expect(dead?.messageAttributes[DLQ_ATTRIBUTES.reason]?.stringValue).toBe(reason);
    expect(dead?.messageAttributes[DLQ_ATTRIBUTES.leadId]).toBeUndefined();
  });

  it('delivers a lead that arrives twice in one batch once, and settles both records', async () => {
    // Prepare
    const { adapter, batches } = fakeAdapter(() => ({ status: 'retry', reason: 'HTTP 500' }));
    const h = await harness(adapter);
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
    const h = await harness(adapter);

    // Act
    const { records, failures } = await deliverLeads(h, [
      leadBody(fullLead({ id: leadId(1) })),
      leadBody(fullLead({ id: leadId(2) })),
    ]);

    // Assess
    expect(failures.sort()).toEqual(records.map((record) => record.messageId).sort());
    expect(await receive(h.queues.deadLetterQueueUrl, 1, 0)).toEqual([]);
  });

  it('hands leads to the adapter in chunks of its maxBatchSize', async () => {
    // Prepare
    const { adapter, batches } = fakeAdapter(() => ({ status: 'delivered' }), 2);
    const h = await harness(adapter);
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
    const h = await harness(adapter);

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
    const h = await harness(adapter, { opsAlerts });
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
    const h = await harness(adapter);
    const alert: OpsAlert = { kind: 'credentials-refused', destination: 'hubspot', reason: 'HTTP 401' };

    // Act
    await deliverLeads(h, [JSON.stringify(eventBridgeEnvelope(OPS_ALERT, alert))]);

    // Assess
    const [dead] = await receive(h.queues.deadLetterQueueUrl, 1);
    expect(dead?.messageAttributes[DLQ_ATTRIBUTES.reason]?.stringValue).toBe(
      'this destination does not take ops alerts',
    );
    expect(h.raised).toEqual([]);
  });
});
