import { describe, expect, it } from 'vitest';
import { createReplay } from '../../../../functions/quarantine/replay.ts';
import type { LeadpipeConfig } from '../../../../schemas/generated/config.ts';
import { validateLeadReceived } from '../../../../schemas/validate.ts';
import { MemoryPersistenceLayer, recordingPublisher } from '../ingest/fakes.ts';
import { CONFIG, ingestHarness, signedEvent } from '../ingest/ingest-setup.ts';

/** The config after ops fixed the `strict` source's mapping. */
const FIXED: LeadpipeConfig = {
  ...CONFIG,
  sources: {
    ...CONFIG.sources,
    strict: {
      ...(CONFIG.sources.strict as LeadpipeConfig['sources'][string]),
      mapping: { jsonata: '{ "email": contact.email, "name": $string(contact.name) }' },
    },
  },
};

/** A quarantined payload (the `strict` mapping fails on a numeric name) and the stores it lives in. */
async function quarantined() {
  const harness = ingestHarness();
  const answer = await harness.handle(
    signedEvent('strict', JSON.stringify({ contact: { email: 'ada@engines.example', name: 1815 } }), {
      deliveryId: 'msg_replay',
    }),
  );
  const { leadId } = JSON.parse(answer.body) as { leadId: string };
  const publish = recordingPublisher();
  const replayWith = (config: LeadpipeConfig) =>
    createReplay({
      config,
      quarantine: harness.quarantine,
      idempotencyStore: new MemoryPersistenceLayer(harness.idempotency.records),
      publish,
    });
  return { harness, leadId, publish, replayWith };
}

describe('createReplay', () => {
  it('maps the payload with the current config and publishes lead.received with the lead id it got on arrival', async () => {
    // Prepare
    const { harness, leadId, publish, replayWith } = await quarantined();
    const received = harness.quarantine.entries.get(leadId)?.receivedAt;
    // Act
    const result = await replayWith(FIXED)(leadId);
    // Assess
    expect(result).toEqual({ status: 'replayed', leadId });
    expect(publish.events).toHaveLength(1);
    const [event] = publish.events;
    expect(validateLeadReceived(event)).toBe(true);
    expect(event?.lead).toMatchObject({
      id: leadId,
      email: 'ada@engines.example',
      receivedAt: received,
      source: 'strict',
    });
    expect(event?.lead.raw).toMatchObject({ deliveryId: 'msg_replay', deliveryIdFrom: 'sender' });
    expect(harness.quarantine.entries.has(leadId)).toBe(false);
  });

  it('lets a fixed mapping read the headers the delivery arrived with', async () => {
    // Prepare: a fix that reads a header the sender set (here the Standard Webhooks message id).
    const { leadId, publish, replayWith } = await quarantined();
    const strict = FIXED.sources.strict as LeadpipeConfig['sources'][string];
    const readsHeaders: LeadpipeConfig = {
      ...FIXED,
      sources: {
        ...FIXED.sources,
        strict: {
          ...strict,
          mapping: { jsonata: '{ "email": contact.email, "company": $headers."webhook-id" }' },
        },
      },
    };
    // Act
    const result = await replayWith(readsHeaders)(leadId);
    // Assess
    expect(result).toEqual({ status: 'replayed', leadId });
    expect(publish.events[0]?.lead.company).toBe('msg_replay');
  });

  it('keeps the entry and gives the new reason while the mapping still fails', async () => {
    // Prepare
    const { harness, leadId, publish, replayWith } = await quarantined();
    // Act
    const result = await replayWith(CONFIG)(leadId);
    // Assess
    expect(result).toMatchObject({ status: 'still-quarantined', leadId, reason: { code: 'mapping_failed' } });
    expect(publish.events).toEqual([]);
    expect(harness.quarantine.entries.has(leadId)).toBe(true);
  });

  it('publishes once when the same entry is replayed twice at once', async () => {
    // Prepare
    const { leadId, publish, replayWith } = await quarantined();
    const replay = replayWith(FIXED);
    // Act
    const results = await Promise.all([replay(leadId), replay(leadId)]);
    // Assess
    expect(publish.events).toHaveLength(1);
    expect(results.filter((result) => result.status === 'replayed')).toHaveLength(1);
    expect(results.map((result) => result.status)).not.toContain('still-quarantined');
  });

  it('answers not-found to a second replay after the first one finished', async () => {
    // Prepare
    const { leadId, publish, replayWith } = await quarantined();
    await replayWith(FIXED)(leadId);
    // Act
    const again = await replayWith(FIXED)(leadId);
    // Assess
    expect(again).toEqual({ status: 'not-found', leadId });
    expect(publish.events).toHaveLength(1);
  });

  it('does not publish again when an earlier replay published but stopped before removing the entry', async () => {
    // Prepare
    const { harness, leadId, publish, replayWith } = await quarantined();
    const entry = structuredClone(harness.quarantine.entries.get(leadId));
    await replayWith(FIXED)(leadId);
    if (entry) await harness.quarantine.put(entry);
    // Act
    const result = await replayWith(FIXED)(leadId);
    // Assess
    expect(result).toEqual({ status: 'already-replayed', leadId });
    expect(publish.events).toHaveLength(1);
    expect(harness.quarantine.entries.has(leadId)).toBe(false);
  });

  it('keeps an entry whose source is no longer configured', async () => {
    // Prepare
    const { harness, leadId, replayWith } = await quarantined();
    const { strict: _removed, ...others } = FIXED.sources;
    // Act
    const result = await replayWith({ ...FIXED, sources: others })(leadId);
    // Assess
    expect(result).toEqual({ status: 'unknown-source', leadId, source: 'strict' });
    expect(harness.quarantine.entries.has(leadId)).toBe(true);
  });
});
