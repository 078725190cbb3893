import type { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { HttpError } from '../http/errors.ts';
import { type HttpResult, httpErrorResponses, jsonResponse } from '../http/middleware.ts';
import { answerMetaHandshake } from '../verify/index.ts';
import { type WebhookRequest, WebhookVerificationError } from '../verify/types.ts';
import { createIngest, findSource, type IngestDependencies } from './ingest.ts';
import { createSourceThrottle, type SourceThrottle } from './throttle.ts';

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

/**
 * The source a webhook is for: the `{source}` path parameter (the local host's route), else the
 * name in `/webhooks/<name>` (on AWS each source has its own literal route, to throttle it alone).
 */
export function sourceNameOf(event: Pick<APIGatewayProxyEventV2, 'pathParameters' | 'rawPath'>): string {
  const parameter = event.pathParameters?.source;
  if (parameter !== undefined) return parameter;
  return /^\/webhooks\/([^/]+)$/.exec(event.rawPath ?? '')?.[1] ?? '';
}

export interface IngestHandlerDependencies extends IngestDependencies {
  logger: Logger;
  /** Per-source rate limit in this process; default createSourceThrottle() (50/s, burst 100). */
  throttle?: SourceThrottle;
}

/**
 * API Gateway HTTP API handler for /webhooks/{source} (on AWS one route per source, see
 * sourceNameOf): POST carries webhooks; GET is only Meta's subscription handshake. Checks run
 * cheapest first, and each refusal changes nothing: unknown source 404, over the rate 429, wrong
 * method 405, too large 413, then ingest (signature 401, content type 415, body 400).
 */
export function createIngestHandler(deps: IngestHandlerDependencies) {
  const ingest = createIngest(deps);
  const throttle = deps.throttle ?? createSourceThrottle();
  const maxBodyBytes = deps.config.settings?.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;

  return middy<APIGatewayProxyEventV2, HttpResult, Error, Context>()
    .use(httpErrorResponses(deps.logger))
    .handler(async (event, context) => {
      const source = sourceNameOf(event);
      const sourceConfig = findSource(deps.config, source);
      const turn = throttle.take(source);
      if (!turn.allowed) {
        throw new HttpError(
          429,
          'rate_limited',
          `Too many requests for source "${source}"; retry after ${turn.retryAfterSeconds} s.`,
          { headers: { 'retry-after': String(turn.retryAfterSeconds) } },
        );
      }
      const method = event.requestContext.http.method.toUpperCase();
      const handshake = sourceConfig.verify.scheme === 'meta';
      if (method === 'GET' && handshake) {
        return metaHandshake(event, source, sourceConfig.verify.verifyToken, deps);
      }
      if (method !== 'POST') {
        const allow = handshake ? 'GET, POST' : 'POST';
        throw new HttpError(405, 'method_not_allowed', `Webhooks are sent with POST, not ${method}.`, {
          headers: { allow },
        });
      }
      if (Math.max(declaredLength(event), bodyBytes(event)) > maxBodyBytes) {
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

/** The bytes the event's body really holds, however it is encoded. */
export function bodyBytes(event: APIGatewayProxyEventV2): number {
  return Buffer.byteLength(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');
}

/**
 * The Content-Length the sender declared, or 0 when it is not a plain decimal: a bogus value
 * (`abc`, `-1`, `1e9`) must never hide the real size, which is always counted too.
 */
export function declaredLength(event: APIGatewayProxyEventV2): number {
  const value = event.headers?.['content-length'];
  return value !== undefined && /^\d+$/.test(value.trim()) ? Number(value.trim()) : 0;
}

/**
 * Meta's GET subscription handshake: echo hub.challenge as text/plain when hub.verify_token is
 * the configured token; 403 otherwise, as Meta's docs ask.
 */
async function metaHandshake(
  event: APIGatewayProxyEventV2,
  source: string,
  verifyTokenRef: string | undefined,
  deps: IngestHandlerDependencies,
): Promise<HttpResult> {
  // The config schema requires verifyToken for meta sources; a missing one is our misconfiguration (500).
  if (verifyTokenRef === undefined) throw new Error(`Source "${source}" has no verifyToken`);
  const verifyToken = await deps.secrets(verifyTokenRef);
  try {
    const challenge = answerMetaHandshake(new URLSearchParams(event.rawQueryString ?? ''), verifyToken);
    deps.logger.info('Meta subscription handshake answered', { source });
    return {
      statusCode: 200,
      // The challenge is the caller's own text: plain, never sniffed as HTML.
      headers: {
        'content-type': 'text/plain; charset=utf-8',
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
      },
      body: challenge,
    };
  } catch (error) {
    if (!(error instanceof WebhookVerificationError)) throw error;
    throw new HttpError(403, 'handshake_refused', `${error.message} (source "${source}").`, { cause: error });
  }
}
