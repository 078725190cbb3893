// Every row of docs/bad-input.md against the real local host over HTTP: each gets its status and
// code, and afterwards the database holds no new idempotency, quarantine or shape row, the bus
// published nothing, the queues and dead-letter queues are empty.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../functions/config/load.ts';
import { signatureSchemes } from '../../functions/verify/index.ts';
import { type LocalHost, startLocalHost } from '../../local/host.ts';
import { E2E_DESTINATIONS, E2E_SECRETS, resolveE2eSecret } from '../support/config.ts';
import { openStoredRowCounter, type StoredRowCounter } from '../support/embedded-database.ts';

const SECRET = E2E_SECRETS.E2E_SOURCE_SECRET as string;
const config = parseConfig(
  JSON.stringify({
    sources: {
      form: {
        verify: { scheme: 'standard-webhooks', secrets: ['env:E2E_SOURCE_SECRET'] },
        mapping: { preset: 'generic' },
      },
      flood: {
        verify: { scheme: 'standard-webhooks', secrets: ['env:E2E_SOURCE_SECRET'] },
        mapping: { preset: 'generic' },
      },
    },
    destinations: { hubspot: E2E_DESTINATIONS.hubspot },
  }),
  'bad-input.json',
);
const LEAD = JSON.stringify({ email: 'bad-input@e2e.example.com', first_name: 'Bad', company: 'Input' });

let dataDir: string;
let host: LocalHost;
let rows: StoredRowCounter;

beforeAll(async () => {
  // On a data dir, so the database can be read from outside the host.
  dataDir = await mkdtemp(join(tmpdir(), 'leadpipe-bad-input-'));
  host = await startLocalHost({
    config,
    port: 0,
    dataDir,
    resolveSecret: resolveE2eSecret,
    // Nothing should reach a queue; with delivery off, anything that did would stay there to be seen.
    deliver: false,
    // `flood` gets a tiny bucket on a frozen clock, so the 429 row never depends on how fast this machine is.
    throttle: { perSource: { flood: { ratePerSecond: 1, burst: 2 } }, now: () => 0 },
  });
  rows = openStoredRowCounter(host.database);
});

afterAll(async () => {
  rows?.close();
  await host?.end();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** Headers a Standard Webhooks sender would add for `body` at `at`. */
function signed(source: string, body: string | Buffer, at = new Date()): Record<string, string> {
  const url = `${host.url}/webhooks/${source}`;
  return signatureSchemes['standard-webhooks'].sign(
    {
      method: 'POST',
      url,
      body: Buffer.from(body),
      deliveryId: `msg_${Math.random().toString(36).slice(2)}`,
    },
    SECRET,
    at,
  );
}

interface Row {
  name: string;
  method?: string;
  source?: string;
  headers?: () => Record<string, string>;
  body?: string | Buffer;
  status: number;
  code: string;
}

const json = { 'content-type': 'application/json' };
const big = JSON.stringify({ email: 'big@e2e.example.com', message: 'x'.repeat(262_144) });
const ROWS: Row[] = [
  {
    name: 'unknown source',
    source: 'nope',
    headers: () => ({ ...json, ...signed('nope', LEAD) }),
    body: LEAD,
    status: 404,
    code: 'unknown_source',
  },
  { name: 'missing signature', headers: () => json, body: LEAD, status: 401, code: 'signature_missing' },
  {
    name: 'bad signature',
    headers: () => ({
      ...json,
      ...signed('form', LEAD),
      'webhook-signature': 'v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
    }),
    body: LEAD,
    status: 401,
    code: 'signature_invalid',
  },
  {
    name: 'stale timestamp',
    headers: () => ({ ...json, ...signed('form', LEAD, new Date(Date.now() - 3600_000)) }),
    body: LEAD,
    status: 401,
    code: 'timestamp_too_old',
  },
  {
    name: 'future timestamp',
    headers: () => ({ ...json, ...signed('form', LEAD, new Date(Date.now() + 3600_000)) }),
    body: LEAD,
    status: 401,
    code: 'timestamp_in_future',
  },
  {
    name: 'body over 256 KB',
    headers: () => ({ ...json, ...signed('form', big) }),
    body: big,
    status: 413,
    code: 'body_too_large',
  },
  {
    name: 'unsupported content type',
    headers: () => ({ 'content-type': 'application/pdf', ...signed('form', LEAD) }),
    body: LEAD,
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'malformed body',
    headers: () => ({ ...json, ...signed('form', '{"email":') }),
    body: '{"email":',
    status: 400,
    code: 'malformed_body',
  },
  {
    name: 'empty body',
    headers: () => ({ ...json, ...signed('form', '') }),
    body: '',
    status: 400,
    code: 'empty_body',
  },
  {
    name: 'wrong method (PUT)',
    method: 'PUT',
    headers: () => ({ ...json, ...signed('form', LEAD) }),
    body: LEAD,
    status: 405,
    code: 'method_not_allowed',
  },
  { name: 'wrong method (GET, not a Meta source)', method: 'GET', status: 405, code: 'method_not_allowed' },
];

async function send(
  row: Row,
): Promise<{ status: number; body: { error?: { code: string; message: string } }; headers: Headers }> {
  const source = row.source ?? 'form';
  const response = await fetch(`${host.url}/webhooks/${source}`, {
    method: row.method ?? 'POST',
    headers: row.headers?.() ?? {},
    ...(row.body === undefined ? {} : { body: row.body }),
  });
  const body = (await response.json()) as { error?: { code: string; message: string } };
  return { status: response.status, body, headers: response.headers };
}

/** Every message in every destination's queue and dead-letter queue: visible, in flight or delayed. */
async function queuedMessages(): Promise<number> {
  let total = 0;
  for (const queue of Object.values(host.queues)) {
    const { queue: queued, deadLetters } = await queue.depth();
    for (const depth of [queued, deadLetters]) total += depth.visible + depth.inFlight + depth.delayed;
  }
  return total;
}

describe('bad input over HTTP (docs/bad-input.md)', () => {
  it.each(ROWS)('$name: $status $code, and nothing stored or published', async (row) => {
    // Prepare
    const rowsBefore = rows.count();
    // Act
    const answer = await send(row);
    // Assess
    expect(answer.status).toBe(row.status);
    expect(answer.body.error?.code).toBe(row.code);
    expect(answer.body.error?.message).toEqual(expect.any(String));
    expect(rows.count()).toEqual(rowsBefore);
    expect(host.published).toEqual({});
    expect(await queuedMessages()).toBe(0);
  });

  it('a flood from one source: 429 rate_limited with Retry-After once its burst is spent', async () => {
    // Prepare: two unsigned requests spend the burst of 2 (and are refused 401, storing nothing).
    const rowsBefore = rows.count();
    const unsigned = { name: 'flood', source: 'flood', headers: () => json, body: LEAD, status: 0, code: '' };
    await send(unsigned);
    await send(unsigned);
    // Act
    const flooded = await send({ ...unsigned, headers: () => ({ ...json, ...signed('flood', LEAD) }) });
    // Assess
    expect(flooded.status).toBe(429);
    expect(flooded.body.error?.code).toBe('rate_limited');
    expect(Number(flooded.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(rows.count()).toEqual(rowsBefore);
    expect(host.published).toEqual({});
  });

  it('the correct request these rows break is accepted (so the rows test what they say)', async () => {
    // Prepare
    const rowsBefore = rows.count();
    // Act
    const response = await fetch(`${host.url}/webhooks/form`, {
      method: 'POST',
      headers: { ...json, ...signed('form', LEAD) },
      body: LEAD,
    });
    // Assess
    expect(response.status).toBe(202);
    expect(host.published['lead.received']).toBe(1);
    // The probes above see a stored lead: its delivery id is remembered and it waits in the queue.
    expect(rows.count().idempotency).toBe(rowsBefore.idempotency + 1);
    expect(await queuedMessages()).toBe(1);
  });
});
