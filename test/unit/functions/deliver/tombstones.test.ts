import type { SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../../adapters/embedded/database.ts';
import { createEmbeddedQueues } from '../../../../adapters/embedded/queues.ts';
import { createEmbeddedTombstones } from '../../../../adapters/embedded/tombstones.ts';
import { type BatchSummary, createDeliver } from '../../../../functions/deliver/deliver.ts';
import { tombstoneHashes } from '../../../../functions/erasure/tombstones.ts';
import { redriveRecorded } from '../../../../functions/ledger/redrive.ts';
import { createLogger } from '../../../../functions/observability/logger.ts';
import type { DeliveryQueue, DestinationAdapter, TombstoneStore } from '../../../../functions/ports.ts';
import { LEAD_RECEIVED } from '../../../../functions/routing/rules.ts';
import type { Lead } from '../../../../schemas/generated/lead.ts';
import { eventBridgeEnvelope, fullLead, leadId, leadReceived } from '../../schemas/lead-factory.ts';

const ERASED_AT = '2026-03-01T12:00:00.000Z';
const BEFORE = '2026-03-01T11:00:00.000Z';
const AFTER = '2026-03-01T13:00:00.000Z';
const ERASED_EMAIL = 'ada@example.com';

const body = (lead: Lead) => JSON.stringify(eventBridgeEnvelope(LEAD_RECEIVED, leadReceived(lead)));

function record(lead: Lead, n: number): SQSRecord {
  return {
    messageId: `m-${n}`,
    receiptHandle: `r-${n}`,
    body: body(lead),
    attributes: { ApproximateReceiveCount: '1' },
  } as unknown as SQSRecord;
}

async function tombstonesFor(email: string): Promise<TombstoneStore> {
  const tombstones = createEmbeddedTombstones(openDatabase());
  await tombstones.add(tombstoneHashes({ email }), ERASED_AT);
  return tombstones;
}

/** The engine with an adapter that delivers everything and records what it was given. */
function engine(tombstones: TombstoneStore) {
  const sent: string[] = [];
  const logged: Record<string, unknown>[] = [];
  const adapter: DestinationAdapter = {
    maxBatchSize: 10,
    async deliver(leads) {
      sent.push(...leads.map((lead) => lead.id));
      return new Map(leads.map((lead) => [lead.id, { status: 'delivered' }]));
    },
  };
  const logger = createLogger({ logLevel: 'SILENT' });
  logger.info = ((message: string, extra: Record<string, unknown>) => {
    if (message === 'Lead outcome') logged.push(extra);
  }) as typeof logger.info;
  const summaries: BatchSummary[] = [];
  const deliver = createDeliver({
    destination: 'crm',
    adapter,
    // Delivered and erased messages need no queue action (the event source deletes what is not a failure).
    queue: {} as DeliveryQueue,
    logger,
    tombstones,
    onBatch: (summary) => summaries.push(summary),
    now: () => Date.parse(AFTER),
  });
  return { deliver, sent, summaries, logged };
}

describe('tombstones in the deliver engine', () => {
  it('drops a lead received before its person was erased, as "erased", and delivers the rest', async () => {
    // Prepare
    const { deliver, sent, summaries, logged } = engine(await tombstonesFor(ERASED_EMAIL));
    const leads = [
      fullLead({ id: leadId(1), email: 'Ada@Example.com', phone: '+14155550101', receivedAt: BEFORE }),
      fullLead({ id: leadId(2), email: 'grace@example.com', phone: '+14155550102', receivedAt: BEFORE }),
    ];

    // Act
    const response = await deliver({ Records: leads.map(record) });

    // Assess: not a failure, so the message is deleted; never handed to the adapter.
    expect(response.batchItemFailures).toEqual([]);
    expect(sent).toEqual([leadId(2)]);
    expect(summaries).toEqual([expect.objectContaining({ delivered: 1, erased: 1 })]);
    expect(logged).toContainEqual(
      expect.objectContaining({ leadId: leadId(1), outcome: 'erased', reason: 'erased' }),
    );
  });

  it('delivers a new submission received after the erasure: a new consent', async () => {
    // Prepare
    const { deliver, sent } = engine(await tombstonesFor(ERASED_EMAIL));

    // Act
    await deliver({
      Records: [record(fullLead({ id: leadId(3), email: ERASED_EMAIL, receivedAt: AFTER }), 1)],
    });

    // Assess
    expect(sent).toEqual([leadId(3)]);
  });

  it('matches by phone too: a phone-only lead of an erased phone is dropped', async () => {
    // Prepare
    const tombstones = createEmbeddedTombstones(openDatabase());
    await tombstones.add(tombstoneHashes({ phone: '+14155550101' }), ERASED_AT);
    const { deliver, sent } = engine(tombstones);
    const { email: _email, ...phoneOnly } = fullLead({
      id: leadId(4),
      phone: '+14155550101',
      receivedAt: BEFORE,
    });

    // Act
    await deliver({ Records: [record(phoneOnly as Lead, 1)] });

    // Assess
    expect(sent).toEqual([]);
  });

  it('retries instead of delivering when the tombstones cannot be read', async () => {
    // Prepare
    const failing: TombstoneStore = {
      add: async () => undefined,
      has: async () => {
        throw new Error('database is locked');
      },
    };
    const retried: string[] = [];
    const queue = {
      retryAfter: async (handle: string) => void retried.push(handle),
    } as unknown as DeliveryQueue;
    const sent: string[] = [];
    const deliver = createDeliver({
      destination: 'crm',
      adapter: {
        maxBatchSize: 10,
        deliver: async (leads) => {
          sent.push(...leads.map((lead) => lead.id));
          return new Map(leads.map((lead) => [lead.id, { status: 'delivered' }]));
        },
      },
      queue,
      logger: createLogger({ logLevel: 'SILENT' }),
      tombstones: failing,
      random: () => 0,
      now: () => Date.parse(AFTER),
    });

    // Act
    const response = await deliver({ Records: [record(fullLead({ id: leadId(5), receivedAt: BEFORE }), 1)] });

    // Assess
    expect(sent).toEqual([]);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm-1' }]);
    expect(retried).toEqual(['r-1']);
  });
});

describe('tombstones in a redrive', () => {
  it('refuses the dead letters of an erased person, naming them, and moves the others', async () => {
    // Prepare: two dead letters, one of the erased person's.
    const database = openDatabase();
    const queues = createEmbeddedQueues(database);
    queues.ensure('crm', { maxReceiveCount: 5 });
    const queue = queues.deliveryQueue('crm');
    queues.send('crm', [
      body(fullLead({ id: leadId(1), email: ERASED_EMAIL, receivedAt: BEFORE })),
      body(fullLead({ id: leadId(2), email: 'grace@example.com', receivedAt: BEFORE })),
    ]);
    for (const message of await queue.receive(10, 30)) {
      await queue.deadLetter(message, { reason: 'x', destination: 'crm', attempts: 1, failedAt: BEFORE });
    }
    const tombstones = createEmbeddedTombstones(database);
    await tombstones.add(tombstoneHashes({ email: ERASED_EMAIL }), ERASED_AT);

    // Act
    const result = await redriveRecorded(queue, {
      logger: createLogger({ logLevel: 'SILENT' }),
      by: 'cli',
      tombstones,
    });

    // Assess
    expect(result).toMatchObject({ moved: 1, failed: 0, erased: 1 });
    expect(result.errors).toEqual([
      expect.stringMatching(
        new RegExp(`^not redriven: ${leadId(1)} belongs to a person erased at ${ERASED_AT}`),
      ),
    ]);
    expect(result.errors.join('')).not.toContain(ERASED_EMAIL);
    const moved = await queue.receive(10, 30);
    expect(moved.map((message) => JSON.parse(message.body).detail.lead.id)).toEqual([leadId(2)]);
    const kept = await queue.peekDeadLetters(10);
    expect(kept.map((letter) => JSON.parse(letter.body).detail.lead.id)).toEqual([leadId(1)]);
  });

  it('redrives as before when no dead letter is of an erased person', async () => {
    // Prepare
    const database = openDatabase();
    const queues = createEmbeddedQueues(database);
    queues.ensure('crm', { maxReceiveCount: 5 });
    const queue = queues.deliveryQueue('crm');
    queues.send('crm', [body(fullLead({ id: leadId(2), email: 'grace@example.com', receivedAt: BEFORE }))]);
    for (const message of await queue.receive(10, 30)) {
      await queue.deadLetter(message, { reason: 'x', destination: 'crm', attempts: 1, failedAt: BEFORE });
    }

    // Act
    const result = await redriveRecorded(queue, {
      logger: createLogger({ logLevel: 'SILENT' }),
      by: 'cli',
      tombstones: createEmbeddedTombstones(database),
    });

    // Assess
    expect(result).toEqual({ moved: 1, failed: 0, total: 1, errors: [] });
  });
});
