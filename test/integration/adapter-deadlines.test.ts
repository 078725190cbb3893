import { afterEach, describe, expect, it } from 'vitest';
import { TIME_BUDGET_SPENT } from '../../adapters/deadline.ts';
import { createHubspotAdapter } from '../../adapters/hubspot/adapter.ts';
import { createHubspotSandbox } from '../../adapters/hubspot/sandbox.ts';
import { createSalesforceAdapter } from '../../adapters/salesforce/adapter.ts';
import { createSalesforceSandbox } from '../../adapters/salesforce/sandbox.ts';
import type { RunningSandbox } from '../../adapters/sandbox/kit.ts';
import { createSlackAdapter } from '../../adapters/slack/adapter.ts';
import { createSlackSandbox } from '../../adapters/slack/sandbox.ts';
import type { Outcome } from '../../functions/ports.ts';
import * as hubspotLeads from '../unit/adapters/hubspot/lead-factory.ts';
import * as salesforceLeads from '../unit/adapters/salesforce/lead-factory.ts';
import * as slackLeads from '../unit/adapters/slack/factories.ts';

const open: RunningSandbox[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((running) => running.close()));
});

async function listen(sandbox: { listen(port: number): Promise<RunningSandbox> }): Promise<string> {
  const running = await sandbox.listen(0);
  open.push(running);
  return running.url;
}

function statuses(outcomes: Map<string, Outcome>, ids: readonly string[]): string[] {
  return ids.map((id) => outcomes.get(id)?.status ?? 'missing');
}

describe('HubSpot adapter with a deadline', () => {
  const token = 'pat-na1-deadline';

  it('stops starting calls when too little time is left, answering retry for the rest', async () => {
    // Prepare: two calls (100 + 50 contacts) of 800 ms each, 2.2 s left: only the first fits.
    const url = await listen(createHubspotSandbox({ accessTokens: [token], faults: { latencyMs: 800 } }));
    const adapter = createHubspotAdapter({ accessToken: token, baseUrl: url });
    const leads = hubspotLeads.buildLeads(150);
    const deadline = Date.now() + 2200;

    // Act
    const outcomes = await adapter.deliver(leads, { deadline });

    // Assess
    expect(Date.now()).toBeLessThan(deadline);
    const ids = leads.map((lead) => lead.id);
    expect(statuses(outcomes, ids.slice(0, 100))).toEqual(Array(100).fill('delivered'));
    for (const id of ids.slice(100)) expect(outcomes.get(id)).toEqual(TIME_BUDGET_SPENT);
  });

  it('caps the call timeout at the time left', async () => {
    const url = await listen(createHubspotSandbox({ accessTokens: [token], faults: { latencyMs: 5000 } }));
    const adapter = createHubspotAdapter({ accessToken: token, baseUrl: url });
    const [lead] = hubspotLeads.buildLeads(1);
    if (!lead) throw new Error('no lead');
    const deadline = Date.now() + 2000;

    const outcomes = await adapter.deliver([lead], { deadline });

    expect(Date.now()).toBeLessThan(deadline);
    expect(outcomes.get(lead.id)).toMatchObject({
      status: 'retry',
      reason: expect.stringMatching(/within 1\d{3} ms/),
    });
  });

  it('sends nothing when the deadline is already too near', async () => {
    const url = await listen(createHubspotSandbox({ accessTokens: [token] }));
    const adapter = createHubspotAdapter({ accessToken: token, baseUrl: url });
    const leads = hubspotLeads.buildLeads(3);

    const outcomes = await adapter.deliver(leads, { deadline: Date.now() + 200 });

    for (const lead of leads) expect(outcomes.get(lead.id)).toEqual(TIME_BUDGET_SPENT);
    const records = (await (await fetch(`${url}/__sandbox/records`)).json()) as { contacts: unknown[] };
    expect(records.contacts).toHaveLength(0);
  });
});

describe('Salesforce adapter with a deadline', () => {
  const token = 'sf-deadline-token';

  it('stops starting calls when too little time is left, answering retry for the rest', async () => {
    // Prepare: two calls (200 + 50 records) of 800 ms each, 2.2 s left: only the first fits.
    const url = await listen(createSalesforceSandbox({ accessTokens: [token], faults: { latencyMs: 800 } }));
    const adapter = createSalesforceAdapter({ auth: { accessToken: token, instanceUrl: url } });
    const leads = salesforceLeads.buildLeads(250);
    const deadline = Date.now() + 2200;

    const outcomes = await adapter.deliver(leads, { deadline });

    expect(Date.now()).toBeLessThan(deadline);
    const ids = leads.map((lead) => lead.id);
    expect(statuses(outcomes, ids.slice(0, 200))).toEqual(Array(200).fill('delivered'));
    for (const id of ids.slice(200)) expect(outcomes.get(id)).toEqual(TIME_BUDGET_SPENT);
  });

  it('caps the call timeout at the time left', async () => {
    const url = await listen(createSalesforceSandbox({ accessTokens: [token], faults: { latencyMs: 5000 } }));
    const adapter = createSalesforceAdapter({ auth: { accessToken: token, instanceUrl: url } });
    const leads = salesforceLeads.buildLeads(2);
    const deadline = Date.now() + 2000;

    const outcomes = await adapter.deliver(leads, { deadline });

    expect(Date.now()).toBeLessThan(deadline);
    for (const lead of leads) {
      expect(outcomes.get(lead.id)).toMatchObject({
        status: 'retry',
        reason: expect.stringMatching(/did not answer within 1\d{3} ms/),
      });
    }
  });
});

describe('Slack adapter with a deadline', () => {
  const channel = '#hot-leads';

  it('posts no message it has no time for, answering retry for the rest', async () => {
    // Prepare: three single messages at one per second, 2 s left: the second would wait too long.
    const url = await listen(createSlackSandbox({ channels: [channel] }));
    const adapter = createSlackAdapter({ token: 'xoxb-deadline', channel, baseUrl: `${url}/` });
    const leads = slackLeads.buildLeads(3);
    const deadline = Date.now() + 2000;

    const outcomes = await adapter.deliver(leads, { deadline });

    expect(Date.now()).toBeLessThan(deadline);
    const [first, ...rest] = leads.map((lead) => lead.id);
    expect(outcomes.get(first ?? '')?.status).toBe('delivered');
    for (const id of rest) expect(outcomes.get(id)).toEqual(TIME_BUDGET_SPENT);
    const records = (await (await fetch(`${url}/__sandbox/records`)).json()) as { messages: unknown[] };
    expect(records.messages).toHaveLength(1);
  });

  it('caps the request timeout at the time left', async () => {
    const url = await listen(createSlackSandbox({ channels: [channel], faults: { latencyMs: 5000 } }));
    const adapter = createSlackAdapter({ token: 'xoxb-deadline', channel, baseUrl: `${url}/` });
    const leads = slackLeads.buildLeads(2);
    const deadline = Date.now() + 2000;

    const outcomes = await adapter.deliver(leads, { deadline });

    expect(Date.now()).toBeLessThan(deadline);
    expect(outcomes.get(leads[0]?.id ?? '')).toEqual({ status: 'retry', reason: 'timeout' });
    expect(outcomes.get(leads[1]?.id ?? '')).toEqual({ status: 'retry', reason: 'timeout' });
  });
});
