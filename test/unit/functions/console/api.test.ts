import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../../adapters/embedded/database.ts';
import { createEmbeddedLedger } from '../../../../adapters/embedded/ledger.ts';
import { createEmbeddedQuarantineStore } from '../../../../adapters/embedded/quarantine-store.ts';
import { createEmbeddedQueues } from '../../../../adapters/embedded/queues.ts';
import { destinationOverview } from '../../../../functions/console/activity.ts';
import { type ConsoleRequest, createConsoleApi } from '../../../../functions/console/api.ts';
import type { LeadpipeConfig } from '../../../../schemas/generated/config.ts';
import type { LedgerEvent } from '../../../../schemas/generated/ledger-event.ts';

const config: LeadpipeConfig = {
  sources: {
    typeform: {
      description: 'Demo requests',
      owner: 'growth@acme.example',
      verify: { scheme: 'typeform', secrets: ['env:TYPEFORM_SECRET'] },
      mapping: { preset: 'typeform' },
    },
  },
  destinations: { crm: { type: 'hubspot', accessToken: 'env:T' } },
};

describe('the console API', () => {
  let database: ReturnType<typeof openDatabase>;
  let api: ReturnType<typeof createConsoleApi>;
  const request = (method: string, path: string, extra: Partial<ConsoleRequest> = {}): ConsoleRequest => ({
    method,
    path,
    query: new URLSearchParams(),
    headers: { host: '127.0.0.1:3000' },
    actor: 'test',
    ...extra,
  });

  beforeEach(() => {
    database = openDatabase({});
    const queues = createEmbeddedQueues(database);
    queues.ensure('crm', { maxReceiveCount: 10 });
    const quarantine = createEmbeddedQuarantineStore(database);
    void quarantine.put({
      leadId: 'lead_00000000000000000000000000000001',
      source: 'typeform',
      deliveryId: 'd-1',
      receivedAt: '2026-12-02T10:00:00.000Z',
      reason: { code: 'no_contact', message: 'no email or phone' },
      contentType: 'application/octet-stream',
      headers: { 'user-agent': 'Typeform Webhooks' },
      body: Buffer.from([0xff, 0xfe, 0x00]).toString('base64'),
    });
    api = createConsoleApi({
      config,
      configVersion: { version: 'abc123', loadedAt: '2026-12-02T09:00:00.000Z' },
      host: 'local',
      baseUrl: 'http://127.0.0.1:3000',
      ledger: createEmbeddedLedger(database),
      queues: { crm: queues.deliveryQueue('crm') },
      quarantine,
      replay: async (leadId) => ({ status: 'not-found', leadId }),
      redrive: async () => ({ moved: 0, failed: 0, total: 0, errors: [] }),
    });
  });
  afterEach(() => database.close());

  it('lists the source catalog with webhook URL, scheme, owner, purpose and data class', async () => {
    // Act
    const answer = await api(request('GET', '/overview'));

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      config: { version: 'abc123' },
      liveFeed: 'sse',
      quarantine: { count: 1 },
      sources: [
        {
          name: 'typeform',
          webhookUrl: 'http://127.0.0.1:3000/webhooks/typeform',
          scheme: 'typeform',
          mapping: 'typeform',
          owner: 'growth@acme.example',
          description: 'Demo requests',
          dataClass: 'personal',
        },
      ],
      destinations: [{ name: 'crm', type: 'hubspot', queue: { visible: 0 } }],
    });
  });

  it('shows a quarantined body that is not UTF-8 as base64, and lists entries without bodies', async () => {
    const list = await api(request('GET', '/quarantine'));
    const one = await api(request('GET', '/quarantine/lead_00000000000000000000000000000001'));
    expect(JSON.stringify(list.body)).not.toContain('body');
    expect(one.body).toMatchObject({ body: { encoding: 'base64', text: '//4A' }, bytes: 3 });
  });

  it.each([
    ['GET', '/nowhere', 404, 'not_found', undefined],
    ['DELETE', '/leads', 405, 'method_not_allowed', 'GET'],
    ['GET', '/destinations/nope/dead-letters', 404, 'not_found', undefined],
    ['GET', '/leads/lead_00000000000000000000000000000009', 404, 'not_found', undefined],
    ['GET', '/feed?since=later', 400, 'invalid_query', undefined],
  ])('%s %s → %i %s', async (method, target, status, code, allow) => {
    const [path = '', search] = target.split('?');
    const answer = await api(request(method, path, { query: new URLSearchParams(search) }));
    expect(answer).toMatchObject({ status, body: { error: { code } } });
    if (allow) expect(answer.headers?.allow).toBe(allow);
  });

  it('takes actions only with a JSON object body, from the same origin', async () => {
    const json = { 'content-type': 'application/json', host: '127.0.0.1:3000' };
    const ok = await api(request('POST', '/destinations/crm/redrive', { headers: json, body: '{}' }));
    const notJson = await api(request('POST', '/destinations/crm/redrive', { body: '{}' }));
    const badIds = await api(
      request('POST', '/destinations/crm/redrive', { headers: json, body: '{"messageIds":[1]}' }),
    );
    const otherSite = await api(
      request('POST', '/destinations/crm/redrive', {
        headers: { ...json, origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
        body: '{}',
      }),
    );
    expect([ok.status, notJson.status, badIds.status, otherSite.status]).toEqual([200, 415, 400, 403]);
  });
});

describe('destinationOverview', () => {
  it('buckets the last hour of attempts per minute and keeps the latest success and failure', () => {
    // Arrange
    const now = Date.parse('2026-12-02T11:00:00.000Z');
    const attempt = (
      minutesAgo: number,
      outcome: 'delivered' | 'retry',
      destination = 'crm',
    ): LedgerEvent => ({
      leadId: `lead_${String(minutesAgo).padStart(32, '0')}`,
      at: new Date(now - minutesAgo * 60_000 + 1).toISOString(),
      kind: 'attempt',
      destination,
      attempt: 1,
      outcome,
      ...(outcome === 'retry' ? { reason: `HTTP 503 (${minutesAgo})` } : {}),
    });
    const events = [
      attempt(59, 'delivered'),
      attempt(30, 'retry'),
      attempt(2, 'retry'),
      attempt(1, 'delivered'),
      attempt(1, 'delivered', 'other'),
    ];

    // Act
    const card = destinationOverview({
      name: 'crm',
      type: 'hubspot',
      depth: {
        queue: { visible: 2, inFlight: 0, delayed: 0, oldestSentAt: now - 90_000 },
        deadLetters: { visible: 0, inFlight: 0, delayed: 0 },
      },
      events,
      since: now - 3_600_000,
      now,
    });

    // Assess
    expect(card.lastHour.delivered.reduce((a, b) => a + b)).toBe(2);
    expect(card.lastHour.failed.reduce((a, b) => a + b)).toBe(2);
    expect(card.lastHour.delivered[1]).toBe(1);
    expect(card.lastHour.delivered[59]).toBe(1);
    expect(card.lastError).toEqual({ at: events[2]?.at, reason: 'HTTP 503 (2)' });
    expect(card.lastSuccess).toBe(events[3]?.at);
    expect(card.oldestAgeSeconds).toBe(90);
  });
});
