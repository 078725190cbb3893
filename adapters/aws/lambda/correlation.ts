import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { sourceNameOf } from '../../../functions/ingest/handler.ts';
import type { LeadpipeConfig } from '../../../schemas/generated/config.ts';

/** Headers in which senders name their delivery (Standard Webhooks, Svix, GitHub, Shopify, and the common fallback). */
export const DELIVERY_ID_HEADERS = [
  'webhook-id',
  'svix-id',
  'x-github-delivery',
  'x-shopify-webhook-id',
  'x-request-id',
] as const;

/**
 * The id that ties every log line of one webhook together: the sender's delivery id when a header
 * carries one (so a sender's retry log and ours line up), else API Gateway's request id.
 */
export function correlationIdFor(event: APIGatewayProxyEventV2, config: LeadpipeConfig): string {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value) headers[name.toLowerCase()] = value.trim();
  }
  const source = config.sources[sourceNameOf(event)];
  const custom = source?.verify.hmac?.deliveryIdHeader?.toLowerCase();
  for (const name of custom ? [custom, ...DELIVERY_ID_HEADERS] : DELIVERY_ID_HEADERS) {
    const value = headers[name];
    // Bounded: a header is sender input and ends up in every log line.
    if (value) return value.slice(0, 128);
  }
  return event.requestContext.requestId;
}
