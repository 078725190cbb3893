import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as a vendor sandbox route sees it; `path` is relative to the sandbox's base. */
export interface SandboxRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Readonly<Record<string, string>>;
  body: Buffer;
  /** Route parameters captured by `:name` segments. */
  params: Readonly<Record<string, string>>;
}

export interface SandboxResponse {
  status: number;
  headers?: Record<string, string>;
  /** Serialised as JSON unless it is a string or a Buffer. */
  body?: unknown;
}

export type SandboxRoute = (request: SandboxRequest) => SandboxResponse | Promise<SandboxResponse>;

/** Faults a sandbox injects, each a probability per request (or per record) from 0 to 1. */
export interface Faults {
  /** Answer with the vendor's own 5xx. */
  serverErrorRate: number;
  /** Answer with the vendor's own 429, carrying Retry-After. */
  rateLimitRate: number;
  retryAfterSeconds: number;
  /** Never answer: the client's own timeout must fire. */
  timeoutRate: number;
  /** Added to every answer. */
  latencyMs: number;
  /** Fail single records inside an otherwise good batch with the vendor's validation error. */
  recordErrorRate: number;
}

export const noFaults: Faults = {
  serverErrorRate: 0,
  rateLimitRate: 0,
  retryAfterSeconds: 1,
  timeoutRate: 0,
  latencyMs: 0,
  recordErrorRate: 0,
};

/** How a vendor renders the request-level faults in its own wire format. */
export interface FaultRenderer {
  serverError(): SandboxResponse;
  rateLimited(retryAfterSeconds: number): SandboxResponse;
}

/**
 * The largest request body a sandbox reads. The vendors take at most 100 HubSpot inputs or 200
 * Salesforce records per call, a few hundred KB; 5 MB leaves a wide margin and still bounds what
 * one request can make the host hold in memory.
 */
export const SANDBOX_MAX_BODY_BYTES = 5 * 1024 * 1024;

export interface SandboxOptions {
  faults?: Partial<Faults>;
  /** Bodies over this are refused with 413 before they are read whole. @default SANDBOX_MAX_BODY_BYTES */
  maxBodyBytes?: number;
  /** A seeded generator makes a chaos run reproducible. */
  random?: () => number;
}

/** A small deterministic PRNG (mulberry32) for reproducible fault injection. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface CompiledRoute {
  method: string;
  segments: string[];
  handler: SandboxRoute;
}

export interface RunningSandbox {
  /** Base URL to give the vendor SDK, e.g. http://127.0.0.1:43123 */
  url: string;
  close(): Promise<void>;
}

/**
 * The shared half of every vendor sandbox: routing, body reading, fault injection, and the
 * `__sandbox/records` and `__sandbox/faults` endpoints. The vendor half registers routes that
 * speak the vendor's real contract and says how it renders a 5xx and a 429.
 */
export class Sandbox {
  readonly name: string;
  faults: Faults;
  private readonly random: () => number;
  private readonly routes: CompiledRoute[] = [];
  private readonly renderer: FaultRenderer;
  private readonly snapshot: () => unknown;
  private readonly reset: () => void;
  private readonly hanging = new Set<ServerResponse>();
  private readonly maxBodyBytes: number;

  constructor(
    name: string,
    vendor: { renderer: FaultRenderer; records: () => unknown; reset: () => void },
    options: SandboxOptions = {},
  ) {
    this.name = name;
    this.renderer = vendor.renderer;
    this.snapshot = vendor.records;
    this.reset = vendor.reset;
    this.faults = { ...noFaults, ...options.faults };
    this.random = options.random ?? Math.random;
    this.maxBodyBytes = options.maxBodyBytes ?? SANDBOX_MAX_BODY_BYTES;
  }

  /** Registers a vendor route; `:name` segments become params. */
  route(method: string, pattern: string, handler: SandboxRoute): this {
    this.routes.push({ method, segments: pattern.split('/').filter(Boolean), handler });
    return this;
  }

  /** True for the share of records the configured recordErrorRate says should fail validation. */
  failRecord(): boolean {
    return this.faults.recordErrorRate > 0 && this.random() < this.faults.recordErrorRate;
  }

  /** Node request handler; `basePath` is where the sandbox is mounted ('' when served alone). */
  async handle(req: IncomingMessage, res: ServerResponse, basePath = ''): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const path = url.pathname.slice(basePath.length) || '/';
    const body = await readBodyWithin(req, this.maxBodyBytes);
    if (!body) return refuseBodyTooLarge(req, res, this.maxBodyBytes);
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers[key] = Array.isArray(value) ? value.join(', ') : value;
    }
    const method = (req.method ?? 'GET').toUpperCase();

    const control = this.control(method, path, body);
    if (control) return send(res, control);

    const found = this.match(method, path);
    if (!found) {
      return send(res, {
        status: 404,
        body: { sandbox: this.name, error: `No route for ${method} ${path}` },
      });
    }
    if (this.faults.latencyMs > 0) await sleep(this.faults.latencyMs);
    const roll = this.random();
    const { timeoutRate, serverErrorRate, rateLimitRate } = this.faults;
    if (roll < timeoutRate) {
      // Hold the socket open without answering until the client gives up.
      this.hanging.add(res);
      res.on('close', () => this.hanging.delete(res));
      return;
    }
    if (roll < timeoutRate + serverErrorRate) return send(res, this.renderer.serverError());
    if (roll < timeoutRate + serverErrorRate + rateLimitRate) {
      return send(res, this.renderer.rateLimited(this.faults.retryAfterSeconds));
    }
    const request: SandboxRequest = {
      method,
      path,
      query: url.searchParams,
      headers,
      body,
      params: found.params,
    };
    try {
      send(res, await found.route.handler(request));
    } catch (error) {
      send(res, { status: 500, body: { sandbox: this.name, error: String(error) } });
    }
  }

  /** Serves the sandbox alone on loopback (port 0 picks a free port). */
  async listen(port = 0): Promise<RunningSandbox> {
    // A sender that hangs up mid-body rejects the read: nothing left to answer.
    const server = createServer((req, res) => {
      this.handle(req, res).catch(() => res.destroy());
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    const { port: bound } = server.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${bound}`,
      close: () =>
        new Promise<void>((resolve) => {
          for (const res of this.hanging) res.destroy();
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    };
  }

  private control(method: string, path: string, body: Buffer): SandboxResponse | undefined {
    if (path === '/__sandbox/records' && method === 'GET') return { status: 200, body: this.snapshot() };
    if (path === '/__sandbox/records' && method === 'DELETE') {
      this.reset();
      return { status: 204 };
    }
    if (path === '/__sandbox/faults' && method === 'GET') return { status: 200, body: this.faults };
    if (path === '/__sandbox/faults' && method === 'POST') {
      const problems = this.setFaults(body);
      if (problems) return { status: 400, body: { error: problems } };
      return { status: 200, body: this.faults };
    }
    return undefined;
  }

  /** Replaces the faults with the given ones (omitted keys go back to no fault). Returns a problem, if any. */
  private setFaults(body: Buffer): string | undefined {
    let input: unknown;
    try {
      input = body.length ? JSON.parse(body.toString('utf8')) : {};
    } catch {
      return 'Body must be JSON, e.g. {"serverErrorRate":0.1}';
    }
    if (typeof input !== 'object' || input === null || Array.isArray(input))
      return 'Body must be a JSON object';
    const next: Faults = { ...noFaults };
    for (const [key, value] of Object.entries(input)) {
      if (!(key in noFaults)) return `Unknown fault "${key}"; known: ${Object.keys(noFaults).join(', ')}`;
      const isRate = key.endsWith('Rate');
      if (typeof value !== 'number' || value < 0 || (isRate && value > 1)) {
        return `${key} must be a number ${isRate ? 'from 0 to 1' : '>= 0'}`;
      }
      next[key as keyof Faults] = value;
    }
    this.faults = next;
    return undefined;
  }

  private match(method: string, path: string) {
    const parts = path.split('/').filter(Boolean);
    for (const route of this.routes) {
      if (route.method !== method || route.segments.length !== parts.length) continue;
      const params: Record<string, string> = {};
      const ok = route.segments.every((segment, i) => {
        const part = parts[i] ?? '';
        if (segment.startsWith(':')) {
          params[segment.slice(1)] = decodeURIComponent(part);
          return true;
        }
        return segment === part;
      });
      if (ok) return { route, params };
    }
    return undefined;
  }
}

function send(res: ServerResponse, response: SandboxResponse): void {
  const { status, headers = {}, body } = response;
  if (body === undefined) {
    res.writeHead(status, headers).end();
    return;
  }
  const isRaw = typeof body === 'string' || Buffer.isBuffer(body);
  const payload = isRaw ? body : JSON.stringify(body);
  const contentType = isRaw ? 'text/plain; charset=utf-8' : 'application/json;charset=utf-8';
  res.writeHead(status, { 'content-type': contentType, ...headers }).end(payload);
}

/**
 * The request body, or undefined as soon as it is known to exceed `limit` bytes: at once when
 * the declared Content-Length says so, otherwise when the bytes read pass it. Reading stops
 * there; the caller answers (refuseBodyTooLarge) and the connection is closed after the answer,
 * so the rest is never read.
 */
export function readBodyWithin(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && /^\d+$/.test(declared) && Number(declared) > limit) {
    return Promise.resolve(undefined);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      req.pause();
      chunks.length = 0;
      resolve(undefined);
    };
    const onEnd = () => {
      // Every request closes after its end: no error to build then (it would be thrown away).
      req.off('close', onClose);
      resolve(Buffer.concat(chunks));
    };
    const onError = (error: Error) => reject(error);
    // A sender that hangs up mid-body ends the wait (and frees what was read).
    const onClose = () => reject(new Error('The sender closed the connection before the body ended'));
    req.on('data', onData).once('end', onEnd).once('error', onError).once('close', onClose);
  });
}

/** How long a refused sender may go on sending (discarded) before its connection is closed. */
export const LINGER_MS = 1_000;

/**
 * 413 in the JSON error shape; the rest of the body is never read into memory
 * (answerThenClose).
 */
export function refuseBodyTooLarge(req: IncomingMessage, res: ServerResponse, limit: number): void {
  answerThenClose(req, res, 413, {
    error: { code: 'body_too_large', message: `The request body is larger than ${limit} bytes.` },
  });
}

/**
 * Answers with a JSON body while the sender may still be sending one, then closes the
 * connection. Closing at once, with unread bytes in the socket, resets it, and the sender may
 * never see the answer; so the answer goes out whole first (with its length), what still
 * arrives is discarded, and the connection closes when the sender stops or after LINGER_MS.
 */
export function answerThenClose(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(payload)),
    ...headers,
    connection: 'close',
  });
  res.write(payload);
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    clearTimeout(timer);
    res.end();
  };
  const timer = setTimeout(close, LINGER_MS);
  req.socket.once('end', close).once('close', close);
  req.once('end', close);
  req.removeAllListeners('data');
  req.resume();
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
