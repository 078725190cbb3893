import { createHash } from 'node:crypto';
import type { Lead } from '../../../../schemas/generated/lead.ts';

let sequence = 0;

/** A valid lead (fields per schemas/generated/lead.ts); override what a test is about. */
export function buildLead(overrides: Partial<Lead> = {}): Lead {
  sequence += 1;
  const id = `lead_${createHash('md5').update(`hubspot-test-${sequence}`).digest('hex')}`;
  return {
    id,
    source: 'website',
    receivedAt: '2026-11-21T10:00:00.000Z',
    email: `person${sequence}@example.com`,
    firstName: 'Ada',
    lastName: 'Lovelace',
    company: 'Analytical Engines Ltd',
    message: 'Please call me back',
    schemaVersion: 1,
    correlationId: `corr-${sequence}`,
    ...overrides,
  };
}

/** `count` leads with distinct emails. */
export function buildLeads(count: number, overrides: Partial<Lead> = {}): Lead[] {
  return Array.from({ length: count }, () => buildLead(overrides));
}
