import type { Lead } from '../../../../schemas/generated/lead.ts';

/** A complete, plausible hot lead; override what a test is about. */
export function buildLead(overrides: Partial<Lead> = {}): Lead {
  return {
    id: 'typeform:dlv_01',
    source: 'typeform',
    receivedAt: '2026-11-21T09:30:00.000Z',
    email: 'jane.doe@example.com',
    phone: '+14155550123',
    firstName: 'Jane',
    lastName: 'Doe',
    company: 'Acme Rockets',
    message: 'We need 40 seats before the end of the quarter.',
    utm: { source: 'google', medium: 'cpc', campaign: 'spring-launch' },
    score: 92,
    custom: { hubspotUrl: 'https://app.hubspot.com/contacts/123/record/0-1/456' },
    schemaVersion: 1,
    correlationId: 'corr-01',
    ...overrides,
  };
}

/** `count` distinct leads, each with its own id and email so a test can find every one of them. */
export function buildLeads(count: number): Lead[] {
  return Array.from({ length: count }, (_, i) =>
    buildLead({ id: `typeform:dlv_${i + 1}`, email: `lead${i + 1}@example.com`, lastName: `Doe ${i + 1}` }),
  );
}

/** All the text a message's blocks hold, to search in. */
export function blockTexts(blocks: unknown): string[] {
  const texts: string[] = [];
  const walk = (value: unknown) => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (typeof value === 'object' && value !== null) {
      for (const [key, inner] of Object.entries(value)) {
        if (key === 'text' && typeof inner === 'string') texts.push(inner);
        else walk(inner);
      }
    }
  };
  walk(blocks);
  return texts;
}
