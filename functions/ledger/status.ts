import type { LedgerEvent, LedgerReceived } from '../../schemas/generated/ledger-event.ts';
import type { DestinationStatus, LeadStatus, LedgerLead } from '../ports.ts';

/** Events in timeline order: by time, and a lead's own steps in the order they happen within one instant. */
export function inTimelineOrder(events: readonly LedgerEvent[]): LedgerEvent[] {
  return [...events].sort((a, b) => a.at.localeCompare(b.at) || STEP_ORDER[a.kind] - STEP_ORDER[b.kind]);
}

const STEP_ORDER: Record<LedgerEvent['kind'], number> = {
  received: 0,
  // A fetch of a reference-only webhook's person comes before the mapping it made possible.
  enriched: 1,
  quarantined: 2,
  // A replay comes before the mapping it produced.
  replayed: 3,
  mapped: 4,
  routed: 5,
  attempt: 6,
  'dead-lettered': 7,
  redriven: 8,
};

/**
 * Where a lead stands, from its timeline: the one derivation both ledgers use, so the console and
 * the CLI say the same on either host. Quarantined until a replay publishes it; each destination
 * its routing matched is pending until its latest attempt, dead letter or redrive says otherwise.
 */
export function summariseLead(received: LedgerReceived, events: readonly LedgerEvent[]): LedgerLead {
  const ordered = inTimelineOrder(events);
  let quarantined = false;
  let routed: string[] | undefined;
  const destinations: Record<string, DestinationStatus> = {};
  for (const event of ordered) {
    switch (event.kind) {
      case 'quarantined':
        quarantined = true;
        break;
      case 'replayed':
        if (event.outcome === 'published') quarantined = false;
        break;
      case 'routed':
        routed = event.matched;
        for (const name of event.matched) destinations[name] ??= 'pending';
        break;
      case 'attempt':
        destinations[event.destination] = ATTEMPT_STATUS[event.outcome];
        break;
      // The enrichment stage stands beside the destinations (enrich:meta), as its queue does.
      case 'enriched':
        destinations[event.destination] = FETCH_STATUS[event.outcome];
        break;
      case 'dead-lettered':
        destinations[event.destination] = 'dead-lettered';
        break;
      case 'redriven':
        destinations[event.destination] = 'pending';
        break;
    }
  }
  const states = Object.values(destinations);
  let status: LeadStatus;
  if (quarantined) status = 'quarantined';
  else if (routed !== undefined && routed.length === 0 && states.length === 0) status = 'unrouted';
  else if (states.includes('dead-lettered')) status = 'failed';
  else if (states.length > 0 && states.every((state) => state === 'delivered')) status = 'delivered';
  else status = 'in-progress';
  return {
    leadId: received.leadId,
    source: received.source,
    receivedAt: received.at,
    correlationId: received.correlationId,
    deliveryId: received.deliveryId,
    contact: received.contact ?? {},
    status,
    destinations,
    updatedAt: ordered.at(-1)?.at ?? received.at,
  };
}

/** A fetch's outcome as the stage's status; a rejected fetch is followed by its dead letter. */
const FETCH_STATUS: Record<'fetched' | 'retry' | 'rejected' | 'blocked', DestinationStatus> = {
  fetched: 'delivered',
  retry: 'retrying',
  rejected: 'retrying',
  blocked: 'blocked',
};

/** A rejected attempt is followed by its dead letter; until then the lead is still being retried. */
const ATTEMPT_STATUS: Record<'delivered' | 'retry' | 'rejected' | 'blocked', DestinationStatus> = {
  delivered: 'delivered',
  retry: 'retrying',
  rejected: 'retrying',
  blocked: 'blocked',
};
