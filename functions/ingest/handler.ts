import type { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { HttpError } from '../http/errors.ts';
import { type HttpResult, httpErrorResponses, jsonResponse } from '../http/middleware.ts';
import type { WebhookRequest } from '../verify/types.ts';
import { createIngest, type IngestDependencies } from './ingest.ts';

/** EventBridge's entry limit; a larger lead event could not be published. */
export const DEFAULT_MAX_BODY_BYTES = 262_144;

/** The webhook as senders signed it, rebuilt from an API Gateway HTTP API (v2) event. */
export function webhookRequestFrom(event: APIGatewayProxyEventV2): WebhookRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value !== undefined) headers[name.toLowerCase()] = value;
  }
  const host = headers.host ?? event.requestContext.domainName;
  const protocol = headers['x-forwarded-proto'] ?? 'https';
  const query = event.rawQueryString ? `?${event.rawQueryString}` : '';
  // The body is kept exactly as sent: signatures are computed over these bytes.
  const body = Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');
  return {
    method: event.requestContext.http.method.toUpperCase(),
    url: `${protocol}://${host}${event.rawPath}${query}`,
    headers,
    body,
  };
}

/** API Gateway HTTP API handler for POST /webhooks/{source}. */
export function createIngestHandler(deps: IngestDependencies & { logger: Logger }) {
  const ingest = createIngest(deps);
  const maxBodyBytes = deps.config.settings?.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;

  return middy<APIGatewayProxyEventV2, HttpResult, Error, Context>()
    .use(httpErrorResponses(deps.logger))
    .handler(async (event, context) => {
      const source = event.pathParameters?.source ?? '';
      const method = event.requestContext.http.method.toUpperCase();
      if (method !== 'POST') {
        throw new HttpError(405, 'method_not_allowed', `Webhooks are sent with POST, not ${method}.`, {
          headers: { allow: 'POST' },
        });
      }
      const declaredLength = Number(event.headers?.['content-length'] ?? 0);
      const encodedLength = event.body?.length ?? 0;
      const bodyBytes = event.isBase64Encoded
        ? Math.floor((encodedLength * 3) / 4)
        : Buffer.byteLength(event.body ?? '');
      if (Math.max(declaredLength, bodyBytes) > maxBodyBytes) {
        throw new HttpError(
          413,
          'body_too_large',
          `The body is larger than ${maxBodyBytes} bytes, the most a lead event can carry.`,
        );
      }
      const answer = await ingest({
        source,
        request: webhookRequestFrom(event),
        requestId: event.requestContext.requestId,
        lambdaContext: context,
      });
      return jsonResponse(answer.statusCode, answer.body);
    });
}
