import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetaSandboxLead } from '../../adapters/meta/sandbox.ts';
import { parseConfig } from '../../functions/config/load.ts';
import type { LedgerTimeline, SecretResolver } from '../../functions/ports.ts';
import { type LocalHost, startLocalHost } from '../../local/host.ts';
import { E2E_DESTINATIONS, E2E_SECRETS } from '../support/config.ts';
import { sandboxRecords } from '../support/sandboxes.ts';
import { waitUntil } from '../support/wait.ts';
import { createWebhookSender, type WebhookSender } from '../support/webhooks.ts';

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8'));
const WEBHOOK = fixture('meta_leadgen_webhook.json');
const GRAPH_LEAD: MetaSandboxLead = fixture('meta_lead_graph.json');
const CONTACT_CREATION = JSON.parse(
  readFileSync(new URL('../fixtures/senders/hubspot_contact_creation.json', import.meta.url), 'utf8'),
) as Record<string, unknown>[];

/** The secrets; the Page token is whatever the operator has configured at the time. */
const secrets: Record<string, string> = {
  ...E2E_SECRETS,
  META_APP_SECRET: 'meta-app-secret-e2e',
  META_PAGE_TOKEN: 'EAAGood1',
  META_VERIFY_TOKEN: 'meta-verify-token-e2e',
  HUBSPOT_APP_SECRET: 'hubspot-app-secret-e2e',
};
const resolveSecret: SecretResolver = async (ref) => {
  const value = secrets[ref.replace(/^env:/, '')];
  if (value === undefined) throw new Error(`No secret for ${ref}`);
  return value;
};

/** A Meta leadgen webhook naming `leadgenId` (the fixture's shape, one id changed). */
const leadgenWebhook = (leadgenId: string) => {
  const payload = structuredClone(WEBHOOK);
  payload.entry[0].changes[0].value.leadgen_id = leadgenId;
  return payload;
};
/** The Graph lead of the fixture under another id, email and phone: another person. */
const graphLead = (id: string, email: string): MetaSandboxLead => {
  const other: Record<string, string> = { email, phone_number: `+1415555${id.slice(0, 4)}` };
  return {
    ...GRAPH_LEAD,
    id,
    field_data: GRAPH_LEAD.field_data.map((field) =>
      other[field.name] === undefined ? field : { ...field, values: [other[field.name] as string] },
    ),
  };
};

describe('sources that send references: Meta lead ads and HubSpot contact.creation on the local host', () => {
  const config = parseConfig(
    JSON.stringify({
      settings: { phoneRegion: 'US', alerts: { destination: 'slack', channel: '#leadpipe-ops' } },
      sources: {
        'meta-ads': {
          verify: { scheme: 'meta', secrets: ['env:META_APP_SECRET'], verifyToken: 'env:META_VERIFY_TOKEN' },
          mapping: { preset: 'meta' },
          enrich: { accessToken: 'env:META_PAGE_TOKEN' },
        },
        'hubspot-contacts': {
          verify: { scheme: 'hubspot-v3', secrets: ['env:HUBSPOT_APP_SECRET'] },
          mapping: { preset: 'hubspot' },
          enrich: { accessToken: 'env:E2E_HUBSPOT_TOKEN' },
        },
      },
      destinations: { hubspot: E2E_DESTINATIONS.hubspot, slack: E2E_DESTINATIONS.slack },
    }),
    'enrich-e2e.json',
  );
  let host: LocalHost;
  let meta: WebhookSender;
  let hubspotWebhooks: WebhookSender;

  const sandbox = async (path: string, body: unknown) => {
    const response = await fetch(`${host.url}/sandbox/meta/__sandbox/${path}`, {
      method: 'POST',
      body: JSON.stringify(body),
    });
    expect(response.ok).toBe(true);
  };
  const timeline = async (leadId: string, until: (timeline: LedgerTimeline) => boolean) =>
    waitUntil(`the timeline of ${leadId}`, async () => {
      const found = await host.ledger.timeline(leadId);
      return found && until(found) ? found : undefined;
    });
  const contactWith = (email: string) =>
    waitUntil(`${email} in HubSpot`, async () => {
      const { contacts } = await sandboxRecords.hubspot(host.url);
      return contacts.find((contact) => contact.properties.email === email);
    });
  const leadIdOf = (answer: { body: string }) => (JSON.parse(answer.body) as { leadId: string }).leadId;

  beforeAll(async () => {
    host = await startLocalHost({
      config,
      port: 0,
      resolveSecret,
      deliverTiming: { backoff: { baseSeconds: 1, capSeconds: 1 }, blockedDelaySeconds: 1 },
    });
    meta = await createWebhookSender({ baseUrl: host.url, config, source: 'meta-ads', resolveSecret });
    hubspotWebhooks = await createWebhookSender({
      baseUrl: host.url,
      config,
      source: 'hubspot-contacts',
      resolveSecret,
    });
  }, 30_000);

  afterAll(async () => {
    await host?.end();
  });

  it('mounts the Graph API sandbox and an enrichment queue per sender', () => {
    // Assess
    expect(Object.keys(host.sandboxes).sort()).toEqual(['hubspot', 'meta', 'slack']);
    expect(Object.keys(host.queues)).toEqual(expect.arrayContaining(['enrich:meta', 'enrich:hubspot']));
  });

  it('accepts a signed leadgen webhook at once, fetches the lead and delivers it with the email from field_data', async () => {
    // Prepare
    await sandbox('leads', { leads: [GRAPH_LEAD] });

    // Act
    const answer = await meta.send(WEBHOOK);

    // Assess
    expect(answer.status).toBe(202);
    expect(JSON.parse(answer.body)).toMatchObject({ status: 'accepted' });
    const contact = await contactWith('dana.okafor@northwind.example');
    expect(contact.properties).toMatchObject({
      firstname: 'Dana',
      lastname: 'Okafor',
      company: 'Northwind Traders',
    });
    const steps = await timeline(leadIdOf(answer), (t) => t.lead.status === 'delivered');
    const kinds = steps.events.map((event) => event.kind);
    expect(kinds.slice(0, 4)).toEqual(['received', 'enriched', 'mapped', 'routed']);
    expect(steps.lead.contact.email).toBe('dana.okafor@northwind.example');
    expect(steps.lead.destinations['enrich:meta']).toBe('delivered');
    const mapped = steps.events.find((event) => event.kind === 'mapped');
    expect(mapped && 'fields' in mapped && mapped.fields).toEqual(
      expect.arrayContaining(['email', 'custom']),
    );
    expect(await host.ledger.search({ email: 'dana.okafor@northwind.example' })).toMatchObject({
      leads: [{ leadId: leadIdOf(answer) }],
    });
  }, 30_000);

  it('answers a repeated leadgen webhook as a duplicate and fetches nothing more', async () => {
    // Prepare
    const before = await sandboxRecords.hubspot(host.url);
    const served = async () =>
      (
        (await (await fetch(`${host.url}/sandbox/meta/__sandbox/records`)).json()) as {
          requests: { served: number };
        }
      ).requests.served;
    const servedBefore = await served();

    // Act
    const answer = await meta.send(WEBHOOK);

    // Assess
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ status: 'duplicate' });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await served()).toBe(servedBefore);
    expect((await sandboxRecords.hubspot(host.url)).requests.upsertCalls).toBe(before.requests.upsertCalls);
  });

  it('keeps a lead blocked while the Page token is expired, alerts ops, and delivers it once the token is replaced', async () => {
    // Prepare
    await sandbox('leads', { leads: [graphLead('2290384756102938', 'expired.token@northwind.example')] });
    await sandbox('tokens', { expired: ['EAAGood1'] });

    // Act 1
    const answer = await meta.send(leadgenWebhook('2290384756102938'));
    const blocked = await timeline(leadIdOf(answer), (t) => t.lead.destinations['enrich:meta'] === 'blocked');

    // Assess 1
    expect(answer.status).toBe(202);
    const step = blocked.events.find((event) => event.kind === 'enriched');
    expect(step).toMatchObject({ outcome: 'blocked' });
    expect(JSON.stringify(step)).toContain('190/463');
    const alert = await waitUntil('a credentials alert about enrich:meta', async () => {
      const { messages } = await sandboxRecords.slack(host.url);
      return messages.find(
        (message) =>
          message.channelName?.replace(/^#/, '') === 'leadpipe-ops' && /enrich:meta/.test(message.text ?? ''),
      );
    });
    expect(alert.text).not.toContain('EAAGood1');

    // Act 2: the operator replaces the secret with a fresh token.
    secrets.META_PAGE_TOKEN = 'EAAGood2';

    // Assess 2
    await contactWith('expired.token@northwind.example');
    const done = await timeline(leadIdOf(answer), (t) => t.lead.status === 'delivered');
    expect(done.events.filter((event) => event.kind === 'dead-lettered')).toEqual([]);
  }, 30_000);

  it('retries a rate-limited fetch later and delivers the lead once', async () => {
    // Prepare
    await sandbox('leads', { leads: [graphLead('3290384756102938', 'rate.limited@northwind.example')] });
    await sandbox('graph-faults', { code: 32, count: 2 });

    // Act
    const answer = await meta.send(leadgenWebhook('3290384756102938'));

    // Assess
    const done = await timeline(leadIdOf(answer), (t) => t.lead.status === 'delivered');
    const fetches = done.events.filter((event) => event.kind === 'enriched');
    expect(fetches.map((event) => 'outcome' in event && event.outcome)).toEqual([
      'retry',
      'retry',
      'fetched',
    ]);
    expect(JSON.stringify(fetches[0])).toContain('Graph error 32');
    const attempts = done.events.filter(
      (event) => event.kind === 'attempt' && event.destination === 'hubspot',
    );
    expect(attempts).toHaveLength(1);
    await contactWith('rate.limited@northwind.example');
  }, 30_000);

  it('dead-letters an unknown leadgen id with the Graph reason and alerts ops', async () => {
    // Act
    const answer = await meta.send(leadgenWebhook('4290384756102938'));

    // Assess
    expect(answer.status).toBe(202);
    const failed = await timeline(leadIdOf(answer), (t) => t.lead.status === 'failed');
    expect(failed.lead.destinations['enrich:meta']).toBe('dead-lettered');
    const queue = host.queues['enrich:meta'];
    if (!queue) throw new Error('the host has an enrich:meta queue');
    const [letter] = await queue.peekDeadLetters(10);
    expect(letter?.why?.reason).toMatch(/Graph error 100\/33 .*no such lead/);
    expect(letter?.why?.leadId).toBe(leadIdOf(answer));
    await waitUntil('a dead-letter alert about enrich:meta', async () => {
      const { messages } = await sandboxRecords.slack(host.url);
      return messages.find(
        (message) =>
          message.channelName?.replace(/^#/, '') === 'leadpipe-ops' &&
          /enrich:meta/.test(message.text ?? '') &&
          /dead/i.test(message.text ?? ''),
      );
    });
  }, 30_000);

  it('turns a HubSpot contact.creation webhook into a lead with the contact’s email', async () => {
    // Prepare: the contact exists in HubSpot, as it does when HubSpot sends contact.creation.
    const created = await fetch(`${host.url}/sandbox/hubspot/crm/v3/objects/contacts/batch/upsert`, {
      method: 'POST',
      headers: { authorization: 'Bearer pat-e2e-token', 'content-type': 'application/json' },
      body: JSON.stringify({
        inputs: [
          {
            idProperty: 'email',
            id: 'new.contact@acme.example',
            properties: { email: 'new.contact@acme.example', firstname: 'Noor', lastname: 'Haddad' },
          },
        ],
      }),
    });
    const contactId = ((await created.json()) as { results: { id: string }[] }).results[0]?.id;
    const payload = CONTACT_CREATION.map((event) => ({
      ...event,
      objectId: Number(contactId),
      eventId: 7001,
    }));

    // Act
    const answer = await hubspotWebhooks.send(payload);

    // Assess
    expect(answer.status).toBe(202);
    const done = await timeline(leadIdOf(answer), (t) => t.lead.status === 'delivered');
    expect(done.lead.contact).toMatchObject({ email: 'new.contact@acme.example', name: 'Noor Haddad' });
    expect(done.lead.destinations['enrich:hubspot']).toBe('delivered');
  }, 30_000);
});
