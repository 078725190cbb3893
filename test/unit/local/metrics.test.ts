import { describe, expect, it } from 'vitest';
import type { BatchSummary } from '../../../functions/deliver/deliver.ts';
import type { DeliveryQueue, QueueDepth } from '../../../functions/ports.ts';
import { batchOutcomes, createHostMetrics, webhookStatus } from '../../../local/metrics.ts';

const summary = (fields: Partial<BatchSummary> = {}): BatchSummary => ({
  records: 0,
  delivered: 0,
  retried: 0,
  deadLettered: 0,
  blocked: 0,
  deferred: 0,
  unsettled: 0,
  canaryDelivered: 0,
  ackToCrmMs: [],
  ...fields,
});

const depth = (fields: Partial<QueueDepth> = {}): QueueDepth => ({
  visible: 0,
  inFlight: 0,
  delayed: 0,
  ...fields,
});

/** A queue whose depth is all this test needs of the port. */
function queueAt(queue: QueueDepth, deadLetters: QueueDepth): DeliveryQueue {
  return { depth: async () => ({ queue, deadLetters }) } as unknown as DeliveryQueue;
}

describe('webhookStatus', () => {
  it.each([
    { method: 'POST', code: 202, status: 'accepted' },
    { method: 'POST', code: 200, status: 'duplicate' },
    { method: 'GET', code: 200, status: 'handshake' },
    { method: 'POST', code: 401, status: 'refused' },
    { method: 'POST', code: 429, status: 'refused' },
    { method: 'POST', code: 503, status: 'failed' },
  ])('$method answered $code is $status', ({ method, code, status }) => {
    expect(webhookStatus(method, code)).toBe(status);
  });

  it('tells a quarantined payload from an accepted lead, though both are 202', () => {
    expect(webhookStatus('POST', 202, true)).toBe('quarantined');
    expect(webhookStatus('POST', 200, true)).toBe('duplicate');
  });
});

describe('batchOutcomes', () => {
  it('takes each outcome from the summary the engine reported', () => {
    // Act
    const outcomes = batchOutcomes(
      summary({ delivered: 3, retried: 2, deadLettered: 1, blocked: 4, deferred: 5, canaryDelivered: 6 }),
    );

    // Assess
    expect(outcomes).toEqual({
      delivered: 3,
      retry: 2,
      dead_lettered: 1,
      blocked: 4,
      deferred: 5,
      canary: 6,
    });
  });
});

describe('createHostMetrics', () => {
  it('reads queue depths, dead letters and the quarantine at scrape time', async () => {
    // Prepare
    let quarantined = 0;
    const metrics = createHostMetrics({
      sources: ['form'],
      queues: { hubspot: queueAt(depth({ visible: 4, inFlight: 2, delayed: 1 }), depth({ visible: 3 })) },
      quarantined: async () => quarantined,
    });
    quarantined = 7;

    // Act
    const { body, contentType } = await metrics.scrape();

    // Assess
    expect(contentType).toMatch(/^text\/plain/);
    expect(body).toContain('leadpipe_queue_depth{destination="hubspot",state="visible"} 4');
    expect(body).toContain('leadpipe_queue_depth{destination="hubspot",state="in_flight"} 2');
    expect(body).toContain('leadpipe_queue_depth{destination="hubspot",state="delayed"} 1');
    expect(body).toContain('leadpipe_dead_letters{destination="hubspot"} 3');
    expect(body).toContain('leadpipe_quarantined 7');
  });

  it('counts batches by outcome and their ack-to-CRM times in seconds', async () => {
    // Prepare
    const metrics = createHostMetrics({ sources: [], queues: {}, quarantined: async () => 0 });

    // Act
    metrics.countBatch('hubspot', summary({ delivered: 2, retried: 1, ackToCrmMs: [120, 400] }));
    const { body } = await metrics.scrape();

    // Assess
    expect(body).toContain('leadpipe_deliveries_total{destination="hubspot",outcome="delivered"} 2');
    expect(body).toContain('leadpipe_deliveries_total{destination="hubspot",outcome="retry"} 1');
    expect(body).toContain('leadpipe_ack_to_crm_seconds_bucket{le="0.25",destination="hubspot"} 1');
    expect(body).toContain('leadpipe_ack_to_crm_seconds_count{destination="hubspot"} 2');
  });

  it('keeps registries apart: two hosts in one process share no series', async () => {
    // Prepare
    const read = { sources: ['form'], queues: {}, quarantined: async () => 0 };
    const first = createHostMetrics(read);
    const second = createHostMetrics(read);

    // Act
    first.observeWebhook({ source: 'form', method: 'POST', statusCode: 202, seconds: 0.01 });

    // Assess
    expect((await first.scrape()).body).toContain(
      'leadpipe_webhooks_total{source="form",status="accepted"} 1',
    );
    expect((await second.scrape()).body).toContain(
      'leadpipe_webhooks_total{source="form",status="accepted"} 0',
    );
  });

  it('times only 2xx answers as acknowledgements', async () => {
    // Prepare
    const metrics = createHostMetrics({ sources: ['form'], queues: {}, quarantined: async () => 0 });

    // Act
    metrics.observeWebhook({ source: 'form', method: 'POST', statusCode: 401, seconds: 0.001 });
    metrics.observeWebhook({ source: 'form', method: 'POST', statusCode: 202, seconds: 0.02 });
    const { body } = await metrics.scrape();

    // Assess
    expect(body).toContain('leadpipe_webhooks_total{source="form",status="refused"} 1');
    expect(body).toContain('leadpipe_ack_seconds_count{source="form"} 1');
  });
});
