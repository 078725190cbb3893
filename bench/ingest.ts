// `npm run bench:ingest [-- --requests N --connections C]`: acks per second and ack latency of the
// local leadpipe host against a bare node:http server, with the same keep-alive client, same run.
// Each target runs in its own child process so that it does not share the client's CPU thread.
// It prints figures; it asserts nothing except that leadpipe answered every webhook with a 2xx.
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startLocalHostProcess, startTarget, stopChildren, type Target } from './processes.ts';

const WARM_UP_REQUESTS = 200;
const HARD_TIMEOUT_MS = 5 * 60_000;
const REQUEST_TIMEOUT_MS = 60_000;
const SOURCE = 'form';
const SECRET = `whsec_${randomBytes(32).toString('base64')}`;

/** A bare server: reads the whole body, answers 202 with a small JSON body, prints its URL. */
const BARE_SERVER_SOURCE = `
const { createServer } = require('node:http');
const server = createServer((req, res) => {
  req.on('data', () => {});
  req.on('end', () => {
    res.writeHead(202, { 'content-type': 'application/json' });
    res.end('{"accepted":true}');
  });
});
server.listen(0, '127.0.0.1', () => console.log('bare is running on http://127.0.0.1:' + server.address().port));
process.on('SIGTERM', () => process.exit(0));
`;

interface SignedRequest {
  headers: Record<string, string>;
  body: Buffer;
}

interface RunResult {
  seconds: number;
  latenciesMs: number[];
  /** Status code (or "error <code>" for a failed request) → count. */
  statuses: Map<string, number>;
  connectionsOpened: number;
}

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '5000' },
    connections: { type: 'string', default: '100' },
    durability: { type: 'string', default: 'full' },
  },
});
const requests = Number(values.requests);
const connections = Number(values.connections);
if (!Number.isInteger(requests) || requests < 1 || !Number.isInteger(connections) || connections < 1) {
  console.error('Usage: node bench/ingest.ts [--requests N] [--connections C]');
  process.exit(2);
}

const dataRoot = mkdtempSync(join(tmpdir(), 'leadpipe-bench-ingest-'));

/** Standard Webhooks: v1,<base64 HMAC-SHA256 of "id.timestamp.body"> keyed with the decoded secret. */
function signWebhook(body: Buffer, id: string, timestamp: string): SignedRequest {
  const key = Buffer.from(SECRET.slice('whsec_'.length), 'base64');
  const signature = createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest('base64');
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'content-length': String(body.length),
      'webhook-id': id,
      'webhook-timestamp': timestamp,
      'webhook-signature': `v1,${signature}`,
    },
  };
}

/** `count` signed generic-preset submissions, each with its own webhook-id and email. */
function signedRequests(count: number, label: string): SignedRequest[] {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const runId = randomUUID().slice(0, 8);
  return Array.from({ length: count }, (_, index) => {
    const id = `${label}-${runId}-${index}`;
    const body = JSON.stringify({
      email: `bench-${id}@bench.example.com`,
      first_name: 'Bench',
      last_name: `Lead ${index}`,
      company: `Company ${index}`,
      message: 'Interested in a demo.',
    });
    return signWebhook(Buffer.from(body), `msg_${id}`, timestamp);
  });
}

function startBareServer(): Promise<Target> {
  return startTarget('bare', ['-e', BARE_SERVER_SOURCE], {});
}

/** The local host (`npm start`'s entry point) with one source and HubSpot on its built-in sandbox. */
function startLeadpipe(): Promise<Target> {
  const dataDir = join(dataRoot, 'data');
  const configPath = join(dataRoot, 'leadpipe.config.json');
  // Far above anything the bench can send, so that it never meets a 429 from the ingest throttle.
  const unthrottled = { ratePerSecond: 1_000_000, burst: 1_000_000 };
  const config = {
    settings: { rateLimitPerSource: unthrottled },
    sources: {
      [SOURCE]: {
        verify: { scheme: 'standard-webhooks', secrets: ['env:BENCH_SOURCE_SECRET'] },
        mapping: { preset: 'generic' },
        rateLimit: unthrottled,
      },
    },
    destinations: { hubspot: { type: 'hubspot', accessToken: 'env:BENCH_HUBSPOT_TOKEN' } },
  };
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  return startLocalHostProcess({
    dataDir,
    configPath,
    env: {
      LEADPIPE_DURABILITY: String(values.durability),
      BENCH_SOURCE_SECRET: SECRET,
      BENCH_HUBSPOT_TOKEN: 'pat-bench-token',
    },
  });
}

/** Posts one request on the agent; resolves with its status (or error code) and how many ms it took. */
function post(agent: Agent, url: URL, signed: SignedRequest, sockets: Set<unknown>) {
  return new Promise<{ status: string; ms: number }>((resolve) => {
    const started = performance.now();
    const done = (status: string) => resolve({ status, ms: performance.now() - started });
    const req = request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path: `/webhooks/${SOURCE}`,
        method: 'POST',
        headers: signed.headers,
        timeout: REQUEST_TIMEOUT_MS,
      },
      (res) => {
        res.resume();
        res.on('end', () => done(String(res.statusCode)));
        res.on('error', (error: NodeJS.ErrnoException) => done(`error ${error.code ?? error.message}`));
      },
    );
    req.on('socket', (socket) => sockets.add(socket));
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.on('error', (error: NodeJS.ErrnoException) => done(`error ${error.code ?? error.message}`));
    req.end(signed.body);
  });
}

/** Sends every request over at most `concurrency` keep-alive connections, one request per connection at a time. */
async function sendAll(url: string, batch: SignedRequest[], concurrency: number): Promise<RunResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const target = new URL(url);
  const sockets = new Set<unknown>();
  const latenciesMs: number[] = [];
  const statuses = new Map<string, number>();
  let next = 0;
  const worker = async () => {
    while (next < batch.length) {
      const signed = batch[next++] as SignedRequest;
      const { status, ms } = await post(agent, target, signed, sockets);
      latenciesMs.push(ms);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, batch.length) }, worker));
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  return { seconds, latenciesMs, statuses, connectionsOpened: sockets.size };
}

/** Warm-up (not counted, ids of its own), then the timed run on freshly signed requests. */
async function measure(target: Target): Promise<RunResult> {
  const warmUp = signedRequests(WARM_UP_REQUESTS, `${target.name}-warm`);
  const timed = signedRequests(requests, `${target.name}-timed`);
  await sendAll(target.url, warmUp, connections);
  return sendAll(target.url, timed, connections);
}

const is2xx = (status: string) => /^2\d\d$/.test(status);
const acksOf = (result: RunResult) =>
  [...result.statuses].filter(([status]) => is2xx(status)).reduce((sum, [, count]) => sum + count, 0);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

function report(name: string, result: RunResult): void {
  const sorted = [...result.latenciesMs].sort((a, b) => a - b);
  const [p50, p95, p99] = [50, 95, 99].map((p) => percentile(sorted, p).toFixed(1));
  const failures = [...result.statuses].filter(([status]) => !is2xx(status));
  const nonAcks = failures.reduce((sum, [, count]) => sum + count, 0);
  console.log(
    `${name.padEnd(9)} ${(acksOf(result) / result.seconds).toFixed(1).padStart(9)} acks/s` +
      `  p50 ${p50} ms  p95 ${p95} ms  p99 ${p99} ms` +
      `  non-2xx ${nonAcks}  (${result.seconds.toFixed(2)} s, ${result.connectionsOpened} connections opened)`,
  );
  for (const [status, count] of failures) console.log(`          ${status}: ${count}`);
}

async function cleanUp(): Promise<void> {
  await stopChildren();
  rmSync(dataRoot, { recursive: true, force: true });
}

async function main(): Promise<void> {
  console.log(
    `Node ${process.version}, ${availableParallelism()} cores; ${requests} signed webhooks ` +
      `(+${WARM_UP_REQUESTS} warm-up) per target at ${connections} keep-alive connections`,
  );
  // One target at a time, so that neither sits on the CPU while the other is measured.
  const bareResult = await measure(await startBareServer());
  report('bare', bareResult);
  await stopChildren();

  const leadpipe = await startLeadpipe();
  const durability = leadpipe
    .output()
    .split('\n')
    .find((line) => /durab/i.test(line));
  console.log(`durability: ${durability?.trim() ?? '(not printed by the host)'}`);
  const leadpipeResult = await measure(leadpipe);
  report('leadpipe', leadpipeResult);
  const ratio = acksOf(leadpipeResult) / leadpipeResult.seconds / (acksOf(bareResult) / bareResult.seconds);
  console.log(`ratio leadpipe/bare: ${ratio.toFixed(4)}`);
  if (acksOf(leadpipeResult) !== requests) {
    console.error(`leadpipe acknowledged ${acksOf(leadpipeResult)} of ${requests} webhooks`);
    process.exitCode = 1;
  }
}

const hardTimeout = setTimeout(() => {
  console.error(`bench:ingest gave up after ${HARD_TIMEOUT_MS / 1000} s`);
  void cleanUp().finally(() => process.exit(1));
}, HARD_TIMEOUT_MS);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void cleanUp().finally(() => process.exit(130)));
}

try {
  await main();
} catch (error) {
  console.error('bench:ingest failed:', error);
  process.exitCode = 1;
} finally {
  clearTimeout(hardTimeout);
  await cleanUp();
}
