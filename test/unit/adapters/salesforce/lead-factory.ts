import type { Lead } from '../../../../schemas/generated/lead.ts';

let sequence = 0;

/** A valid lead (fields per schemas/generated/lead.ts); override what a test is about. */
export function buildLead(overrides: Partial<Lead> = {}): Lead {
  sequence += 1;
  return {
    id: `lead_sf_${sequence}`,
    source: 'website',
    receivedAt: '2026-11-21T10:00:00.000Z',
    email: `person${sequence}@example.com`,
    phone: '+442071838750',
    firstName: 'Ada',
    lastName: 'Lovelace',
    company: 'Analytical Engines Ltd',
    message: 'Please call me back',
    schemaVersion: 1,
    correlationId: `corr-sf-${sequence}`,
    ...overrides,
  };
}

/** `count` leads with distinct emails. */
export function buildLeads(count: number, overrides: Partial<Lead> = {}): Lead[] {
  return Array.from({ length: count }, () => buildLead(overrides));
}
