import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import {
  answerThenClose,
  readBodyWithin,
  refuseBodyTooLarge,
  type Sandbox,
} from '../adapters/sandbox/kit.ts';
import { internalError } from '../functions/http/errors.ts';
import type { HttpResult } from '../functions/http/middleware.ts';
import type { WebhookObservation } from './metrics.ts';
import type { OpsRoutes } from './ops-routes.ts';

/** API Gateway HTTP APIs refuse bodies over 10 MB before any Lambda runs. */
const API_GATEWAY_MAX_BODY = 10 * 1024 * 1024;

const TEXT_TYPES = /^(text\/|application\/(json|.+\+json|xml|.+\+xml|x-www-form-urlencoded|javascript))/i;

export interface LocalRoutes {
  /** The real ingest Lambda handler; undefined until the host is ready. */
  ingest?: (event: APIGatewayProxyEventV2, context: Context) => Promise<HttpResult>;
  /** Only the sandboxes some destination uses; any other /sandbox/{vendor} is a 404. */
  sandboxes: Readonly<Record<string, Sandbox>>;
  /** GET /ready (and /health, its alias): whether every piece is up, and which is not. */
  ready: () => Promise<Readiness>;
  /** GET /metrics: the Prometheus text exposition. */
  metrics: () => Promise<{ contentType: string; body: string }>;
  /** Told of every answer the webhook route gives, the server's own refusals included. */
  observeWebhook?: (observation: WebhookObservation) => void;
  /** The ops console under /ops: its page, and its API behind the console token. */
  ops?: OpsRoutes;
  /** GET /openapi.json and /asyncapi.json: the API documents, self-contained. */
  documents?: () => { openapi: object; asyncapi: object };
}

/** Each component's state: 'ok', or what it is waiting for. */
export interface Readiness {
  ready: boolean;
  components: Record<string, string>;
}

/** A refusal of the local server itself, in the same JSON shape as every ingest refusal. */
interface Refusal {
  status: number;
  code: string;
  message: string;
  headers?: Record<string, string>;
}

const NOT_FOUND: Refusal = {
  status: 404,
  code: 'not_found',
  message:
    'Nothing is served here: webhooks go to POST /webhooks/<source>; GET /live, /ready (or /health) and /metrics report on the host; the ops console is /ops; the API documents are /openapi.json and /asyncapi.json.',
};

/**
 * The local stand-in for API Gateway: ANY /webhooks/{source} becomes an HTTP API v2 event for
 * the ingest handler, GET /live, /ready (alias /health) and /metrics report on the host, and
 * /sandbox/{vendor}/... reaches the mounted vendor sandboxes. Every refusal is `{"error":{"code","message"}}`; an unexpected error
 * is the generic 500, never its own text.
 */
export function createLocalServer(routes: LocalRoutes): Server {
  const server = createServer((req, res) => {
    route(routes, req, res).catch(() => {
      if (!res.headersSent) refuse(req, res, { status: 500, ...internalError.error });
      else res.destroy();
    });
  });
  // A request Node cannot parse (bad request line, oversized headers) gets the JSON shape too.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (socket.writable && error.code !== 'ECONNRESET') socket.end(rawRefusal(error.code));
    else socket.destroy();
  });
  return server;
}

/** A whole HTTP response for a request the parser refused, so it closes the connection. */
export function rawRefusal(parserCode: string | undefined): string {
  const tooLarge = parserCode === 'HPE_HEADER_OVERFLOW';
  const body = JSON.stringify({
    error: tooLarge
      ? { code: 'headers_too_large', message: 'The request headers are too large.' }
      : { code: 'malformed_request', message: 'The request is not valid HTTP/1.1.' },
  });
  return [
    tooLarge ? 'HTTP/1.1 431 Request Header Fields Too Large' : 'HTTP/1.1 400 Bad Request',
    'content-type: application/json; charset=utf-8',
    `content-length: ${Buffer.byteLength(body)}`,
    'connection: close',
    '',
    body,
  ].join('\r\n');
}

async function route(routes: LocalRoutes, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = parseRequestUrl(req.url);
  if (!url) {
    return refuse(req, res, {
      status: 400,
      code: 'malformed_path',
      message: 'The request path is not valid.',
    });
  }
  const sandbox = /^\/sandbox\/([a-z]+)(\/|$)/.exec(url.pathname);
  if (sandbox) {
    const target = routes.sandboxes[sandbox[1] ?? ''];
    // Sandboxes bound their own bodies (SANDBOX_MAX_BODY_BYTES).
    if (target) return target.handle(req, res, `/sandbox/${sandbox[1]}`);
    return refuse(req, res, {
      ...NOT_FOUND,
      message:
        'No sandbox is mounted here: this host mounts only the sandboxes its destinations use (see its start banner).',
    });
  }
  if (routes.ops && (url.pathname === '/ops' || url.pathname.startsWith('/ops/'))) {
    if (await routes.ops.handle(req, res, url)) return;
  }
  const probe = PROBES.get(url.pathname);
  if (probe) {
    if (req.method !== 'GET') {
      return refuse(req, res, {
        status: 405,
        code: 'method_not_allowed',
        message: `${probe} is read with GET, not ${req.method}.`,
        headers: { allow: 'GET' },
      });
    }
    return answerProbe(routes, url.pathname, res);
  }
  const webhook = /^\/webhooks\/([^/]+)\/?$/.exec(url.pathname);
  if (!webhook) return refuse(req, res, NOT_FOUND);
  const source = decodePathSegment(webhook[1] ?? '');
  if (source === undefined) {
    return refuse(req, res, {
      status: 400,
      code: 'malformed_path',
      message: 'The source in the path is not valid percent-encoding.',
    });
  }
  const arrived = performance.now();
  let quarantined = false;
  // Counted once the answer is written, whoever gave it (this server or the ingest handler).
  res.once('finish', () =>
    routes.observeWebhook?.({
      source,
      method: req.method ?? 'GET',
      statusCode: res.statusCode,
      quarantined,
      seconds: (performance.now() - arrived) / 1000,
    }),
  );
  if (!routes.ingest) {
    return refuse(req, res, {
      status: 503,
      code: 'starting',
      message: 'leadpipe is starting; retry in a moment.',
      headers: { 'retry-after': '1' },
    });
  }
  const body = await readBodyWithin(req, API_GATEWAY_MAX_BODY);
  if (!body) return refuseBodyTooLarge(req, res, API_GATEWAY_MAX_BODY);
  const event = toApiGatewayEvent(req, url, source, body);
  const result = await routes.ingest(event, lambdaContext('leadpipe-ingest', event.requestContext.requestId));
  // The ingest answer's own JSON names a quarantine (functions/ingest/ingest.ts): no second parse.
  quarantined = result.statusCode === 202 && (result.body ?? '').includes('"status":"quarantined"');
  res.writeHead(result.statusCode ?? 200, {
    ...(result.headers as Record<string, string>),
    'apigw-requestid': event.requestContext.requestId,
  });
  res.end(result.isBase64Encoded ? Buffer.from(result.body ?? '', 'base64') : (result.body ?? ''));
}

/** The host's own GET endpoints, by path, with the name a wrong method's refusal gives. */
const PROBES: ReadonlyMap<string, string> = new Map([
  ['/live', 'Liveness'],
  ['/ready', 'Readiness'],
  ['/health', 'Health'],
  ['/metrics', 'Metrics'],
  ['/openapi.json', 'The OpenAPI document'],
  ['/asyncapi.json', 'The AsyncAPI document'],
]);

/**
 * /live answers as long as the process does; /ready and its alias /health 200 when every
 * component is ok, else 503 naming each; /metrics is Prometheus text.
 */
async function answerProbe(routes: LocalRoutes, path: string, res: ServerResponse): Promise<void> {
  if (path === '/live') return send(res, 200, { status: 'live' });
  if (path === '/openapi.json' || path === '/asyncapi.json') {
    const documents = routes.documents?.();
    if (!documents)
      return send(res, 404, { error: { code: 'not_found', message: 'This host serves no API documents.' } });
    return send(res, 200, path === '/openapi.json' ? documents.openapi : documents.asyncapi);
  }
  if (path === '/metrics') {
    const { contentType, body } = await routes.metrics();
    res
      .writeHead(200, { 'content-type': contentType, 'content-length': String(Buffer.byteLength(body)) })
      .end(body);
    return;
  }
  const readiness = await routes.ready();
  return send(res, readiness.ready ? 200 : 503, {
    status: readiness.ready ? 'ready' : 'not_ready',
    components: readiness.components,
  });
}

/** The request target as a URL, or undefined when it cannot be one. */
export function parseRequestUrl(target: string | undefined): URL | undefined {
  try {
    return new URL(target ?? '/', 'http://local');
  } catch {
    return undefined;
  }
}

/** A percent-decoded path segment, or undefined when its encoding is malformed (`%ZZ`). */
export function decodePathSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
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

/** Bodies up to this that a refusal leaves unread are drained by Node, keeping the connection. */
const DRAINED_BODY_BYTES = 64 * 1024;

/**
 * Answers a refusal. A large or unbounded body the route did not read is not read at all: the
 * connection closes after the answer (answerThenClose) instead of Node draining all of it.
 */
function refuse(req: IncomingMessage, res: ServerResponse, refusal: Refusal): void {
  const body = { error: { code: refusal.code, message: refusal.message } };
  if (mayCarryLargeBody(req)) answerThenClose(req, res, refusal.status, body, refusal.headers);
  else send(res, refusal.status, body, refusal.headers);
}

/** True while a body over DRAINED_BODY_BYTES, or one of unknown length, may still be coming. */
function mayCarryLargeBody(req: IncomingMessage): boolean {
  if (req.complete) return false;
  const declared = req.headers['content-length'];
  if (declared === undefined) return req.headers['transfer-encoding'] !== undefined;
  return !/^\d+$/.test(declared) || Number(declared) > DRAINED_BODY_BYTES;
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const payload = JSON.stringify(body);
  res
    .writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(Buffer.byteLength(payload)),
      ...headers,
    })
    .end(payload);
}
