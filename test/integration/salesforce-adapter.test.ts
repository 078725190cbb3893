import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RollingWindowLimiter } from '../../adapters/rate-limit.ts';
import {
  CONCURRENCY_LIMIT_RETRY_AFTER_MS,
  createSalesforceAdapter,
  DAILY_LIMIT_RETRY_AFTER_MS,
  SALESFORCE_BATCH_LIMIT,
  type SalesforceAdapterOptions,
} from '../../adapters/salesforce/adapter.ts';
import { NO_EXTERNAL_ID_REASON } from '../../adapters/salesforce/records.ts';
import { createSalesforceSandbox, type SalesforceSandboxOptions } from '../../adapters/salesforce/sandbox.ts';
import type { Outcome } from '../../functions/ports.ts';
import { buildLead, buildLeads } from '../unit/adapters/salesforce/lead-factory.ts';

interface Snapshot {
  records: { Lead?: Record<string, unknown>[] };
  requests: { apiCalls: number; upsertCalls: number; tokenRequests: number };
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

const CLIENT = { clientId: 'leadpipe-client', clientSecret: 'leadpipe-secret-value' };
const TOKEN = 'sandbox-access-token';

async function startSandbox(options: SalesforceSandboxOptions = {}) {
  const sandbox = createSalesforceSandbox({ accessTokens: [TOKEN], clients: [CLIENT], ...options });
  const server = await sandbox.listen(0);
  closers.push(server.close);
  const snapshot = async (): Promise<Snapshot> =>
    (await fetch(`${server.url}/__sandbox/records`)).json() as Promise<Snapshot>;
  return { sandbox, url: server.url, snapshot };
}

function tokenAdapter(url: string, options: Partial<SalesforceAdapterOptions> = {}) {
  return createSalesforceAdapter({ auth: { accessToken: TOKEN, instanceUrl: url }, ...options });
}

function outcomeOf(outcomes: Map<string, Outcome>, id: string): Outcome {
  const outcome = outcomes.get(id);
  if (!outcome) throw new Error(`no outcome for ${id}`);
  return outcome;
}

describe('Salesforce adapter against the sandbox', () => {
  it('creates a lead with the default field mapping and links to it', async () => {
    // Prepare
    const { url, snapshot } = await startSandbox();
    const lead = buildLead({ email: 'Ada@Example.com', utm: { campaign: 'spring' } });

    // Act
    const outcomes = await tokenAdapter(url, { fields: { 'utm.campaign': 'UTM_Campaign__c' } }).deliver([
      lead,
    ]);

    // Assess
    const outcome = outcomeOf(outcomes, lead.id);
    expect(outcome.status).toBe('delivered');
    const id = outcome.status === 'delivered' ? outcome.ref?.id : undefined;
    expect(id).toMatch(/^00Q\w{15}$/);
    expect(outcome).toEqual({ status: 'delivered', ref: { id, url: `${url}/lightning/r/Lead/${id}/view` } });
    const [record] = (await snapshot()).records.Lead ?? [];
    expect(record).toMatchObject({
      Id: id,
      Email: 'Ada@Example.com',
      Email_Key__c: 'ada@example.com',
      FirstName: 'Ada',
      LastName: 'Lovelace',
      Company: 'Analytical Engines Ltd',
      Phone: '+442071838750',
      Description: 'Please call me back',
      LeadSource: 'website',
      UTM_Campaign__c: 'spring',
    });
  });

  it('updates the same record when the same email comes again', async () => {
    // Prepare
    const { url, snapshot } = await startSandbox();
    const adapter = tokenAdapter(url);
    const first = buildLead({ email: 'grace@example.com', company: 'Navy' });
    const second = buildLead({ email: 'GRACE@example.com', company: 'Univac' });

    // Act
    const created = outcomeOf(await adapter.deliver([first]), first.id);
    const updated = outcomeOf(await adapter.deliver([second]), second.id);

    // Assess
    expect(created.status).toBe('delivered');
    expect(updated).toEqual(created);
    const leads = (await snapshot()).records.Lead ?? [];
    expect(leads).toHaveLength(1);
    expect(leads[0]).toMatchObject({ Company: 'Univac' });
  });

  it('sends two leads with one email in separate calls, so both land on one record', async () => {
    // Prepare
    const { url, snapshot } = await startSandbox();
    const first = buildLead({ email: 'twice@example.com', message: 'first' });
    const second = buildLead({ email: 'twice@example.com', message: 'second' });

    // Act
    const outcomes = await tokenAdapter(url).deliver([first, second]);

    // Assess
    expect(outcomeOf(outcomes, first.id).status).toBe('delivered');
    expect(outcomeOf(outcomes, second.id)).toEqual(outcomeOf(outcomes, first.id));
    const state = await snapshot();
    expect(state.requests.upsertCalls).toBe(2);
    expect(state.records.Lead).toHaveLength(1);
    expect(state.records.Lead?.[0]).toMatchObject({ Description: 'second' });
  });

  it.each([
    ['the default fallbacks', undefined, '[not provided]', '[not provided]'],
    ['configured fallbacks', { lastName: 'Unknown', company: 'Self-employed' }, 'Unknown', 'Self-employed'],
  ])('fills LastName and Company with %s when the lead has none', async (_, fallbacks, lastName, company) => {
    // Prepare
    const { url, snapshot } = await startSandbox();
    const lead = buildLead({ lastName: undefined, company: '  ' });

    // Act
    const outcomes = await tokenAdapter(url, fallbacks ? { fallbacks } : {}).deliver([lead]);

    // Assess
    expect(outcomeOf(outcomes, lead.id).status).toBe('delivered');
    expect((await snapshot()).records.Lead?.[0]).toMatchObject({ LastName: lastName, Company: company });
  });

  it('upserts 450 leads in 3 calls of at most 200', async () => {
    // Prepare
    const { url, snapshot } = await startSandbox();
    const leads = buildLeads(450);

    // Act
    const outcomes = await tokenAdapter(url).deliver(leads);

    // Assess
    expect([...outcomes.values()].every((outcome) => outcome.status === 'delivered')).toBe(true);
    expect(outcomes.size).toBe(450);
    const state = await snapshot();
    expect(state.requests.upsertCalls).toBe(3);
    expect(state.records.Lead).toHaveLength(450);
    expect(tokenAdapter(url).maxBatchSize).toBe(SALESFORCE_BATCH_LIMIT);
  });

  it('rejects a lead without an email without calling Salesforce', async () => {
    // Prepare
    const { url, snapshot } = await startSandbox();
    const lead = buildLead({ email: undefined });

    // Act
    const outcomes = await tokenAdapter(url).deliver([lead]);

    // Assess
    expect(outcomeOf(outcomes, lead.id)).toEqual({ status: 'rejected', reason: NO_EXTERNAL_ID_REASON });
    expect((await snapshot()).requests.upsertCalls).toBe(0);
  });

  it.each([
    {
      name: 'an invalid email',
      sandbox: {},
      lead: { email: 'ada@@example' },
      reason: 'INVALID_EMAIL_ADDRESS: Email: invalid email address: [redacted]',
    },
    {
      name: 'a missing required field',
      sandbox: { requiredFields: ['LastName', 'Company', 'Phone'] },
      lead: { phone: undefined },
      reason: 'REQUIRED_FIELD_MISSING: Required fields are missing: [Phone]',
    },
    {
      name: 'a validation rule (recordErrorRate)',
      sandbox: { faults: { recordErrorRate: 1 } },
      lead: {},
      reason:
        'FIELD_CUSTOM_VALIDATION_EXCEPTION: This lead does not meet the sandbox validation rule (injected by recordErrorRate)',
    },
  ])('rejects the lead with $name and delivers the others', async ({ sandbox, lead: overrides, reason }) => {
    // Prepare
    const { url } = await startSandbox(sandbox);
    const bad = buildLead(overrides);
    const good = buildLead();
    const everyRecordFails = 'faults' in sandbox;

    // Act
    const outcomes = await tokenAdapter(url).deliver([bad, good]);

    // Assess
    expect(outcomeOf(outcomes, bad.id)).toEqual({ status: 'rejected', reason });
    expect(outcomeOf(outcomes, good.id).status).toBe(everyRecordFails ? 'rejected' : 'delivered');
  });

  it('retries a record Salesforce could not lock, and delivers the rest', async () => {
    // Prepare
    const locked = buildLead();
    const other = buildLead();
    const { url } = await startSandbox({
      recordFault: (record) =>
        record.Email_Key__c === locked.email
          ? {
              statusCode: 'UNABLE_TO_LOCK_ROW',
              message: 'unable to obtain exclusive access to this record or 1 records: 00Q000000000001',
            }
          : undefined,
    });

    // Act
    const outcomes = await tokenAdapter(url).deliver([locked, other]);

    // Assess
    expect(outcomeOf(outcomes, locked.id)).toEqual({
      status: 'retry',
      reason:
        'UNABLE_TO_LOCK_ROW: unable to obtain exclusive access to this record or 1 records: 00Q000000000001',
    });
    expect(outcomeOf(outcomes, other.id).status).toBe('delivered');
  });

  it('splits a call that one bad record spoiled, so the good ones land', async () => {
    // Prepare
    const { url, snapshot } = await startSandbox();
    const leads = buildLeads(4);
    const spoiler = buildLead({ custom: { legacy: 'x' } });
    leads.splice(2, 0, spoiler);
    const adapter = tokenAdapter(url, { fields: { 'custom.legacy': 'Legacy__c' } });

    // Act
    const outcomes = await adapter.deliver(leads);

    // Assess
    expect(outcomeOf(outcomes, spoiler.id)).toEqual({
      status: 'rejected',
      reason: "INVALID_FIELD: No such column 'Legacy__c' on sobject of type Lead",
    });
    for (const lead of leads.filter((candidate) => candidate !== spoiler)) {
      expect(outcomeOf(outcomes, lead.id).status).toBe('delivered');
    }
    const state = await snapshot();
    expect(state.records.Lead).toHaveLength(4);
    expect(state.requests.upsertCalls).toBeGreaterThan(1);
  });

  it('does not split when the unknown field is on every record', async () => {
    // Prepare
    const { url, snapshot } = await startSandbox();
    const leads = buildLeads(3, { utm: { campaign: 'spring' } });

    // Act
    const outcomes = await tokenAdapter(url, { fields: { 'utm.campaign': 'Campaign__c' } }).deliver(leads);

    // Assess
    for (const lead of leads) {
      expect(outcomeOf(outcomes, lead.id)).toEqual({
        status: 'rejected',
        reason: "INVALID_FIELD: No such column 'Campaign__c' on sobject of type Lead",
      });
    }
    expect((await snapshot()).requests.upsertCalls).toBe(1);
  });

  it('sets the API version explicitly (jsforce would use 50.0)', async () => {
    // Prepare
    const { url } = await startSandbox({ apiVersions: ['62.0'] });
    const lead = buildLead();

    // Act
    const current = await tokenAdapter(url).deliver([lead]);
    const other = await tokenAdapter(url, { apiVersion: '63.0' }).deliver([lead]);

    // Assess
    expect(outcomeOf(current, lead.id).status).toBe('delivered');
    expect(outcomeOf(other, lead.id)).toEqual({
      status: 'rejected',
      reason: 'NOT_FOUND: The requested resource does not exist',
    });
  });

  it('blocks on an access token Salesforce refuses', async () => {
    // Prepare
    const { url } = await startSandbox();
    const lead = buildLead();
    const adapter = createSalesforceAdapter({ auth: { accessToken: 'not-the-token', instanceUrl: url } });

    // Act
    const outcomes = await adapter.deliver([lead]);

    // Assess
    expect(outcomeOf(outcomes, lead.id)).toEqual({
      status: 'blocked',
      reason: 'INVALID_SESSION_ID: Session expired or invalid',
    });
  });

  it('fetches a client-credentials token once, and again only when it expired', async () => {
    // Prepare
    let clock = Date.parse('2026-11-21T10:00:00Z');
    const { url, snapshot } = await startSandbox({ tokenTtlMs: 60_000, now: () => clock });
    const adapter = createSalesforceAdapter({ auth: { ...CLIENT, loginUrl: url } });

    // Act
    const first = await adapter.deliver([buildLead()]);
    const second = await adapter.deliver([buildLead()]);
    const afterTwo = (await snapshot()).requests.tokenRequests;
    clock += 61_000;
    const lead = buildLead();
    const third = await adapter.deliver([lead]);

    // Assess
    expect([...first.values(), ...second.values()].map((outcome) => outcome.status)).toEqual([
      'delivered',
      'delivered',
    ]);
    expect(afterTwo).toBe(1);
    expect(outcomeOf(third, lead.id).status).toBe('delivered');
    const state = await snapshot();
    expect(state.requests.tokenRequests).toBe(2);
    expect(state.requests.upsertCalls).toBe(4);
  });

  it('blocks when a freshly issued token is refused too, after one refresh', async () => {
    // Prepare
    const { url, snapshot } = await startSandbox({ tokenTtlMs: 0 });
    const lead = buildLead();
    const adapter = createSalesforceAdapter({ auth: { ...CLIENT, loginUrl: url } });

    // Act
    const outcomes = await adapter.deliver([lead]);

    // Assess
    expect(outcomeOf(outcomes, lead.id)).toEqual({
      status: 'blocked',
      reason: 'INVALID_SESSION_ID: Session expired or invalid',
    });
    const state = await snapshot();
    expect(state.requests.tokenRequests).toBe(2);
    expect(state.requests.upsertCalls).toBe(2);
  });

  it.each([
    [
      'a wrong secret',
      { ...CLIENT, clientSecret: 'wrong-secret-value' },
      'invalid_client: invalid client credentials',
    ],
    [
      'an unknown client',
      { ...CLIENT, clientId: 'someone-else' },
      'invalid_client_id: client identifier invalid',
    ],
  ])('blocks when the token endpoint refuses %s, and names no secret', async (_, credentials, expected) => {
    // Prepare
    const { url, snapshot } = await startSandbox();
    const leads = buildLeads(2);
    const adapter = createSalesforceAdapter({ auth: { ...credentials, loginUrl: url } });

    // Act
    const outcomes = await adapter.deliver(leads);

    // Assess
    for (const lead of leads) {
      const outcome = outcomeOf(outcomes, lead.id);
      expect(outcome.status).toBe('blocked');
      expect(outcome.status === 'blocked' && outcome.reason).toContain(expected);
      expect(JSON.stringify(outcome)).not.toContain(credentials.clientSecret);
    }
    expect((await snapshot()).requests.upsertCalls).toBe(0);
  });

  it('retries after a quarter of an hour when the daily request limit is spent, and stops sending', async () => {
    // Prepare
    const { url, snapshot } = await startSandbox({ dailyRequestLimit: 1 });
    const leads = buildLeads(450);

    // Act
    const outcomes = await tokenAdapter(url).deliver(leads);

    // Assess
    const statuses = leads.map((lead) => outcomeOf(outcomes, lead.id));
    expect(statuses.slice(0, 200).every((outcome) => outcome.status === 'delivered')).toBe(true);
    for (const outcome of statuses.slice(200)) {
      expect(outcome).toEqual({
        status: 'retry',
        reason: 'REQUEST_LIMIT_EXCEEDED: TotalRequests Limit exceeded.',
        retryAfterMs: DAILY_LIMIT_RETRY_AFTER_MS,
      });
    }
    const state = await snapshot();
    expect(state.requests.apiCalls).toBe(1);
    expect(state.requests.upsertCalls).toBe(2);
  });

  it.each([
    {
      name: 'throttled (403 ConcurrentPerOrgLongTxn)',
      faults: { rateLimitRate: 1 },
      expected: {
        status: 'retry',
        reason: 'REQUEST_LIMIT_EXCEEDED: ConcurrentPerOrgLongTxn Limit exceeded.',
        retryAfterMs: CONCURRENCY_LIMIT_RETRY_AFTER_MS,
      },
    },
    {
      name: 'failing with 500',
      faults: { serverErrorRate: 1 },
      expected: {
        status: 'retry',
        reason: expect.stringMatching(/^UNKNOWN_EXCEPTION: An unexpected error occurred/),
      },
    },
    {
      name: 'not answering',
      faults: { timeoutRate: 1 },
      expected: { status: 'retry', reason: 'Salesforce did not answer within 300 ms' },
    },
  ])('retries every lead when Salesforce is $name', async ({ faults, expected }) => {
    // Prepare
    const { url } = await startSandbox({ faults });
    const leads = buildLeads(3);

    // Act
    const outcomes = await tokenAdapter(url, { timeoutMs: 300 }).deliver(leads);

    // Assess
    for (const lead of leads) expect(outcomeOf(outcomes, lead.id)).toEqual(expected);
  });

  it.each([
    [
      'fails',
      { serverErrorRate: 1 },
      'Salesforce token request answered 500: ERROR_HTTP_500: no error description',
    ],
    ['does not answer', { timeoutRate: 1 }, 'Salesforce token endpoint did not answer within 300 ms'],
  ])('retries when the token endpoint %s', async (_, faults, reasonStart) => {
    // Prepare
    const { url, snapshot } = await startSandbox({ faults });
    const lead = buildLead();
    const adapter = createSalesforceAdapter({ auth: { ...CLIENT, loginUrl: url }, timeoutMs: 300 });

    // Act
    const outcome = outcomeOf(await adapter.deliver([lead]), lead.id);

    // Assess
    expect(outcome.status).toBe('retry');
    expect(outcome.status === 'retry' && outcome.reason.startsWith(reasonStart)).toBe(true);
    expect((await snapshot()).requests.upsertCalls).toBe(0);
  });

  it('blocks on a 403 that is not a limit (the org refuses API access)', async () => {
    // Prepare: Salesforce's answer for an org or user without API access
    const server = createServer((_req, res) => {
      res
        .writeHead(403, { 'content-type': 'application/json;charset=UTF-8' })
        .end(
          '[{"message":"API is not enabled for this Organization or Partner","errorCode":"API_DISABLED_FOR_ORG"}]',
        );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(
      () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    );
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const leads = buildLeads(2);

    // Act
    const outcomes = await tokenAdapter(url).deliver(leads);

    // Assess
    for (const lead of leads) {
      expect(outcomeOf(outcomes, lead.id)).toEqual({
        status: 'blocked',
        reason: 'API_DISABLED_FOR_ORG: API is not enabled for this Organization or Partner',
      });
    }
  });

  it('follows faults set over HTTP, and forgets records on DELETE', async () => {
    // Prepare
    const { url, snapshot } = await startSandbox();
    const adapter = tokenAdapter(url);
    const lead = buildLead();
    const setFaults = (faults: object) =>
      fetch(`${url}/__sandbox/faults`, { method: 'POST', body: JSON.stringify(faults) });

    // Act
    await setFaults({ serverErrorRate: 1 });
    const during = outcomeOf(await adapter.deliver([lead]), lead.id);
    await setFaults({});
    const after = outcomeOf(await adapter.deliver([lead]), lead.id);
    const before = (await snapshot()).records.Lead ?? [];
    await fetch(`${url}/__sandbox/records`, { method: 'DELETE' });

    // Assess
    expect(during.status).toBe('retry');
    expect(after.status).toBe('delivered');
    expect(before).toHaveLength(1);
    expect(await snapshot()).toEqual({
      records: {},
      requests: expect.objectContaining({ upsertCalls: 0, apiCalls: 0 }),
    });
  });

  it('works with the sandbox mounted under /sandbox/salesforce', async () => {
    // Prepare
    const sandbox = createSalesforceSandbox({ clients: [CLIENT] });
    const mount = '/sandbox/salesforce';
    const server = createServer((req, res) => {
      if (req.url?.startsWith(mount)) void sandbox.handle(req, res, mount);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(
      () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    );
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}${mount}`;
    const lead = buildLead();

    // Act
    const outcomes = await createSalesforceAdapter({ auth: { ...CLIENT, loginUrl: base } }).deliver([lead]);

    // Assess
    const outcome = outcomeOf(outcomes, lead.id);
    expect(outcome.status).toBe('delivered');
    expect(outcome.status === 'delivered' && outcome.ref?.url).toMatch(
      new RegExp(`^${base}/lightning/r/Lead/00Q\\w{15}/view$`),
    );
  });

  it('takes a slot from the rate limiter before every call', async () => {
    // Prepare
    const { url } = await startSandbox();
    const limiter = new RollingWindowLimiter({ requests: 100, perSeconds: 10 });
    const acquire = vi.spyOn(limiter, 'acquire');
    const adapter = createSalesforceAdapter({ auth: { ...CLIENT, loginUrl: url }, limiter });

    // Act
    await adapter.deliver(buildLeads(250));

    // Assess: one token request and two upserts
    expect(acquire).toHaveBeenCalledTimes(3);
  });
});
