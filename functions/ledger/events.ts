import type { Logger } from '@aws-lambda-powertools/logger';
import type { Lead } from '../../schemas/generated/lead.ts';
import type { LedgerContact, LedgerEvent } from '../../schemas/generated/ledger-event.ts';
import type { LeadLedger } from '../ports.ts';
import type { RouteDecision } from '../routing/route-decision.ts';

/** The lead fields that say where it came from, not what the person sent. */
const PROVENANCE = new Set([
  'id',
  'source',
  'receivedAt',
  'schemaVersion',
  'correlationId',
  'raw',
  'personId',
]);

/** What the ledger searches a lead by and the console shows of it. */
export function contactOf(lead: Lead): LedgerContact {
  const name = [lead.firstName, lead.lastName].filter(Boolean).join(' ');
  return {
    ...(lead.email ? { email: lead.email } : {}),
    ...(lead.phone ? { phone: lead.phone } : {}),
    ...(name ? { name } : {}),
    ...(lead.company ? { company: lead.company } : {}),
  };
}

/** The steps of a lead that mapped and was published: received, mapped, routed. `mergedFrom`: see mappedEvent. */
export function acceptedEvents(
  lead: Lead,
  routes: RouteDecision,
  at: string,
  mergedFrom?: string,
): LedgerEvent[] {
  return [
    {
      leadId: lead.id,
      at,
      kind: 'received',
      source: lead.source,
      deliveryId: lead.raw?.deliveryId ?? lead.correlationId,
      correlationId: lead.correlationId,
      contentType: lead.raw?.contentType ?? '',
      bytes: lead.raw?.bytes ?? 0,
      contact: contactOf(lead),
    },
    mappedEvent(lead, at, { mergedFrom }),
    routedEvent(lead.id, at, routes),
  ];
}

/** The `routed` step: which destinations' rules matched, and why each other one did not. */
export function routedEvent(leadId: string, at: string, routes: RouteDecision): LedgerEvent {
  return { leadId, at, kind: 'routed', matched: routes.matched, unmatched: routes.unmatched };
}

/**
 * The `mapped` step: the fields the lead has, its person, and, when this lead joined two known
 * persons, the one merged away (`mergedFrom`): the ledger is where a merge is seen, since the
 * CRM records made under the old id are not merged by leadpipe.
 */
export function mappedEvent(
  lead: Lead,
  at: string,
  options: { replay?: boolean; mergedFrom?: string | undefined } = {},
): LedgerEvent {
  return {
    leadId: lead.id,
    at,
    kind: 'mapped',
    fields: Object.keys(lead).filter((field) => !PROVENANCE.has(field)),
    ...(options.replay ? { replay: true } : {}),
    ...(lead.personId ? { personId: lead.personId } : {}),
    ...(options.mergedFrom ? { mergedFrom: options.mergedFrom } : {}),
  };
}

/**
 * Appends events without ever failing the caller: the ledger tells people what happened, and a
 * lead must not be refused or redelivered because its history could not be written. A failure is
 * logged with the lead ids (never their fields), so it is seen.
 */
export async function recordSafely(
  ledger: LeadLedger | undefined,
  events: readonly LedgerEvent[],
  logger: Logger,
): Promise<void> {
  if (!ledger || events.length === 0) return;
  try {
    await ledger.append(events);
  } catch (error) {
    logger.error('Could not write to the lead ledger', {
      leadIds: [...new Set(events.map((event) => event.leadId))],
      error: error as Error,
    });
  }
}
