/** The senders whose webhooks carry only a reference to the person, fetched by the enrichment stage. */
export type ReferenceSender = 'meta' | 'hubspot';

/** What a reference-only webhook names: the object to fetch from the sender's API. */
export interface SenderReference {
  sender: ReferenceSender;
  /** Meta: the leadgen id; HubSpot: the contact's object id. */
  id: string;
  /** Meta: form_id, page_id, ad_id as the webhook gave them (ids, never personal data). */
  context?: Record<string, string>;
}

/**
 * What a fetch came to, classified like a destination's outcome: `fetched` with the sender's
 * record (mapped by the source's preset), or retry / rejected / blocked with a reason that
 * carries no personal data.
 */
export type FetchOutcome =
  | { status: 'fetched'; payload: unknown }
  | { status: 'retry'; reason: string; retryAfterMs?: number }
  | { status: 'rejected'; reason: string }
  | { status: 'blocked'; reason: string };

/** One sender's API client for one source: fetches what a reference names. Never throws for vendor errors. */
export interface ReferenceFetcher {
  fetch(reference: SenderReference, options?: { deadline?: number }): Promise<FetchOutcome>;
}
