import { describe, expect, it } from 'vitest';
import { decideRoutes } from '../../../../functions/routing/route-decision.ts';
import type { LeadpipeConfig } from '../../../../schemas/generated/config.ts';
import type { Lead } from '../../../../schemas/generated/lead.ts';

const config: LeadpipeConfig = {
  sources: { demo: { verify: { scheme: 'none' }, mapping: { preset: 'generic' } } },
  destinations: {
    crm: { type: 'hubspot', accessToken: 'env:T' },
    hot: { type: 'slack', token: 'env:S', channel: '#hot', filter: { score: [{ numeric: ['>=', 70] }] } },
    spring: {
      type: 'slack',
      token: 'env:S',
      channel: '#spring',
      filter: { 'utm.campaign': ['spring'], score: [{ numeric: ['>=', 50] }] },
    },
  },
};

const lead = (fields: Partial<Lead>): Lead => ({
  id: 'lead_0123456789abcdef0123456789abcdef',
  source: 'demo',
  receivedAt: '2026-12-02T10:00:00.000Z',
  schemaVersion: 1,
  correlationId: 'c-1',
  email: 'jane@acme.example',
  ...fields,
});

describe('decideRoutes', () => {
  it('names every destination whose rule matches, as the bus would route it', () => {
    // Act
    const decision = decideRoutes(config)(lead({ score: 80, utm: { campaign: 'spring' } }));

    // Assess
    expect(decision).toEqual({ matched: ['crm', 'hot', 'spring'], unmatched: [] });
  });

  it('says for each other destination which filter key failed and what the lead had', () => {
    // Act
    const decision = decideRoutes(config)(lead({ score: 60 }));

    // Assess
    expect(decision.matched).toEqual(['crm']);
    expect(decision.unmatched).toEqual([
      { destination: 'hot', why: 'filter score: the lead has 60, not [{"numeric":[">=",70]}]' },
      { destination: 'spring', why: 'filter utm.campaign: the lead has none, not ["spring"]' },
    ]);
  });
});
