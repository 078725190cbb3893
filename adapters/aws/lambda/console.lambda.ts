import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import {
  type ConsoleRequest,
  type ConsoleResponse,
  createConsoleApi,
} from '../../../functions/console/api.ts';
import { CONSOLE_API_PREFIX } from '../../../functions/console/types.ts';
import type { ErrorBody } from '../../../functions/http/errors.ts';
import { redriveRecorded } from '../../../functions/ledger/redrive.ts';
import { createLogger } from '../../../functions/observability/logger.ts';
import { createTracer, traceInvocation } from '../../../functions/observability/tracing.ts';
import type { DeliveryQueue } from '../../../functions/ports.ts';
import { createReplay } from '../../../functions/quarantine/replay.ts';
import { decideRoutes } from '../../../functions/routing/route-decision.ts';
import type { LeadpipeConfig } from '../../../schemas/generated/config.ts';
import { createSqsDeliveryQueue } from '../delivery-queue.ts';
import { createIdempotencyStore } from '../idempotency-store.ts';
import { createDynamoLedger } from '../ledger.ts';
import { createDynamoPersonDirectory } from '../person-directory.ts';
import { createLeadPublisher } from '../publisher.ts';
import { createQuarantineStore } from '../quarantine-store.ts';
import { createDynamoTombstones } from '../tombstones.ts';
import { embeddedConfig } from './embedded-config.ts';
import { readEnvironment } from './environment.ts';

/**
 * The page's Content-Security-Policy: its own scripts, styles and API only, nothing inline, no
 * frames, no forms posting elsewhere. The page holds no data; the API's answers do.
 */
export const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** What every console answer carries: no sniffing, no referrer leaving the page. */
const COMMON_HEADERS = { 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' };

/** The page's files: ops/'s own HTML, JavaScript and CSS (infra/bundling.ts copies exactly these). */
const PAGE_FILE = /^[A-Za-z0-9][A-Za-z0-9._-]*\.(html|js|css)$/;
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

/** The largest action body the console takes: an action names ids, never payloads. */
export const MAX_CONSOLE_BODY_BYTES = 64 * 1024;
/**
 * Most dead letters one redrive request moves: it must end inside API Gateway's 30 s wait (about
 * 10 s at SQS's pace). The answer says how many were moved; the page asks again for the rest.
 */
export const CONSOLE_REDRIVE_LIMIT = 1000;

/** An API Gateway v2 event; behind the JWT authorizer it carries the token's claims. */
export type ConsoleEvent = APIGatewayProxyEventV2 & {
  requestContext: { authorizer?: { jwt?: { claims?: Record<string, unknown>; scopes?: string[] | null } } };
};
export type ConsoleResult = APIGatewayProxyStructuredResultV2;
export type ConsoleLambda = (event: ConsoleEvent, context: Context) => Promise<ConsoleResult>;

export interface PageFile {
  body: string;
  contentType: string;
}

export interface ConsoleLambdaOptions {
  config: LeadpipeConfig;
  env?: Readonly<Record<string, string | undefined>>;
  dynamodb?: DynamoDBClient;
  sqs?: SQSClient;
  eventbridge?: EventBridgeClient;
  logger?: ReturnType<typeof createLogger>;
  /** X-Ray (Powertools); a no-op outside Lambda. Clients given in the options are not instrumented. */
  tracer?: ReturnType<typeof createTracer>;
  /** Where the page's files are. @default `ops/` beside the bundle (infra/bundling.ts puts them there) */
  pageDir?: string;
  now?: () => Date;
}

/**
 * The console function as deployed: the shared console API (functions/console/api.ts) on the
 * ledger's table, the quarantine and replay claims in the pipeline table, every destination's
 * queues and the bus; and the static page, with its security headers.
 */
export function createConsoleLambda(options: ConsoleLambdaOptions): ConsoleLambda {
  const env = readEnvironment(
    ['pipeline', 'tableName', 'ledgerTableName', 'busName', 'apiUrl', 'queues'],
    options.env,
  );
  const { config } = options;
  const logger = options.logger ?? createLogger({ serviceName: `${env.pipeline}-console` });
  const tracer = options.tracer ?? createTracer(`${env.pipeline}-console`);
  const dynamodb = options.dynamodb ?? tracer.captureAWSv3Client(new DynamoDBClient({}));
  const sqs = options.sqs ?? tracer.captureAWSv3Client(new SQSClient({}));
  const eventbridge = options.eventbridge ?? tracer.captureAWSv3Client(new EventBridgeClient({}));
  const now = options.now ?? (() => new Date());
  const ledger = createDynamoLedger({
    client: DynamoDBDocumentClient.from(dynamodb),
    tableName: env.ledgerTableName,
    retentionDays: config.settings?.ledger?.retentionDays,
    now: () => now().getTime(),
  });
  const queues = deliveryQueues(sqs, parseQueueUrls(env.queues));
  const quarantine = createQuarantineStore(dynamodb, env.tableName);
  const persons = createDynamoPersonDirectory(dynamodb, env.tableName);
  const tombstones = createDynamoTombstones(dynamodb, env.tableName);
  const publish = createLeadPublisher({ client: eventbridge, busName: env.busName });
  const routes = decideRoutes(config);
  const api = createConsoleApi({
    config,
    configVersion: configVersion(config, now()),
    host: 'aws',
    baseUrl: env.apiUrl,
    ledger,
    queues,
    quarantine,
    // Each replay with its own idempotency layer (Powertools configures a layer once) and its asker.
    replay: (leadId, by) =>
      createReplay({
        config,
        quarantine,
        idempotencyStore: createIdempotencyStore(dynamodb, env.tableName),
        publish,
        persons,
        tombstones,
        ledger: { ledger, logger, by, decideRoutes: routes },
        now,
      })(leadId),
    redrive: (destination, redrive, by) =>
      redriveRecorded(queueOf(queues, destination), {
        ledger,
        logger,
        by,
        limit: CONSOLE_REDRIVE_LIMIT,
        tombstones,
        ...(redrive.messageIds ? { messageIds: redrive.messageIds } : {}),
        now,
      }),
    now: () => now().getTime(),
  });
  const page = readPageFiles(options.pageDir ?? fileURLToPath(new URL('./ops/', import.meta.url)));

  return async (event, context) => {
    logger.addContext(context);
    try {
      return await traceInvocation(tracer, () => answer(event, { api, page, logger }));
    } finally {
      logger.resetKeys();
    }
  };
}

/** One request: the page or one of its files, else the API (behind the authorizer). */
export async function answer(
  event: ConsoleEvent,
  deps: {
    api: (request: ConsoleRequest) => Promise<ConsoleResponse>;
    page: ReadonlyMap<string, PageFile>;
    logger: Pick<ReturnType<typeof createLogger>, 'error'>;
  },
): Promise<ConsoleResult> {
  const path = event.rawPath;
  if (path === '/ops' || path.startsWith('/ops/assets/')) return pageResponse(deps.page, path);
  const request = consoleRequest(event);
  if ('refusal' in request) return jsonResult(request.refusal.status, request.refusal.body);
  try {
    const response = await deps.api(request.request);
    return jsonResult(response.status, response.body, response.headers);
  } catch (error) {
    // Never the error itself in the answer: it is in the log, with the request id.
    deps.logger.error('Console request failed', { error: error as Error, path: request.request.path });
    return jsonResult(500, {
      error: { code: 'internal_error', message: 'Something went wrong on our side; see the console log.' },
    });
  }
}

type Refusal = { status: number; body: ErrorBody };

/**
 * The API Gateway v2 event as the shared console API's request: the path after /ops/api, the query,
 * the lower-cased headers, the body as text, and the actor, the token's subject. A request without
 * a subject is refused: only a route without the authorizer (a deployment bug) could bring one.
 */
export function consoleRequest(event: ConsoleEvent): { request: ConsoleRequest } | { refusal: Refusal } {
  const sub = event.requestContext.authorizer?.jwt?.claims?.sub;
  if (typeof sub !== 'string' || sub === '') {
    return refusal(401, 'unauthorized', 'The console API needs a bearer token from your identity provider.');
  }
  if (!event.rawPath.startsWith(`${CONSOLE_API_PREFIX}/`)) {
    return refusal(404, 'not_found', `The console has no ${event.rawPath}.`);
  }
  const body = event.body
    ? Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8').toString('utf8')
    : undefined;
  if (body !== undefined && Buffer.byteLength(body) > MAX_CONSOLE_BODY_BYTES) {
    return refusal(413, 'payload_too_large', `Console actions take at most ${MAX_CONSOLE_BODY_BYTES} bytes.`);
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value !== undefined) headers[name.toLowerCase()] = value;
  }
  return {
    request: {
      method: event.requestContext.http.method,
      path: event.rawPath.slice(CONSOLE_API_PREFIX.length),
      query: new URLSearchParams(event.rawQueryString ?? ''),
      headers,
      ...(body !== undefined ? { body } : {}),
      actor: sub,
    },
  };
}

/** `GET /ops` is index.html; `GET /ops/assets/<file>` one of the page's files; each with the page's headers. */
export function pageResponse(page: ReadonlyMap<string, PageFile>, path: string): ConsoleResult {
  const name = path === '/ops' ? 'index.html' : path.slice('/ops/assets/'.length);
  const file = page.get(name);
  if (!file) return jsonResult(404, { error: { code: 'not_found', message: `The console has no ${path}.` } });
  return {
    statusCode: 200,
    headers: {
      'content-type': file.contentType,
      'content-security-policy': PAGE_CSP,
      // Never kept: a deploy shows the new page at once (the local host says the same).
      'cache-control': 'no-store',
      ...COMMON_HEADERS,
    },
    body: file.body,
  };
}

/** The page's files, read once: a folder's own HTML, JavaScript and CSS, by name. A missing folder is an empty page. */
export function readPageFiles(dir: string): Map<string, PageFile> {
  const files = new Map<string, PageFile>();
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return files;
  }
  for (const name of names.filter((entry) => PAGE_FILE.test(entry)).sort()) {
    const extension = name.slice(name.lastIndexOf('.') + 1);
    const contentType = CONTENT_TYPES[extension];
    if (contentType) files.set(name, { body: readFileSync(join(dir, name), 'utf8'), contentType });
  }
  return files;
}

/** Thrown at cold start when LEADPIPE_QUEUES is not the construct's JSON. */
export class QueueUrlsError extends Error {
  override readonly name = 'QueueUrlsError';
}

/** LEADPIPE_QUEUES (set by infra/ops-console.ts): each destination's queue and dead-letter queue URLs. */
export function parseQueueUrls(
  json: string,
): Record<string, { queueUrl: string; deadLetterQueueUrl: string }> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    throw new QueueUrlsError('LEADPIPE_QUEUES is not JSON (set by the LeadPipeline construct)', {
      cause: error,
    });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new QueueUrlsError('LEADPIPE_QUEUES must be an object of destination names');
  }
  const out: Record<string, { queueUrl: string; deadLetterQueueUrl: string }> = {};
  for (const [name, urls] of Object.entries(parsed)) {
    const { queueUrl, deadLetterQueueUrl } = (urls ?? {}) as Record<string, unknown>;
    if (typeof queueUrl !== 'string' || typeof deadLetterQueueUrl !== 'string') {
      throw new QueueUrlsError(`LEADPIPE_QUEUES.${name} needs a queueUrl and a deadLetterQueueUrl`);
    }
    out[name] = { queueUrl, deadLetterQueueUrl };
  }
  return out;
}

/** Which config this bundle runs: a hash of the embedded config, and when this instance loaded it. */
export function configVersion(config: LeadpipeConfig, loadedAt: Date): { version: string; loadedAt: string } {
  const version = createHash('sha256').update(JSON.stringify(config)).digest('hex').slice(0, 12);
  return { version, loadedAt: loadedAt.toISOString() };
}

function deliveryQueues(
  sqs: SQSClient,
  urls: Record<string, { queueUrl: string; deadLetterQueueUrl: string }>,
): Record<string, DeliveryQueue> {
  return Object.fromEntries(
    Object.entries(urls).map(([destination, { queueUrl, deadLetterQueueUrl }]) => [
      destination,
      createSqsDeliveryQueue({ sqs, destination, queueUrl, deadLetterQueueUrl }),
    ]),
  );
}

function queueOf(queues: Readonly<Record<string, DeliveryQueue>>, destination: string): DeliveryQueue {
  const queue = Object.hasOwn(queues, destination) ? queues[destination] : undefined;
  // The API answers 404 for a name not in `queues` before it asks: this cannot happen.
  if (!queue) throw new QueueUrlsError(`LEADPIPE_QUEUES has no destination "${destination}"`);
  return queue;
}

function refusal(status: number, code: string, message: string): { refusal: Refusal } {
  return { refusal: { status, body: { error: { code, message } } } };
}

function jsonResult(status: number, body: unknown, headers: Record<string, string> = {}): ConsoleResult {
  return {
    statusCode: status,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      // Answers name people: never kept by a browser or a proxy.
      'cache-control': 'no-store',
      ...COMMON_HEADERS,
      ...headers,
    },
    body: JSON.stringify(body),
  };
}

let deployed: ConsoleLambda | undefined;

/** The Lambda entry point: built on the first invocation from the embedded config and the environment. */
export const handler: ConsoleLambda = (event, context) => {
  deployed ??= createConsoleLambda({ config: embeddedConfig() });
  return deployed(event, context);
};
