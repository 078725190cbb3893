// Generated from schemas/ledger-event.schema.json by `npm run gen:types`. Do not edit.

/**
 * One step of a lead's way into the CRMs, as the lead ledger keeps it and the ops console shows it. Never the raw body; the contact fields of `received` are what the ledger searches by.
 */
export type LedgerEvent =
  | LedgerReceived
  | LedgerMapped
  | LedgerEnriched
  | LedgerQuarantined
  | LedgerRouted
  | LedgerAttempt
  | LedgerDeadLettered
  | LedgerRedriven
  | LedgerReplayed;

/**
 * A signed webhook became this lead (or was quarantined as it): accepted with a 202.
 */
export interface LedgerReceived {
  leadId: string;
  at: string;
  kind: 'received';
  source: string;
  deliveryId: string;
  correlationId: string;
  contentType: string;
  bytes: number;
  contact?: LedgerContact;
}
/**
 * Who the lead is, as mapped: what the ledger is searched by (email lower-cased, phone E.164).
 */
export interface LedgerContact {
  email?: string;
  phone?: string;
  name?: string;
  company?: string;
}
/**
 * The payload mapped to a valid lead; `fields` names the lead fields it filled.
 */
export interface LedgerMapped {
  leadId: string;
  at: string;
  kind: 'mapped';
  fields: string[];
  /**
   * Mapped by a replay of the quarantined payload.
   */
  replay?: boolean;
  /**
   * The person the lead was resolved to (functions/persons): every lead of one person carries it.
   */
  personId?: string;
  /**
   * This lead joined two known persons: this one was merged into personId (its earlier leads and CRM records keep the old id; leadpipe does not merge CRM records).
   */
  mergedFrom?: string;
}
/**
 * One fetch of a reference-only webhook's person from the sender's API (the enrichment stage `destination`, e.g. enrich:meta) and what it came to. `fetched` is followed by mapped and routed.
 */
export interface LedgerEnriched {
  leadId: string;
  at: string;
  kind: 'enriched';
  /**
   * The enrichment stage: enrich:meta or enrich:hubspot.
   */
  destination: string;
  attempt: number;
  outcome: 'fetched' | 'retry' | 'rejected' | 'blocked';
  retryAfterSeconds?: number;
  /**
   * The sender's answer (error codes, never personal data), for anything but fetched.
   */
  reason?: string;
}
export interface LedgerQuarantined {
  leadId: string;
  at: string;
  kind: 'quarantined';
  code: string;
  message: string;
}
/**
 * Which destinations' routing rules matched the lead, and why each other did not.
 */
export interface LedgerRouted {
  leadId: string;
  at: string;
  kind: 'routed';
  matched: string[];
  unmatched: LedgerUnmatchedRoute[];
}
export interface LedgerUnmatchedRoute {
  destination: string;
  why: string;
}
/**
 * One delivery attempt at one destination and what the vendor answered.
 */
export interface LedgerAttempt {
  leadId: string;
  at: string;
  kind: 'attempt';
  destination: string;
  attempt: number;
  outcome: 'delivered' | 'retry' | 'rejected' | 'blocked';
  /**
   * The CRM record (or chat message) the delivery created or updated.
   */
  recordId?: string;
  recordUrl?: string;
  /**
   * When the next attempt is due, for a retry.
   */
  retryAfterSeconds?: number;
  /**
   * The vendor's answer, for anything but delivered.
   */
  reason?: string;
}
export interface LedgerDeadLettered {
  leadId: string;
  at: string;
  kind: 'dead-lettered';
  destination: string;
  reason: string;
  attempts: number;
}
/**
 * Moved from the destination's dead-letter queue back to its queue.
 */
export interface LedgerRedriven {
  leadId: string;
  at: string;
  kind: 'redriven';
  destination: string;
  /**
   * Who asked: cli or console.
   */
  by: string;
}
/**
 * A quarantined payload re-mapped with the config of the time.
 */
export interface LedgerReplayed {
  leadId: string;
  at: string;
  kind: 'replayed';
  by: string;
  outcome: 'published' | 'still-quarantined';
  reason?: string;
}
