import { describe, expect, it } from 'vitest';
import { leadHeader, searchCriteria } from '../../../cli/commands/leads.ts';
import type { LedgerLead } from '../../../functions/ports.ts';

describe('searchCriteria', () => {
  it.each([
    ['an email', 'Ada@Example.com', { email: 'Ada@Example.com' }],
    ['a phone number', '+44 20 7946 0958', { phone: '+44 20 7946 0958' }],
    [
      'a lead id',
      'lead_0123456789abcdef0123456789abcdef',
      { leadId: 'lead_0123456789abcdef0123456789abcdef' },
    ],
    ['anything else, as a correlation id', 'msg_2Xb9', { correlationId: 'msg_2Xb9' }],
  ])('tells %s apart by its shape', (_, text, query) => {
    expect(searchCriteria(text, {}, 'GB')).toEqual(query);
  });

  it('adds every flag given to the text', () => {
    expect(
      searchCriteria('ada@example.com', { phone: '+1 415 555 0100', correlationId: 'c-1' }, 'US'),
    ).toEqual({
      email: 'ada@example.com',
      phone: '+1 415 555 0100',
      correlationId: 'c-1',
    });
  });

  it('has no criteria without text or a flag', () => {
    expect(searchCriteria(undefined, {}, 'US')).toBeUndefined();
    expect(searchCriteria('   ', {}, 'US')).toBeUndefined();
  });
});

describe('leadHeader', () => {
  it('says who the lead is and where it stands at each destination, with nothing that moves the cursor', () => {
    // Prepare
    const lead: LedgerLead = {
      leadId: 'lead_1',
      source: 'typeform',
      receivedAt: '2026-01-31T09:00:00.000Z',
      correlationId: 'c-1',
      deliveryId: 'd-1',
      contact: { email: 'ada@example.com', name: 'Ada\u001b[2J Lovelace' },
      status: 'failed',
      destinations: { hubspot: 'delivered', salesforce: 'dead-lettered' },
      updatedAt: '2026-01-31T09:01:00.000Z',
    };

    // Act
    const lines = leadHeader(lead, { paint: (tone, text) => `<${tone}>${text}</>` });

    // Assess
    expect(lines).toEqual([
      '<strong>lead_1</>  <bad>failed</>',
      'source          typeform',
      'received at     2026-01-31T09:00:00.000Z',
      'contact         ada@example.com, Ada [2J Lovelace',
      'correlation id  c-1',
      'delivery id     d-1',
      'destinations    hubspot <ok>delivered</>, salesforce <bad>dead-lettered</>',
      'updated at      2026-01-31T09:01:00.000Z',
    ]);
  });
});
