import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import type { Sandbox } from '../adapters/sandbox/kit.ts';
import type { HttpResult } from '../functions/http/middleware.ts';

/** API Gateway HTTP APIs refuse bodies over 10 MB before any Lambda runs. */
const API_GATEWAY_MAX_BODY = 10 * 1024 * 1024;

const TEXT_TYPES = /^(text\/|application\/(json|.+\+json|xml|.+\+xml|x-www-form-urlencoded|javascript))/i;

export interface LocalRoutes {
  /** The real ingest Lambda handler; undefined until the host is ready. */
  ingest?: (event: APIGatewayProxyEventV2, context: Context) => Promise<HttpResult>;
  sandboxes: Readonly<Record<string, Sandbox>>;
  health: () => Promise<{ ok: boolean; components: Record<string, string> }>;
}

/**
 * The local stand-in for API Gateway: ANY /webhooks/{source} becomes an HTTP API v2 event for
 * the ingest handler, GET /health reports the pieces, and /sandbox/{vendor}/... reaches the
 * vendor sandboxes.
 */
export function createLocalServer(routes: LocalRoutes): Server {
  return createServer((req, res) => {
    route(req, res).catch((error: Error) => {
      if (!res.headersSent) send(res, 500, { error: { code: 'internal_error', message: error.message } });
    });
  });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://local');
    const sandbox = /^\/sandbox\/([a-z]+)(\/|$)/.exec(url.pathname);
    if (sandbox) {
      const target = routes.sandboxes[sandbox[1] ?? ''];
      if (target) return target.handle(req, res, `/sandbox/${sandbox[1]}`);
    }
    if (url.pathname === '/health' && req.method === 'GET') {
      const health = await routes.health();
      return send(res, health.ok ? 200 : 503, {
        status: health.ok ? 'ok' : 'unavailable',
        components: health.components,
      });
    }
    const webhook = /^\/webhooks\/([^/]+)\/?$/.exec(url.pathname);
    if (webhook) {
      if (!routes.ingest) {
        return send(
          res,
          503,
          { error: { code: 'starting', message: 'leadpipe is starting; retry in a moment.' } },
          { 'retry-after': '1' },
        );
      }
      const body = await readBody(req, API_GATEWAY_MAX_BODY);
      if (!body) return send(res, 413, { message: 'Request Entity Too Large' });
      const event = toApiGatewayEvent(req, url, decodeURIComponent(webhook[1] ?? ''), body);
      const result = await routes.ingest(
        event,
        lambdaContext('leadpipe-ingest', event.requestContext.requestId),
      );
      res.writeHead(result.statusCode ?? 200, {
        ...(result.headers as Record<string, string>),
        'apigw-requestid': event.requestContext.requestId,
      });
      res.end(result.isBase64Encoded ? Buffer.from(result.body ?? '', 'base64') : (result.body ?? ''));
      return;
    }
    send(res, 404, { message: 'Not Found' });
  }
}

/** The event an API Gateway HTTP API (payload format 2.0) hands a Lambda for this request. */
export function toApiGatewayEvent(
  req: IncomingMessage,
  url: URL,
  source: string,
  body: Buffer,
): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  // The forwarded protocol lets a scheme that signs the full URL (HubSpot v3) rebuild it exactly.
  headers['x-forwarded-proto'] ??= 'http';
  const query: Record<string, string> = {};
  for (const [key, value] of url.searchParams)
    query[key] = query[key] === undefined ? value : `${query[key]},${value}`;
  const contentType = headers['content-type'] ?? '';
  const asText = TEXT_TYPES.test(contentType) && Buffer.from(body.toString('utf8'), 'utf8').equals(body);
  const now = new Date();
  const requestId = randomUUID();
  const method = (req.method ?? 'GET').toUpperCase();
  return {
    version: '2.0',
    routeKey: 'ANY /webhooks/{source}',
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    ...(headers.cookie ? { cookies: headers.cookie.split(/;\s*/) } : {}),
    headers,
    ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? '127.0.0.1',
      domainPrefix: (headers.host ?? '127').split('.')[0] ?? 'local',
      http: {
        method,
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey: 'ANY /webhooks/{source}',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    pathParameters: { source },
    body: body.length === 0 ? undefined : asText ? body.toString('utf8') : body.toString('base64'),
    isBase64Encoded: body.length > 0 && !asText,
  };
}

/** A Lambda context for a local invocation: the in-progress expiry of idempotency reads the remaining time. */
export function lambdaContext(functionName: string, requestId: string, timeoutMs = 30_000): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res
    .writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers })
    .end(JSON.stringify(body));
}
