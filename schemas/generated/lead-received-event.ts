import type { Lead } from './lead.ts';
// Generated from schemas/lead-received.event.schema.json by `npm run gen:types`. Do not edit.

/**
 * The `detail` of the EventBridge event published when a webhook became a lead.
 */
export interface LeadReceivedEvent {
  event_id: string;
  event_type: 'lead.received';
  /**
   * The configured source the webhook came in through.
   */
  source: string;
  timestamp: string;
  correlation_id: string;
  /**
   * The W3C traceparent the webhook came with, when it was valid (https://www.w3.org/TR/trace-context/#traceparent-header). Optional and additive: schema_version 1 events without it stay valid. Consumers log it; it is never used to route or deduplicate.
   */
  traceparent?: string;
  schema_version: 1;
  lead: Lead;
}
