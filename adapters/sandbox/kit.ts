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

export interface SandboxOptions {
  faults?: Partial<Faults>;
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
    const body = await readBody(req);
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
    const server = createServer((req, res) => void this.handle(req, res));
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

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
