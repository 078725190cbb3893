import { LEAD_REFERENCE } from '../enrich/reference.ts';
import type { StoredDeadLetter } from '../ports.ts';
import { LEAD_RECEIVED, OPS_ALERT } from '../routing/rules.ts';

/** What a dead-lettered message says about itself; personal data stays in `body`. */
export interface DeadLetter {
  messageId: string;
  body: string;
  /** True when the deliver engine put it there with its reason; false when the queue moved it (a crash). */
  hasLeadpipeAttributes: boolean;
  kind: 'lead' | 'ops-alert' | 'unreadable';
  leadId?: string;
  source?: string;
  attempts?: number;
  failedAt?: string;
  reason?: string;
  destination?: string;
  /** When it entered the dead-letter queue, ISO 8601. */
  sentAt?: string;
  /** Receives of this copy, by the destination's consumer before the queue moved it, or by a reader. */
  receiveCount?: number;
}

/** Reads a stored dead letter: the engine's reason, and the ids in its event body. */
export function describeDeadLetter(stored: StoredDeadLetter): DeadLetter {
  const envelope = parseEnvelope(stored.body);
  const letter: DeadLetter = {
    messageId: stored.messageId,
    body: stored.body,
    hasLeadpipeAttributes: stored.why !== undefined,
    kind: envelope.kind,
  };
  const set = <K extends keyof DeadLetter>(key: K, value: DeadLetter[K] | undefined) => {
    if (value !== undefined) letter[key] = value;
  };
  set('leadId', stored.why?.leadId ?? envelope.leadId);
  set('source', envelope.source);
  set('attempts', stored.why?.attempts);
  set('failedAt', stored.why?.failedAt);
  set('reason', stored.why?.reason);
  set('destination', stored.why?.destination);
  set('sentAt', stored.sentAt > 0 ? new Date(stored.sentAt).toISOString() : undefined);
  set('receiveCount', stored.receiveCount);
  return letter;
}

function parseEnvelope(body: string): { kind: DeadLetter['kind']; leadId?: string; source?: string } {
  let envelope: {
    'detail-type'?: unknown;
    detail?: { source?: unknown; lead?: { id?: unknown; source?: unknown } };
  };
  try {
    envelope = JSON.parse(body);
  } catch {
    return { kind: 'unreadable' };
  }
  if (envelope?.['detail-type'] === OPS_ALERT) return { kind: 'ops-alert' };
  // An enrichment stage's letter (enrich:meta): the lead id ingest answered with; its source sits on the event.
  if (envelope?.['detail-type'] === LEAD_REFERENCE && envelope.detail?.lead) {
    const { lead, source } = envelope.detail;
    return {
      kind: 'lead',
      ...(typeof lead.id === 'string' ? { leadId: lead.id } : {}),
      ...(typeof source === 'string' ? { source } : {}),
    };
  }
  const lead = envelope?.['detail-type'] === LEAD_RECEIVED ? envelope.detail?.lead : undefined;
  if (!lead) return { kind: 'unreadable' };
  return {
    kind: 'lead',
    ...(typeof lead.id === 'string' ? { leadId: lead.id } : {}),
    ...(typeof lead.source === 'string' ? { source: lead.source } : {}),
  };
}
