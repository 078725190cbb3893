// Generated from schemas/lead-reference.event.schema.json by `npm run gen:types`. Do not edit.

/**
 * The `detail` of the EventBridge event published when a webhook named a person without their data (a Meta leadgen change, a HubSpot contact.creation) and its source enriches: what the enrichment stage fetches, maps and publishes as the lead ingest answered for.
 */
export interface LeadReferenceEvent {
  event_id: string;
  event_type: 'lead.reference';
  /**
   * The configured source the webhook came in through.
   */
  source: string;
  timestamp: string;
  correlation_id: string;
  /**
   * The W3C traceparent the webhook came with, when it was valid (https://www.w3.org/TR/trace-context/#traceparent-header). Consumers log it; it is never used to route or deduplicate.
   */
  traceparent?: string;
  schema_version: 1;
  /**
   * What the webhook names: the object to fetch from the sender's API.
   */
  reference: {
    /**
     * The sender whose API holds the person.
     */
    sender: 'meta' | 'hubspot';
    /**
     * Meta: the leadgen id; HubSpot: the contact's object id.
     */
    id: string;
    /**
     * Meta: form_id, page_id, ad_id as the webhook gave them (ids, never personal data).
     */
    context?: {
      [k: string]: string;
    };
  };
  /**
   * Who the lead will be: the id ingest answered with, and its provenance (never the body).
   */
  lead: {
    id: string;
    receivedAt: string;
    /**
     * A reference to the raw delivery: never the body itself.
     */
    raw: {
      deliveryId: string;
      /**
       * Where the delivery id came from.
       */
      deliveryIdFrom?: 'sender' | 'body-hash';
      contentType?: string;
      sha256: string;
      bytes: number;
    };
  };
}
