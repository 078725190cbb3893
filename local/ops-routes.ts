import { readdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { readBodyWithin } from '../adapters/sandbox/kit.ts';
import type { ConsoleRequest, ConsoleResponse } from '../functions/console/api.ts';
import { CONSOLE_API_PREFIX } from '../functions/console/types.ts';
import { bearerMatches } from './console-token.ts';
import type { FeedItem, LiveFeed } from './live-feed.ts';

/** The page's own files, served as they are: nothing is fetched from anywhere else. */
const PAGE_DIR = join(import.meta.dirname, '..', 'ops');

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** The page may load only what the host serves, and be framed by nobody. */
export const PAGE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

/** Bodies of console actions are small JSON objects. */
const MAX_ACTION_BODY = 64 * 1024;
/** A comment this often keeps proxies and the browser from closing an idle stream. */
const KEEP_ALIVE_MS = 15_000;

export interface OpsRoutes {
  /** Answers a request under /ops; false when the path is not the console's. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean>;
  /** Ends every open event stream (the host is stopping). */
  close(): void;
}

/**
 * The ops console on the local host: GET /ops (the page) and /ops/assets/<file> (its scripts and
 * styles), both without data and open; everything under /ops/api needs the console token as a
 * bearer token and is answered by the shared console API, except /ops/api/events, the live feed
 * as Server-Sent Events, which only a long-lived process can serve.
 */
export function createOpsRoutes(options: {
  token: string;
  /** The current console API: the host replaces it when the config changes. */
  api: () => (request: ConsoleRequest) => Promise<ConsoleResponse>;
  feed: LiveFeed;
}): OpsRoutes {
  const page = loadPage();
  const streams = new Set<ServerResponse>();

  return {
    async handle(req, res, url) {
      const path = url.pathname;
      if (path === '/ops' || path === '/ops/') return servePage(req, res, page.get('index.html'));
      if (path.startsWith('/ops/assets/'))
        return servePage(req, res, page.get(path.slice('/ops/assets/'.length)));
      if (path !== CONSOLE_API_PREFIX && !path.startsWith(`${CONSOLE_API_PREFIX}/`)) return false;

      if (!bearerMatches(req.headers.authorization, options.token)) {
        json(
          res,
          401,
          {
            error: {
              code: 'unauthorized',
              message:
                'The console API needs the console token: Authorization: Bearer <token> (printed by npm start; in <data dir>/console-token).',
            },
          },
          { 'www-authenticate': 'Bearer realm="leadpipe-ops"' },
        );
        return true;
      }
      const rest = path.slice(CONSOLE_API_PREFIX.length) || '/';
      if (rest === '/events') {
        if (req.method !== 'GET') {
          json(
            res,
            405,
            {
              error: {
                code: 'method_not_allowed',
                message: `/ops/api/events is read with GET, not ${req.method}.`,
              },
            },
            { allow: 'GET' },
          );
          return true;
        }
        stream(req, res);
        return true;
      }
      let body: string | undefined;
      if (req.method === 'POST') {
        const bytes = await readBodyWithin(req, MAX_ACTION_BODY);
        if (!bytes) {
          json(res, 413, {
            error: {
              code: 'payload_too_large',
              message: `Console actions take at most ${MAX_ACTION_BODY} bytes.`,
            },
          });
          return true;
        }
        body = bytes.toString('utf8');
      }
      const headers: Record<string, string | undefined> = {};
      for (const [name, value] of Object.entries(req.headers))
        headers[name] = Array.isArray(value) ? value.join(',') : value;
      const answer = await options.api()({
        method: req.method ?? 'GET',
        path: rest,
        query: url.searchParams,
        headers,
        ...(body !== undefined ? { body } : {}),
        actor: 'console',
      });
      json(res, answer.status, answer.body, answer.headers);
      return true;
    },
    close() {
      for (const res of streams) res.end();
      streams.clear();
    },
  };

  function stream(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
    });
    streams.add(res);
    const send = (item: FeedItem) => {
      const data = item.type === 'ledger' ? item.event : item.config;
      res.write(`id: ${item.id}\nevent: ${item.type}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    res.write(': leadpipe live feed\nretry: 2000\n\n');
    // A client coming back names the last item it saw: what it missed is sent first.
    const last = Number(req.headers['last-event-id']);
    if (Number.isSafeInteger(last) && last > 0) for (const item of options.feed.since(last)) send(item);
    const unsubscribe = options.feed.subscribe(send);
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), KEEP_ALIVE_MS);
    keepAlive.unref();
    res.once('close', () => {
      clearInterval(keepAlive);
      unsubscribe();
      streams.delete(res);
    });
  }
}

/** Every file of ops/, read once at start: the page is what the project ships, never fetched. */
function loadPage(): Map<string, { body: Buffer; type: string }> {
  const files = new Map<string, { body: Buffer; type: string }>();
  for (const name of readdirSync(PAGE_DIR)) {
    const type = CONTENT_TYPES[extname(name)];
    if (type) files.set(name, { body: readFileSync(join(PAGE_DIR, name)), type });
  }
  return files;
}

function servePage(
  req: IncomingMessage,
  res: ServerResponse,
  file: { body: Buffer; type: string } | undefined,
): true {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    json(
      res,
      405,
      {
        error: {
          code: 'method_not_allowed',
          message: `The console page is read with GET, not ${req.method}.`,
        },
      },
      { allow: 'GET, HEAD' },
    );
    return true;
  }
  if (!file) {
    json(res, 404, { error: { code: 'not_found', message: 'The console has no such file.' } });
    return true;
  }
  res.writeHead(200, {
    'content-type': file.type,
    'content-length': String(file.body.length),
    ...PAGE_SECURITY_HEADERS,
  });
  res.end(req.method === 'HEAD' ? undefined : file.body);
  return true;
}

function json(
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
      'cache-control': 'no-store',
      ...headers,
    })
    .end(payload);
}
