import { createHash } from 'node:crypto';
import type { SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createEnrich } from '../../../../functions/enrich/enrich.ts';
import type { LeadReferenceEvent } from '../../../../functions/enrich/reference.ts';
import type { FetchOutcome } from '../../../../functions/enrich/types.ts';
import { tombstoneHashes } from '../../../../functions/erasure/tombstones.ts';
import { createLogger } from '../../../../functions/observability/logger.ts';
import type { DeadLetterReason, DeliveryQueue, TombstoneStore } from '../../../../functions/ports.ts';
import type { LeadReceivedEvent } from '../../../../schemas/generated/lead-received-event.ts';
import type { LedgerEvent } from '../../../../schemas/generated/ledger-event.ts';
import type { OpsAlert } from '../../../../schemas/generated/ops-alert-event.ts';
import { captureOutput } from '../ingest/fakes.ts';
import { CONFIG } from '../ingest/ingest-setup.ts';

const NOW = Date.parse('2026-12-02T12:00:00Z');

/** A lead id as ingest derives them (`lead_` and 32 hex digits), one per leadgen id. */
const leadIdOf = (id: string) => `lead_${createHash('md5').update(id).digest('hex')}`;

const reference = (id = '1290384756102938'): LeadReferenceEvent => ({
  event_id: 'e1',
  event_type: 'lead.reference',
  source: 'meta',
  timestamp: new Date(NOW).toISOString(),
  correlation_id: id,
  schema_version: 1,
  reference: { sender: 'meta', id, context: { page_id: '108420175320917', form_id: '830112457296341' } },
  lead: {
    id: leadIdOf(id),
    receivedAt: new Date(NOW - 1000).toISOString(),
    raw: {
      deliveryId: id,
      deliveryIdFrom: 'sender',
      contentType: 'application/json',
      sha256: 'ab'.repeat(32),
      bytes: 289,
    },
  },
});

const record = (body: unknown, attempt = 1, firstReceivedAt = NOW): SQSRecord =>
  ({
    messageId: `m${attempt}`,
    receiptHandle: `r${attempt}`,
    body: typeof body === 'string' ? body : JSON.stringify({ 'detail-type': 'lead.reference', detail: body }),
    attributes: {
      ApproximateReceiveCount: String(attempt),
      ApproximateFirstReceiveTimestamp: String(firstReceivedAt),
    },
  }) as unknown as SQSRecord;

/** The stage with a fetcher that answers `outcome`, recording what it does to the queue, the bus, the ledger and ops. */
function stage(
  outcome: FetchOutcome,
  options: {
    retryHorizonSeconds?: number;
    logger?: ReturnType<typeof createLogger>;
    tombstones?: TombstoneStore;
  } = {},
) {
  const queue = { retried: [] as [string, number][], deadLettered: [] as DeadLetterReason[] };
  const published: LeadReceivedEvent[] = [];
  const ledger: LedgerEvent[] = [];
  const alerts: OpsAlert[] = [];
  const handler = createEnrich({
    stage: 'enrich:meta',
    config: CONFIG,
    fetcherFor: (source) => (source === 'meta' ? { fetch: async () => outcome } : undefined),
    queue: {
      retryAfter: async (handle: string, seconds: number) => void queue.retried.push([handle, seconds]),
      deadLetter: async (_message: unknown, why: DeadLetterReason) => void queue.deadLettered.push(why),
    } as unknown as DeliveryQueue,
    publish: async (events) => void published.push(...events),
    raiseAlerts: async (raised) => void alerts.push(...raised),
    ledger: { append: async (events: readonly LedgerEvent[]) => void ledger.push(...events) } as never,
    logger: createLogger({ logLevel: 'SILENT' }),
    blockedDelaySeconds: 600,
    backoff: { baseSeconds: 4, capSeconds: 4 },
    random: () => 1,
    now: () => NOW,
    ...options,
  });
  return { handler, queue, published, ledger, alerts };
}

const fetched = (fieldData: { name: string; values: string[] }[]): FetchOutcome => ({
  status: 'fetched',
  payload: {
    id: '1290384756102938',
    form_id: '1',
    created_time: '2026-12-02T11:59:58+0000',
    field_data: fieldData,
  },
});

describe('the enrichment stage', () => {
  it('publishes the fetched lead under the id ingest answered with, and records received → enriched → mapped → routed', async () => {
    // Prepare
    const { handler, published, ledger } = stage(
      fetched([
        { name: 'email', values: ['Ada@Example.com'] },
        { name: 'full_name', values: ['Ada Lovelace'] },
        { name: 'favourite_colour', values: ['teal'] },
      ]),
    );

    // Act
    const result = await handler({ Records: [record(reference())] });

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect(published).toHaveLength(1);
    expect(published[0]?.lead).toMatchObject({
      id: leadIdOf('1290384756102938'),
      source: 'meta',
      email: 'ada@example.com',
      firstName: 'Ada',
      lastName: 'Lovelace',
      custom: { favourite_colour: 'teal', page_id: '108420175320917' },
      attribution: { formId: '1', externalId: '1290384756102938' },
      raw: { deliveryId: '1290384756102938', bytes: 289 },
    });
    expect(ledger.map((event) => event.kind)).toEqual(['received', 'enriched', 'mapped', 'routed']);
    expect(ledger[0]).toMatchObject({
      at: new Date(NOW - 1000).toISOString(),
      contact: { email: 'ada@example.com' },
    });
  });

  it('dead-letters a fetched record that cannot be a lead, naming the code but no personal data', async () => {
    // Prepare
    const { handler, queue, published, alerts } = stage(
      fetched([{ name: 'email', values: ['not-an-email-jane'] }]),
    );

    // Act
    await handler({ Records: [record(reference())] });

    // Assess
    expect(published).toEqual([]);
    expect(queue.deadLettered).toHaveLength(1);
    expect(queue.deadLettered[0]?.reason).toMatch(/fetched meta record/);
    expect(JSON.stringify(queue.deadLettered)).not.toContain('jane');
    expect(alerts).toMatchObject([
      { kind: 'dead-lettered', destination: 'enrich:meta', leadId: leadIdOf('1290384756102938') },
    ]);
  });

  it('retries a rate limit no sooner than asked, and gives up past the retry horizon', async () => {
    // Prepare
    const limited: FetchOutcome = {
      status: 'retry',
      reason: 'Graph error 32: rate limited',
      retryAfterMs: 60_000,
    };
    const early = stage(limited);
    const late = stage(limited, { retryHorizonSeconds: 60 });

    // Act
    const first = await early.handler({ Records: [record(reference(), 1)] });
    await late.handler({ Records: [record(reference(), 5, NOW - 3_600_000)] });

    // Assess
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
    expect(early.queue.retried).toEqual([['r1', 60]]);
    expect(early.ledger).toMatchObject([{ kind: 'enriched', outcome: 'retry', retryAfterSeconds: 60 }]);
    expect(late.queue.deadLettered).toHaveLength(1);
    expect(late.ledger.map((event) => event.kind)).toEqual(['enriched', 'dead-lettered']);
  });

  it('keeps a blocked reference for the blocked delay and tells ops once per batch', async () => {
    // Prepare
    const { handler, queue, alerts } = stage({
      status: 'blocked',
      reason: 'Graph error 190/463: the Page access token has expired',
    });

    // Act
    await handler({ Records: [record(reference('1')), record(reference('2'), 2)] });

    // Assess
    expect(queue.retried.map(([, seconds]) => seconds)).toEqual([600, 600]);
    expect(queue.deadLettered).toEqual([]);
    expect(alerts).toEqual([
      {
        kind: 'credentials-refused',
        destination: 'enrich:meta',
        reason: 'Graph error 190/463: the Page access token has expired',
      },
    ]);
  });

  it.each([
    ['a body that is not JSON', 'not json', 'message body is not JSON'],
    [
      'another event type',
      JSON.stringify({ 'detail-type': 'lead.received', detail: {} }),
      'unexpected event type',
    ],
    [
      'a reference without an id',
      { ...reference(), reference: { sender: 'meta' } },
      'detail.reference: missing required property "id"',
    ],
  ])('dead-letters %s with the reason', async (_case, body, reason) => {
    // Prepare
    const { handler, queue } = stage(fetched([]));

    // Act
    await handler({ Records: [record(body)] });

    // Assess
    expect(queue.deadLettered[0]?.reason).toContain(reason);
  });

  it('logs ids and outcomes, never the person’s email, phone or name', async () => {
    // Prepare
    const { handler } = stage(
      fetched([
        { name: 'email', values: ['secret.person@example.com'] },
        { name: 'phone_number', values: ['+14155550199'] },
        { name: 'full_name', values: ['Secret Person'] },
      ]),
      { logger: createLogger({ logLevel: 'INFO' }) },
    );

    // Act
    const output = await captureOutput(async () => {
      await handler({ Records: [record(reference())] });
    });

    // Assess
    expect(output).toContain('Reference enriched');
    expect(output).not.toMatch(/secret\.person|4155550199|Secret Person/i);
  });

  it('drops the reference of a person erased while it waited: nothing published, nothing dead-lettered, no contact in the ledger', async () => {
    // Prepare
    const erasedAt = new Date(NOW - 500).toISOString();
    const erased = new Set(tombstoneHashes({ email: 'ada@example.com' }));
    const tombstones: TombstoneStore = {
      add: async () => undefined,
      has: async (hash) => (erased.has(hash) ? erasedAt : undefined),
    };
    const { handler, published, queue, ledger } = stage(
      fetched([{ name: 'email', values: ['ada@example.com'] }]),
      {
        tombstones,
      },
    );

    // Act
    const result = await handler({ Records: [record(reference())] });

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect(published).toEqual([]);
    expect(queue.deadLettered).toEqual([]);
    expect(ledger).toMatchObject([
      { kind: 'enriched', outcome: 'rejected', reason: expect.stringContaining('erased') },
    ]);
    expect(JSON.stringify(ledger)).not.toContain('ada@example.com');
  });
});
