import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createHubspotSandbox, type HubspotSandboxOptions } from '../../adapters/hubspot/sandbox.ts';
import type { RunningSandbox } from '../../adapters/sandbox/kit.ts';

const TOKEN = 'pat-na1-sandbox-token';
const UPSERT = '/crm/v3/objects/contacts/batch/upsert';
const open: { close(): Promise<void> }[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((running) => running.close()));
});

async function start(options: HubspotSandboxOptions = {}): Promise<RunningSandbox> {
  const running = await createHubspotSandbox({ accessTokens: [TOKEN], ...options }).listen(0);
  open.push(running);
  return running;
}

interface Records {
  contacts: { id: string; properties: Record<string, string> }[];
  requests: Record<string, number>;
}

async function readRecords(url: string): Promise<Records> {
  return (await (await fetch(`${url}/__sandbox/records`)).json()) as Records;
}

function input(email: string, properties: Record<string, unknown> = {}, traceId?: string) {
  return { idProperty: 'email', id: email, properties, ...(traceId ? { objectWriteTraceId: traceId } : {}) };
}

async function call(
  url: string,
  path: string,
  init: { method?: string; body?: unknown; token?: string | null } = {},
) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (init.token !== null) headers.authorization = `Bearer ${init.token ?? TOKEN}`;
  const response = await fetch(`${url}${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers,
    body:
      typeof init.body === 'string'
        ? init.body
        : init.body === undefined
          ? undefined
          : JSON.stringify(init.body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

describe('HubSpot sandbox: contacts batch upsert', () => {
  it('creates a contact with a numeric id and HubSpot timestamps, then updates it by email', async () => {
    // Prepare
    const { url } = await start();

    // Act
    const created = await call(url, UPSERT, {
      body: { inputs: [input('Ada@Example.com', { firstname: 'Ada' })] },
    });
    const updated = await call(url, UPSERT, {
      body: { inputs: [input('ada@example.com', { lastname: 'Lovelace' })] },
    });

    // Assess
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({
      status: 'COMPLETE',
      results: [{ new: true, archived: false, properties: { email: 'ada@example.com', firstname: 'Ada' } }],
    });
    const contact = created.body.results[0];
    expect(contact.id).toMatch(/^\d+$/);
    expect(contact.properties).toMatchObject({ hs_object_id: contact.id, createdate: expect.any(String) });
    expect(updated.body.results[0]).toMatchObject({
      id: contact.id,
      new: false,
      properties: { firstname: 'Ada', lastname: 'Lovelace' },
    });
    expect(typeof created.body.startedAt).toBe('string');
    expect(typeof created.body.completedAt).toBe('string');
  });

  it('refuses more than 100 inputs with a 400 VALIDATION_ERROR and writes nothing', async () => {
    // Prepare
    const { url } = await start();
    const inputs = Array.from({ length: 101 }, (_, i) => input(`p${i}@example.com`));

    // Act
    const refused = await call(url, UPSERT, { body: { inputs } });
    const listed = await call(url, '/crm/v3/objects/contacts');

    // Assess
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({
      status: 'error',
      category: 'VALIDATION_ERROR',
      message: expect.stringContaining('100'),
      correlationId: expect.any(String),
    });
    expect(listed.body.results).toEqual([]);
  });

  it.each([
    ['malformed JSON', '{"inputs": ['],
    ['a body without inputs', { contacts: [] }],
    ['the same email twice', { inputs: [input('a@example.com'), input('A@example.com')] }],
  ])('answers %s with a 400 VALIDATION_ERROR', async (_case, body) => {
    // Prepare
    const { url } = await start();

    // Act
    const refused = await call(url, UPSERT, { body });

    // Assess
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
  });

  it('answers per-input problems with a 207 naming each objectWriteTraceId', async () => {
    // Prepare
    const { url } = await start();
    const inputs = [
      input('good@example.com', {}, 't1'),
      input('not-an-email', {}, 't2'),
      input('ro@example.com', { hs_object_id: '1' }, 't3'),
    ];

    // Act
    const answer = await call(url, UPSERT, { body: { inputs } });

    // Assess
    expect(answer.status).toBe(207);
    expect(answer.body).toMatchObject({ status: 'COMPLETE', numErrors: 2 });
    expect(answer.body.results).toHaveLength(1);
    expect(answer.body.results[0]).toMatchObject({ objectWriteTraceId: 't1' });
    expect(answer.body.errors).toEqual([
      expect.objectContaining({
        status: 'error',
        category: 'VALIDATION_ERROR',
        message: expect.stringContaining('INVALID_EMAIL'),
        context: { objectWriteTraceId: ['t2'] },
      }),
      expect.objectContaining({
        message: expect.stringContaining('READ_ONLY_VALUE'),
        context: { objectWriteTraceId: ['t3'] },
      }),
    ]);
  });

  it.each([
    ['inputs carry no objectWriteTraceId', {}, [input('good@example.com'), input('bad')]],
    [
      'multi-status is off',
      { multiStatus: false },
      [input('good@example.com', {}, 't1'), input('bad', {}, 't2')],
    ],
  ])('fails the whole batch with one 400 when %s', async (_case, options, inputs) => {
    // Prepare
    const { url } = await start(options);

    // Act
    const refused = await call(url, UPSERT, { body: { inputs } });
    const listed = await call(url, '/crm/v3/objects/contacts');

    // Assess
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({
      category: 'VALIDATION_ERROR',
      message: expect.stringMatching(/^Property values were not valid: /),
      errors: [{ code: 'INVALID_EMAIL', context: { propertyName: ['email'] } }],
    });
    expect(listed.body.results).toEqual([]);
  });

  it('fails the share of records recordErrorRate asks for', async () => {
    // Prepare
    const { url } = await start({ faults: { recordErrorRate: 1 } });

    // Act
    const answer = await call(url, UPSERT, { body: { inputs: [input('a@example.com', {}, 't1')] } });

    // Assess
    expect(answer.status).toBe(207);
    expect(answer.body.errors[0].context).toEqual({ objectWriteTraceId: ['t1'] });
  });
});

describe('HubSpot sandbox: authentication and rate limits', () => {
  it.each([
    ['no token', null],
    ['a wrong token', 'pat-wrong'],
  ])('answers %s with 401 INVALID_AUTHENTICATION', async (_case, token) => {
    // Prepare
    const { url } = await start();

    // Act
    const refused = await call(url, UPSERT, { body: { inputs: [input('a@example.com')] }, token });

    // Assess
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({
      status: 'error',
      category: 'INVALID_AUTHENTICATION',
      message: expect.any(String),
      correlationId: expect.any(String),
    });
  });

  it('accepts any non-empty token when none are configured', async () => {
    // Prepare
    const running = await createHubspotSandbox().listen(0);
    open.push(running);

    // Act
    const answer = await call(running.url, '/crm/v3/objects/contacts', { token: 'anything' });

    // Assess
    expect(answer.status).toBe(200);
  });

  it('carries the rate-limit headers, then answers HubSpot’s 429 past the rolling window per token', async () => {
    // Prepare
    let clock = 0;
    const { url } = await start({
      rateLimit: { max: 2, intervalMs: 10_000 },
      now: () => clock,
      accessTokens: [TOKEN, 'other'],
    });

    // Act
    const first = await call(url, '/crm/v3/objects/contacts');
    await call(url, '/crm/v3/objects/contacts');
    const limited = await call(url, '/crm/v3/objects/contacts');
    const otherToken = await call(url, '/crm/v3/objects/contacts', { token: 'other' });
    clock += 10_000;
    const afterWindow = await call(url, '/crm/v3/objects/contacts');

    // Assess
    expect(first.headers.get('x-hubspot-ratelimit-max')).toBe('2');
    expect(first.headers.get('x-hubspot-ratelimit-remaining')).toBe('1');
    expect(first.headers.get('x-hubspot-ratelimit-interval-milliseconds')).toBe('10000');
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({
      status: 'error',
      message: 'You have reached your ten_secondly_rolling limit.',
      errorType: 'RATE_LIMIT',
      policyName: 'TEN_SECONDLY_ROLLING',
      correlationId: expect.any(String),
    });
    expect(limited.headers.get('x-hubspot-ratelimit-remaining')).toBe('0');
    expect(limited.headers.get('retry-after')).toBeNull();
    expect(otherToken.status).toBe(200);
    expect(afterWindow.status).toBe(200);
  });
});

describe('HubSpot sandbox: listing and reading contacts', () => {
  it('pages with limit and paging.next.after, returning the properties asked for', async () => {
    // Prepare
    const { url } = await start();
    const inputs = Array.from({ length: 5 }, (_, i) =>
      input(`p${i}@example.com`, { firstname: `P${i}`, city: 'Paris' }),
    );
    await call(url, UPSERT, { body: { inputs } });

    // Act
    const first = await call(url, '/crm/v3/objects/contacts?limit=2');
    const second = await call(url, `/crm/v3/objects/contacts?limit=2&after=${first.body.paging.next.after}`);
    const last = await call(
      url,
      `/crm/v3/objects/contacts?limit=2&after=${second.body.paging.next.after}&properties=city`,
    );

    // Assess
    expect(first.body.results.map((c: { properties: { email: string } }) => c.properties.email)).toEqual([
      'p0@example.com',
      'p1@example.com',
    ]);
    expect(first.body.results[0].properties).not.toHaveProperty('city');
    expect(Object.keys(first.body.results[0].properties).sort()).toEqual(
      ['createdate', 'email', 'firstname', 'hs_object_id', 'lastmodifieddate'].sort(),
    );
    expect(
      second.body.results.map((c: { properties: { firstname: string } }) => c.properties.firstname),
    ).toEqual(['P2', 'P3']);
    expect(last.body.results).toEqual([expect.objectContaining({ properties: { city: 'Paris' } })]);
    expect(last.body.paging).toBeUndefined();
  });

  it('reads one contact by id or by email, and answers 404 for an unknown one', async () => {
    // Prepare
    const { url } = await start();
    const created = await call(url, UPSERT, {
      body: { inputs: [input('ada@example.com', { firstname: 'Ada' })] },
    });
    const id = created.body.results[0].id;

    // Act
    const byId = await call(url, `/crm/v3/objects/contacts/${id}`);
    const byEmail = await call(
      url,
      '/crm/v3/objects/contacts/ADA%40example.com?idProperty=email&properties=firstname',
    );
    const missing = await call(url, '/crm/v3/objects/contacts/999');

    // Assess
    expect(byId.body).toMatchObject({ id, properties: { email: 'ada@example.com' }, archived: false });
    expect(byEmail.body).toMatchObject({ id, properties: { firstname: 'Ada' } });
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ status: 'error', category: 'OBJECT_NOT_FOUND' });
  });
});

describe('HubSpot sandbox: faults, records and mounting', () => {
  it('renders faults set over HTTP as HubSpot would, and counts them', async () => {
    // Prepare
    const { url } = await start();
    await fetch(`${url}/__sandbox/faults`, { method: 'POST', body: JSON.stringify({ serverErrorRate: 1 }) });

    // Act
    const failed = await call(url, UPSERT, { body: { inputs: [input('a@example.com')] } });
    await fetch(`${url}/__sandbox/faults`, {
      method: 'POST',
      body: JSON.stringify({ rateLimitRate: 1, retryAfterSeconds: 3 }),
    });
    const limited = await call(url, UPSERT, { body: { inputs: [input('a@example.com')] } });
    const records = await readRecords(url);

    // Assess
    expect(failed.status).toBe(500);
    expect(failed.body).toMatchObject({
      status: 'error',
      message: expect.any(String),
      correlationId: expect.any(String),
    });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('3');
    expect(limited.body).toMatchObject({ policyName: 'TEN_SECONDLY_ROLLING', errorType: 'RATE_LIMIT' });
    expect(records.requests).toMatchObject({ serverErrors: 1, faultRateLimited: 1, upsertCalls: 0 });
  });

  it('lists contacts and counts in records, and DELETE resets them', async () => {
    // Prepare
    const { url } = await start();
    await call(url, UPSERT, { body: { inputs: [input('a@example.com'), input('b@example.com')] } });

    // Act
    const before = await readRecords(url);
    const reset = await fetch(`${url}/__sandbox/records`, { method: 'DELETE' });
    const after = await readRecords(url);

    // Assess
    expect(before.contacts).toHaveLength(2);
    expect(before.requests).toMatchObject({ upsertCalls: 1, upsertInputs: 2, created: 2, rateLimited: 0 });
    expect(reset.status).toBe(204);
    expect(after.contacts).toEqual([]);
    expect(after.requests.upsertCalls).toBe(0);
  });

  it('serves under a base path when the local host mounts it', async () => {
    // Prepare
    const sandbox = createHubspotSandbox();
    const server = createServer((req, res) => void sandbox.handle(req, res, '/sandbox/hubspot'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    open.push({
      close: () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    });
    const { port } = server.address() as AddressInfo;

    // Act
    const answer = await call(`http://127.0.0.1:${port}/sandbox/hubspot`, UPSERT, {
      body: { inputs: [input('a@example.com')] },
    });

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.body.results).toHaveLength(1);
  });
});
