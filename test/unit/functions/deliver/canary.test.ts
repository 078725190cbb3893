import type { SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { CANARY_EMAIL, isCanaryLead } from '../../../../functions/canary/settings.ts';
import { type BatchSummary, createDeliver } from '../../../../functions/deliver/deliver.ts';
import { createLogger } from '../../../../functions/observability/logger.ts';
import type { DeliveryQueue, DestinationAdapter } from '../../../../functions/ports.ts';
import { LEAD_RECEIVED } from '../../../../functions/routing/rules.ts';
import type { Lead } from '../../../../schemas/generated/lead.ts';
import { eventBridgeEnvelope, fullLead, leadId, leadReceived } from '../../schemas/lead-factory.ts';

const NOW = Date.parse('2026-03-01T12:00:30.000Z');
const RECEIVED_AT = '2026-03-01T12:00:00.000Z';

function record(lead: Lead, n: number): SQSRecord {
  return {
    messageId: `m-${n}`,
    receiptHandle: `r-${n}`,
    body: JSON.stringify(eventBridgeEnvelope(LEAD_RECEIVED, leadReceived(lead))),
    attributes: { ApproximateReceiveCount: '1' },
  } as unknown as SQSRecord;
}

/** The engine with an adapter that delivers everything and records what it was given. */
function engine() {
  const sent: string[] = [];
  const adapter: DestinationAdapter = {
    maxBatchSize: 10,
    async deliver(leads) {
      sent.push(...leads.map((lead) => lead.id));
      return new Map(leads.map((lead) => [lead.id, { status: 'delivered' }]));
    },
  };
  const summaries: BatchSummary[] = [];
  const deliver = createDeliver({
    destination: 'crm',
    adapter,
    // Delivered and canary messages need no queue action (Lambda deletes what is not a failure).
    queue: {} as DeliveryQueue,
    logger: createLogger({ logLevel: 'SILENT' }),
    canarySource: 'canary',
    onBatch: (summary) => summaries.push(summary),
    now: () => NOW,
  });
  return { deliver, sent, summaries };
}

describe('canary leads in the deliver engine', () => {
  it('counts a canary as delivered without the vendor, and reports ack→CRM for the real leads only', async () => {
    // Prepare
    const { deliver, sent, summaries } = engine();
    const leads = [
      fullLead({ id: leadId(1), source: 'canary', email: CANARY_EMAIL, receivedAt: RECEIVED_AT }),
      fullLead({ id: leadId(2), source: 'typeform', receivedAt: RECEIVED_AT }),
    ];

    // Act
    const response = await deliver({ Records: leads.map(record) });

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(sent).toEqual([leadId(2)]);
    expect(summaries).toEqual([
      expect.objectContaining({ records: 2, delivered: 1, canaryDelivered: 1, ackToCrmMs: [30_000] }),
    ]);
  });

  it.each([
    ['a real address on the canary source (a sender pointed there by mistake)', 'canary', 'ada@example.com'],
    ['the canary address from another source (anyone may type it into a form)', 'typeform', CANARY_EMAIL],
  ])('delivers %s to the vendor', async (_case, source, email) => {
    // Prepare
    const { deliver, sent, summaries } = engine();

    // Act
    await deliver({
      Records: [record(fullLead({ id: leadId(3), source, email, receivedAt: RECEIVED_AT }), 3)],
    });

    // Assess
    expect(sent).toEqual([leadId(3)]);
    expect(summaries).toEqual([expect.objectContaining({ delivered: 1, canaryDelivered: 0 })]);
  });

  it('honours only the reserved domain itself', () => {
    // Act / Assess
    expect(isCanaryLead({ source: 'canary', email: CANARY_EMAIL }, 'canary')).toBe(true);
    expect(isCanaryLead({ source: 'canary', email: 'canary@leadpipe.invalid.example' }, 'canary')).toBe(
      false,
    );
  });
});
