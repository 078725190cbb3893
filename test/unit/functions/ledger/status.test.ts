import { describe, expect, it } from 'vitest';
import { inTimelineOrder, summariseLead } from '../../../../functions/ledger/status.ts';
import type { LedgerEvent, LedgerReceived } from '../../../../schemas/generated/ledger-event.ts';

const leadId = 'lead_0123456789abcdef0123456789abcdef';
const at = (second: number) => `2026-12-02T10:00:${String(second).padStart(2, '0')}.000Z`;
const received: LedgerReceived = {
  leadId,
  at: at(0),
  kind: 'received',
  source: 'typeform',
  deliveryId: 'd-1',
  correlationId: 'd-1',
  contentType: 'application/json',
  bytes: 420,
  contact: { email: 'jane@acme.example' },
};
const routed = (matched: string[]): LedgerEvent => ({
  leadId,
  at: at(0),
  kind: 'routed',
  matched,
  unmatched: [],
});
const attempt = (
  second: number,
  destination: string,
  outcome: 'delivered' | 'retry' | 'rejected' | 'blocked',
): LedgerEvent => ({
  leadId,
  at: at(second),
  kind: 'attempt',
  destination,
  attempt: 1,
  outcome,
  ...(outcome === 'delivered' ? { recordId: '101' } : { reason: 'HTTP 500' }),
});

describe('summariseLead', () => {
  it('is in progress until every matched destination has it, then delivered', () => {
    const events = [received, routed(['crm', 'sales']), attempt(1, 'crm', 'delivered')];
    expect(summariseLead(received, events)).toMatchObject({
      status: 'in-progress',
      destinations: { crm: 'delivered', sales: 'pending' },
      updatedAt: at(1),
    });
    expect(summariseLead(received, [...events, attempt(2, 'sales', 'delivered')]).status).toBe('delivered');
  });

  it('is failed while a destination holds it dead-lettered, and pending there again once redriven', () => {
    const failed: LedgerEvent[] = [
      received,
      routed(['crm']),
      attempt(1, 'crm', 'rejected'),
      { leadId, at: at(1), kind: 'dead-lettered', destination: 'crm', reason: 'INVALID_EMAIL', attempts: 1 },
    ];
    expect(summariseLead(received, failed)).toMatchObject({
      status: 'failed',
      destinations: { crm: 'dead-lettered' },
    });
    const redriven: LedgerEvent = { leadId, at: at(5), kind: 'redriven', destination: 'crm', by: 'console' };
    expect(summariseLead(received, [...failed, redriven])).toMatchObject({
      status: 'in-progress',
      destinations: { crm: 'pending' },
    });
  });

  it('is quarantined until a replay publishes it; a lead no rule matched is unrouted', () => {
    const quarantined: LedgerEvent = {
      leadId,
      at: at(0),
      kind: 'quarantined',
      code: 'no_contact',
      message: 'x',
    };
    expect(summariseLead(received, [received, quarantined]).status).toBe('quarantined');
    const stillQuarantined: LedgerEvent = {
      leadId,
      at: at(3),
      kind: 'replayed',
      by: 'cli',
      outcome: 'still-quarantined',
    };
    expect(summariseLead(received, [received, quarantined, stillQuarantined]).status).toBe('quarantined');
    const replayed: LedgerEvent = { leadId, at: at(4), kind: 'replayed', by: 'cli', outcome: 'published' };
    expect(
      summariseLead(received, [received, quarantined, replayed, { ...routed([]), at: at(4) }]).status,
    ).toBe('unrouted');
  });

  it('orders one instant by the steps a lead takes, whatever order they were stored in', () => {
    const events = [attempt(0, 'crm', 'delivered'), routed(['crm']), received];
    expect(inTimelineOrder(events).map((event) => event.kind)).toEqual(['received', 'routed', 'attempt']);
  });
});
