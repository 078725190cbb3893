import type {
  LedgerAttempt,
  LedgerContact,
  LedgerDeadLettered,
  LedgerEvent,
  LedgerMapped,
  LedgerQuarantined,
  LedgerReceived,
  LedgerRedriven,
  LedgerRouted,
} from '../../schemas/generated/ledger-event.ts';

/** A lead id of the shape ingest gives (`lead_` and 32 hex digits), numbered for tests. */
export const ledgerLeadId = (n: number): string => `lead_${n.toString(16).padStart(32, '0')}`;

/** ISO 8601 `minutes` after `start`. */
export const minutesAfter = (start: string, minutes: number): string =>
  new Date(Date.parse(start) + minutes * 60_000).toISOString();

/** Builders for each step of a lead's timeline, as the handlers append them; `overrides` changes one thing. */
export const ledgerEvent = {
  received(leadId: string, at: string, overrides: Partial<LedgerReceived> = {}): LedgerReceived {
    const contact: LedgerContact = {
      email: `${leadId}@example.com`,
      phone: '+14155550100',
      name: 'Ada Lovelace',
    };
    return {
      leadId,
      at,
      kind: 'received',
      source: 'typeform',
      deliveryId: `delivery-${leadId}`,
      correlationId: `correlation-${leadId}`,
      contentType: 'application/json',
      bytes: 512,
      contact,
      ...overrides,
    };
  },
  mapped(leadId: string, at: string): LedgerMapped {
    return { leadId, at, kind: 'mapped', fields: ['email', 'phone', 'firstName'] };
  },
  quarantined(leadId: string, at: string, message = 'no email or phone'): LedgerQuarantined {
    return { leadId, at, kind: 'quarantined', code: 'no_contact', message };
  },
  routed(leadId: string, at: string, matched: string[], unmatched: string[] = []): LedgerRouted {
    return {
      leadId,
      at,
      kind: 'routed',
      matched,
      unmatched: unmatched.map((destination) => ({ destination, why: 'filter: country is not US' })),
    };
  },
  attempt(
    leadId: string,
    at: string,
    destination: string,
    attempt: number,
    outcome: LedgerAttempt['outcome'],
    reason?: string,
  ): LedgerAttempt {
    return {
      leadId,
      at,
      kind: 'attempt',
      destination,
      attempt,
      outcome,
      ...(outcome === 'delivered' ? { recordId: `record-${leadId}` } : {}),
      ...(reason === undefined ? {} : { reason }),
    };
  },
  deadLettered(
    leadId: string,
    at: string,
    destination: string,
    reason = 'INVALID_EMAIL',
  ): LedgerDeadLettered {
    return { leadId, at, kind: 'dead-lettered', destination, reason, attempts: 3 };
  },
  redriven(leadId: string, at: string, destination: string, by = 'cli'): LedgerRedriven {
    return { leadId, at, kind: 'redriven', destination, by };
  },
};

/**
 * A delivered lead's whole life, a second apart from `receivedAt`: received, mapped, routed to
 * HubSpot and Slack, HubSpot delivered at once, Slack retried then delivered.
 */
export function deliveredLife(
  leadId: string,
  receivedAt: string,
  overrides: Partial<LedgerReceived> = {},
): LedgerEvent[] {
  const at = (seconds: number) => new Date(Date.parse(receivedAt) + seconds * 1000).toISOString();
  return [
    ledgerEvent.received(leadId, receivedAt, overrides),
    ledgerEvent.mapped(leadId, at(0)),
    ledgerEvent.routed(leadId, at(0), ['hubspot', 'slack'], ['salesforce']),
    ledgerEvent.attempt(leadId, at(1), 'hubspot', 1, 'delivered'),
    ledgerEvent.attempt(leadId, at(1), 'slack', 1, 'retry', 'rate_limited'),
    ledgerEvent.attempt(leadId, at(3), 'slack', 2, 'delivered'),
  ];
}
