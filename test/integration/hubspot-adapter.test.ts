import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createHubspotAdapter, type HubspotAdapterOptions } from '../../adapters/hubspot/adapter.ts';
import { createHubspotSandbox, type HubspotSandboxOptions } from '../../adapters/hubspot/sandbox.ts';
import { RollingWindowLimiter } from '../../adapters/rate-limit.ts';
import type { RunningSandbox } from '../../adapters/sandbox/kit.ts';
import { buildLead, buildLeads } from '../unit/adapters/hubspot/lead-factory.ts';

const TOKEN = 'pat-na1-sandbox-token';
const open: RunningSandbox[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((running) => running.close()));
});

async function start(
  sandboxOptions: HubspotSandboxOptions = {},
  adapterOptions: Partial<HubspotAdapterOptions> = {},
) {
  const sandbox = createHubspotSandbox({ accessTokens: [TOKEN], ...sandboxOptions });
  const running = await sandbox.listen(0);
  open.push(running);
  const adapter = createHubspotAdapter({ accessToken: TOKEN, baseUrl: running.url, ...adapterOptions });
  const records = async () => {
    const response = await fetch(`${running.url}/__sandbox/records`);
    return (await response.json()) as {
      contacts: { id: string; properties: Record<string, string> }[];
      requests: Record<string, number>;
    };
  };
  return { sandbox, running, adapter, records };
}

describe('HubSpot adapter against the sandbox, through the SDK', () => {
  it('creates contacts and answers delivered with the contact id and app URL', async () => {
    // Prepare
    const { adapter, records } = await start(
      {},
      { portalId: '999', properties: { 'utm.campaign': 'utm_campaign' } },
    );
    const lead = buildLead({ email: 'ada@example.com', utm: { campaign: 'spring' } });

    // Act
    const outcomes = await adapter.deliver([lead]);

    // Assess
    const { contacts } = await records();
    expect(contacts).toHaveLength(1);
    const contact = contacts[0];
    expect(contact?.properties).toMatchObject({
      email: 'ada@example.com',
      firstname: 'Ada',
      lastname: 'Lovelace',
      company: 'Analytical Engines Ltd',
      message: 'Please call me back',
      utm_campaign: 'spring',
    });
    expect(outcomes.get(lead.id)).toEqual({
      status: 'delivered',
      ref: { id: contact?.id, url: `https://app.hubspot.com/contacts/999/record/0-1/${contact?.id}` },
    });
    expect(contact?.id).toMatch(/^\d+$/);
  });

  it('updates the same contact when the same email arrives again, whatever its case', async () => {
    // Prepare
    const { adapter, records } = await start();
    const first = buildLead({ email: 'ada@example.com', company: 'Old Co' });
    const second = buildLead({ email: 'ADA@example.com', company: 'New Co' });

    // Act
    const firstOutcome = (await adapter.deliver([first])).get(first.id);
    const secondOutcome = (await adapter.deliver([second])).get(second.id);

    // Assess
    const { contacts, requests } = await records();
    expect(contacts).toHaveLength(1);
    expect(contacts[0]?.properties.company).toBe('New Co');
    expect(requests).toMatchObject({ created: 1, updated: 1 });
    expect(secondOutcome).toEqual(firstOutcome);
    expect(firstOutcome).toMatchObject({ status: 'delivered', ref: { id: contacts[0]?.id } });
  });

  it('merges leads with the same email in one batch into one input, each lead getting the same outcome', async () => {
    // Prepare
    const { adapter, records } = await start();
    const first = buildLead({ email: 'same@example.com', firstName: 'Ada', company: 'First Co' });
    const second = buildLead({ email: 'same@example.com', firstName: undefined, company: 'Second Co' });

    // Act
    const outcomes = await adapter.deliver([first, second]);

    // Assess
    const { contacts, requests } = await records();
    expect(requests).toMatchObject({ upsertCalls: 1, upsertInputs: 1 });
    expect(contacts[0]?.properties).toMatchObject({ firstname: 'Ada', company: 'Second Co' });
    expect(outcomes.get(first.id)).toEqual(outcomes.get(second.id));
    expect(outcomes.get(first.id)?.status).toBe('delivered');
  });

  it('sends 150 leads in two calls of at most 100', async () => {
    // Prepare
    const { adapter, records } = await start();
    const leads = buildLeads(150);

    // Act
    const outcomes = await adapter.deliver(leads);

    // Assess
    const { contacts, requests } = await records();
    expect(requests).toMatchObject({ upsertCalls: 2, upsertInputs: 150 });
    expect(contacts).toHaveLength(150);
    expect([...outcomes.values()].every((outcome) => outcome.status === 'delivered')).toBe(true);
    expect(outcomes.size).toBe(150);
  });

  it('rejects, without quoting the address, the leads a 207 names and delivers the rest', async () => {
    // Prepare
    const { adapter, records } = await start();
    const good = buildLeads(3);
    const bad = buildLead({ email: 'not-an-email@invalid' });

    // Act
    const outcomes = await adapter.deliver([...good, bad]);

    // Assess
    const rejected = outcomes.get(bad.id);
    expect(rejected).toMatchObject({ status: 'rejected' });
    expect(rejected?.status === 'rejected' && rejected.reason).toContain('INVALID_EMAIL');
    expect(JSON.stringify(rejected)).not.toContain('not-an-email');
    expect(good.map((lead) => outcomes.get(lead.id)?.status)).toEqual([
      'delivered',
      'delivered',
      'delivered',
    ]);
    const { requests } = await records();
    expect(requests).toMatchObject({ upsertCalls: 1, recordErrors: 1, created: 3 });
  });

  it('splits a batch HubSpot refuses as a whole so the good leads still land', async () => {
    // Prepare
    const { adapter, records } = await start({ multiStatus: false });
    const leads = buildLeads(8);
    const bad = buildLead({ email: 'broken@nowhere' });
    leads.splice(5, 0, bad);

    // Act
    const outcomes = await adapter.deliver(leads);

    // Assess
    const { contacts, requests } = await records();
    expect(contacts).toHaveLength(8);
    expect(outcomes.get(bad.id)).toMatchObject({ status: 'rejected' });
    expect(JSON.stringify(outcomes.get(bad.id))).not.toContain('broken@');
    expect(leads.filter((lead) => outcomes.get(lead.id)?.status === 'delivered')).toHaveLength(8);
    // 9 inputs: one refused call, then at most two calls per halving (ceil(log2 9) = 4 levels).
    expect(requests.upsertCalls).toBeLessThanOrEqual(1 + 2 * 4);
  });

  it('answers blocked on 401 and never repeats the token', async () => {
    // Prepare
    const { running } = await start();
    const adapter = createHubspotAdapter({ accessToken: 'pat-wrong-token', baseUrl: running.url });
    const lead = buildLead();

    // Act
    const outcome = (await adapter.deliver([lead])).get(lead.id);

    // Assess
    expect(outcome).toMatchObject({ status: 'blocked' });
    expect(outcome?.status === 'blocked' && outcome.reason).toContain('INVALID_AUTHENTICATION');
    expect(JSON.stringify(outcome)).not.toContain('pat-wrong-token');
  });

  it('answers retry with Retry-After on a 429 and pauses its limiter', async () => {
    // Prepare
    let clock = 1_000_000;
    const limiter = new RollingWindowLimiter({ requests: 10, perSeconds: 10, now: () => clock });
    const { adapter } = await start({ faults: { rateLimitRate: 1, retryAfterSeconds: 7 } }, { limiter });
    const leads = buildLeads(2);

    // Act
    const outcomes = await adapter.deliver(leads);

    // Assess
    expect(outcomes.get(leads[0]?.id ?? '')).toMatchObject({ status: 'retry', retryAfterMs: 7000 });
    expect(outcomes.get(leads[1]?.id ?? '')).toMatchObject({ status: 'retry', retryAfterMs: 7000 });
    expect(limiter.available).toBe(0);
    clock += 7000;
    expect(limiter.available).toBe(10);
  });

  it('waits out the rolling window when HubSpot 429s on its ten-secondly policy without Retry-After', async () => {
    // Prepare
    const { adapter, records } = await start({ rateLimit: { max: 1, intervalMs: 4000 } });
    const [first, second] = buildLeads(2);
    if (!first || !second) throw new Error('two leads expected');
    await adapter.deliver([first]);

    // Act
    const outcome = (await adapter.deliver([second])).get(second.id);

    // Assess
    expect(outcome).toMatchObject({ status: 'retry', retryAfterMs: 4000 });
    expect(outcome?.status === 'retry' && outcome.reason).toContain('ten_secondly_rolling');
    expect((await records()).requests).toMatchObject({ rateLimited: 1, upsertCalls: 1 });
  });

  it('stops after a 429 and hands the remaining chunks back for retry without calling', async () => {
    // Prepare
    const { adapter, records } = await start(
      { faults: { rateLimitRate: 1, retryAfterSeconds: 2 } },
      {
        limiter: new RollingWindowLimiter({ requests: 100, perSeconds: 10 }),
      },
    );
    const leads = buildLeads(250);

    // Act
    const outcomes = await adapter.deliver(leads);

    // Assess
    expect([...outcomes.values()].every((outcome) => outcome.status === 'retry')).toBe(true);
    expect(outcomes.size).toBe(250);
    expect((await records()).requests).toMatchObject({ faultRateLimited: 1 });
  });

  it.each([
    ['a 5xx', { serverErrorRate: 1 }, 'HubSpot 500'],
    ['a timeout', { timeoutRate: 1 }, 'did not answer within 200 ms'],
  ])('answers retry on %s', async (_case, faults, reason) => {
    // Prepare
    const { adapter } = await start({ faults }, { timeoutMs: 200 });
    const lead = buildLead();

    // Act
    const outcome = (await adapter.deliver([lead])).get(lead.id);

    // Assess
    expect(outcome).toMatchObject({ status: 'retry' });
    expect(outcome?.status === 'retry' && outcome.reason).toContain(reason);
  });

  it('answers retry when HubSpot cannot be reached', async () => {
    // Prepare
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const adapter = createHubspotAdapter({ accessToken: TOKEN, baseUrl: `http://127.0.0.1:${port}` });
    const lead = buildLead();

    // Act
    const outcome = (await adapter.deliver([lead])).get(lead.id);

    // Assess
    expect(outcome).toMatchObject({
      status: 'retry',
      reason: expect.stringContaining('could not be reached'),
    });
  });

  it('rejects leads with neither a person id nor an email (accepted before person identity) and sends nothing for them', async () => {
    // Prepare
    const { adapter, records } = await start();
    const phoneOnly = buildLead({ email: undefined, phone: '+15555550100' });

    // Act
    const outcome = (await adapter.deliver([phoneOnly])).get(phoneOnly.id);

    // Assess
    expect(outcome).toMatchObject({
      status: 'rejected',
      reason: expect.stringContaining('no person id and no email'),
    });
    expect((await records()).requests.upsertCalls).toBe(0);
  });

  it('rejects every lead when a mapped property does not exist, without splitting', async () => {
    // Prepare
    const { adapter, records } = await start(
      { multiStatus: false },
      { properties: { 'utm.campaign': 'UTM Campaign' } },
    );
    const leads = buildLeads(4, { utm: { campaign: 'spring' } });

    // Act
    const outcomes = await adapter.deliver(leads);

    // Assess
    expect([...outcomes.values()].map((outcome) => outcome.status)).toEqual([
      'rejected',
      'rejected',
      'rejected',
      'rejected',
    ]);
    expect((await records()).requests.upsertCalls).toBe(1);
  });

  it('takes a limiter slot before every call and keeps calls under the window', async () => {
    // Prepare
    let clock = 0;
    // A half-second window keeps the limiter's own sleep short; the injected clock decides when it may send.
    const limiter = new RollingWindowLimiter({ requests: 2, perSeconds: 0.5, now: () => clock });
    const { adapter, records } = await start(
      { rateLimit: { max: 2, intervalMs: 500 }, now: () => clock },
      { limiter },
    );
    const leads = buildLeads(300);

    // Act
    const delivering = adapter.deliver(leads);
    await expect.poll(async () => (await records()).requests.upsertCalls).toBe(2);
    const heldBack = limiter.available;
    clock += 500;
    const outcomes = await delivering;

    // Assess
    expect(heldBack).toBe(0);
    const { requests } = await records();
    expect(requests).toMatchObject({ upsertCalls: 3, rateLimited: 0 });
    expect([...outcomes.values()].every((outcome) => outcome.status === 'delivered')).toBe(true);
  });
});
