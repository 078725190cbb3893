import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../../adapters/embedded/database.ts';
import { createEmbeddedTombstones } from '../../../../adapters/embedded/tombstones.ts';
import { tombstoneHashes } from '../../../../functions/erasure/tombstones.ts';
import { createReplay } from '../../../../functions/quarantine/replay.ts';
import type { LeadpipeConfig } from '../../../../schemas/generated/config.ts';
import { MemoryPersistenceLayer, recordingPublisher } from '../ingest/fakes.ts';
import { CONFIG, ingestHarness, signedEvent } from '../ingest/ingest-setup.ts';

const EMAIL = 'ada@engines.example';

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

/** A quarantined payload of EMAIL's, and a replay of it that reads tombstones erased at `erasedAt`. */
async function quarantinedThenErased(erasedAt: (receivedAt: string) => string) {
  const harness = ingestHarness();
  const answer = await harness.handle(
    signedEvent('strict', JSON.stringify({ contact: { email: EMAIL, name: 1815 } }), {
      deliveryId: 'msg_erase',
    }),
  );
  const { leadId } = JSON.parse(answer.body) as { leadId: string };
  const receivedAt = harness.quarantine.entries.get(leadId)?.receivedAt ?? '';
  const tombstones = createEmbeddedTombstones(openDatabase());
  await tombstones.add(tombstoneHashes({ email: EMAIL }), erasedAt(receivedAt));
  const publish = recordingPublisher();
  const replay = createReplay({
    config: FIXED,
    quarantine: harness.quarantine,
    idempotencyStore: new MemoryPersistenceLayer(harness.idempotency.records),
    publish,
    tombstones,
  });
  return { harness, leadId, publish, replay };
}

const later = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();

describe('tombstones in a quarantine replay', () => {
  it('refuses a payload that arrived before its person was erased, publishes nothing and removes the entry', async () => {
    // Prepare
    const { harness, leadId, publish, replay } = await quarantinedThenErased((at) => later(at, 60_000));

    // Act
    const result = await replay(leadId);

    // Assess
    expect(result).toEqual({ status: 'erased', leadId, erasedAt: expect.any(String) });
    expect(publish.events).toEqual([]);
    expect(harness.quarantine.entries.has(leadId)).toBe(false);
  });

  it('replays a payload that arrived after an erasure: a new submission', async () => {
    // Prepare
    const { leadId, publish, replay } = await quarantinedThenErased((at) => later(at, -60_000));

    // Act
    const result = await replay(leadId);

    // Assess
    expect(result).toEqual({ status: 'replayed', leadId });
    expect(publish.events).toHaveLength(1);
  });
});
