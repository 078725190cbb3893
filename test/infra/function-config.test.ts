import { describe, expect, it } from 'vitest';
import { decideRoutes } from '../../functions/routing/route-decision.ts';
import { deliverConfig, ingestConfig } from '../../infra/function-config.ts';
import type { Lead } from '../../schemas/generated/lead.ts';
import { exampleConfig } from './synth.ts';

/** A lead as ingest publishes it, with the score the example config's Slack filter reads. */
function lead(score: number): Lead {
  return {
    id: 'lead_3f1c0e9a7b5d4c2a9e8f7a6b5c4d3e2f',
    source: 'demo',
    receivedAt: '2025-11-21T12:00:00.412Z',
    schemaVersion: 1,
    correlationId: 'msg-1',
    email: 'ada@example.com',
    score,
    raw: {
      deliveryId: 'msg-1',
      deliveryIdFrom: 'sender',
      contentType: 'application/json',
      sha256: 'f'.repeat(64),
      bytes: 10,
    },
  };
}

describe('what each function is built with', () => {
  it.each([
    ['a hot lead', 82, ['hubspot', 'salesforce', 'slack']],
    ['a cold lead', 20, ['hubspot', 'salesforce']],
  ])('ingest routes %s in its ledger step as the bus will: %j', (_case, score, expected) => {
    // Prepare
    const config = exampleConfig();

    // Act
    const decision = decideRoutes(ingestConfig(config))(lead(score));

    // Assess
    expect(decision).toEqual(decideRoutes(config)(lead(score)));
    expect(decision.matched).toEqual(expected);
  });

  it('gives a deliver function its own destination only', () => {
    // Act
    const built = deliverConfig(exampleConfig(), 'slack');

    // Assess
    expect(Object.keys(built.destinations)).toEqual(['slack']);
    expect(built.sources).toEqual({});
  });
});
