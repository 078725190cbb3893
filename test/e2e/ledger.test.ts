import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LedgerPage, LedgerTimeline } from '../../functions/ports.ts';
import { type LocalHost, startLocalHost } from '../../local/host.ts';
import type { LeadpipeConfig } from '../../schemas/generated/config.ts';
import { E2E_DESTINATIONS, e2eConfig, formPayload, resolveE2eSecret } from '../support/config.ts';
import { sandboxRecords, setSandboxFaults } from '../support/sandboxes.ts';
import { waitUntil } from '../support/wait.ts';
import { createWebhookSender, type WebhookSender } from '../support/webhooks.ts';

/**
 * The lead ledger through the running host, as an ops person meets it: every step of a lead's way
 * into the CRMs, searchable, through the console's JSON API, and the console's fixes (redrive a
 * dead letter, replay a quarantined payload after fixing the config file, which the host reloads).
 */
describe('the lead ledger and the console API on the local host', () => {
  let host: LocalHost;
  let dataDir: string;
  let configPath: string;
  let config: LeadpipeConfig;
  let form: WebhookSender;

  const api = async <T>(path: string, init: RequestInit = {}): Promise<{ status: number; body: T }> => {
    const response = await fetch(`${host.url}/ops/api${path}`, {
      ...init,
      headers: { authorization: `Bearer ${host.consoleToken}`, ...(init.headers as Record<string, string>) },
    });
    return { status: response.status, body: (await response.json()) as T };
  };
  const post = <T>(path: string, body: unknown = {}) =>
    api<T>(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const timelineOf = (leadId: string, until: (timeline: LedgerTimeline) => boolean) =>
    waitUntil(`the timeline of ${leadId}`, async () => {
      const { status, body } = await api<LedgerTimeline>(`/leads/${leadId}`);
      return status === 200 && until(body) ? body : undefined;
    });
  const leadIdOf = (answer: { body: string }) => (JSON.parse(answer.body) as { leadId: string }).leadId;

  /** The e2e config with a second source whose JSONata reads `contact.<emailField>`. */
  const configWith = (emailField: string): LeadpipeConfig => {
    const base = e2eConfig({ hubspot: E2E_DESTINATIONS.hubspot, salesforce: E2E_DESTINATIONS.salesforce });
    return {
      ...base,
      sources: {
        ...base.sources,
        chat: {
          description: 'The website chat bot',
          owner: 'growth@acme.example',
          dataClass: 'personal',
          verify: { scheme: 'none' },
          mapping: { jsonata: `{ "email": contact.${emailField}, "lastName": contact.name }` },
        },
      },
    };
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'leadpipe-ledger-'));
    configPath = join(dataDir, 'leadpipe.config.json');
    config = configWith('mail');
    await writeFile(configPath, JSON.stringify(config));
    host = await startLocalHost({ config, configPath, port: 0, dataDir, resolveSecret: resolveE2eSecret });
    form = await createWebhookSender({
      baseUrl: host.url,
      config,
      source: 'form',
      resolveSecret: resolveE2eSecret,
    });
  }, 30_000);

  afterAll(async () => {
    await host?.end();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps a lead whole: received, mapped, routed, and each CRM with the record it made', async () => {
    // Act
    const answer = await form.send(formPayload(1, { email: 'Jane.Doe@Acme.example' }));
    const leadId = leadIdOf(answer);
    const timeline = await timelineOf(leadId, (t) => t.lead.status === 'delivered');

    // Assess
    expect(answer.status).toBe(202);
    expect(timeline.events.map((event) => event.kind)).toEqual([
      'received',
      'mapped',
      'routed',
      'attempt',
      'attempt',
    ]);
    expect(timeline.lead).toMatchObject({
      source: 'form',
      contact: { email: 'jane.doe@acme.example', company: 'Company 00001' },
      destinations: { hubspot: 'delivered', salesforce: 'delivered' },
    });
    const received = timeline.events[0];
    expect(received).toMatchObject({ kind: 'received', contentType: 'application/json' });
    expect(JSON.stringify(received)).not.toContain('Interested in a demo');
    const hubspot = await sandboxRecords.hubspot(host.url);
    const contact = hubspot.contacts.find((c) => c.properties.email === 'jane.doe@acme.example');
    expect(timeline.events.find((e) => e.kind === 'attempt' && e.destination === 'hubspot')).toMatchObject({
      outcome: 'delivered',
      recordId: contact?.id,
    });
  });

  it('finds the lead by the email as a person types it, by its phone, and by its correlation id', async () => {
    // Arrange
    const answer = await form.send(formPayload(2, { email: 'sam@acme.example', phone: '+1 415 555 0142' }));
    const leadId = leadIdOf(answer);
    const timeline = await timelineOf(leadId, () => true);

    // Act
    const byEmail = await api<LedgerPage>(`/leads?q=${encodeURIComponent(' SAM@Acme.Example ')}`);
    const byPhone = await api<LedgerPage>(`/leads?q=${encodeURIComponent('(415) 555-0142')}`);
    const byCorrelation = await api<LedgerPage>(
      `/leads?q=${encodeURIComponent(timeline.lead.correlationId)}`,
    );
    const bad = await api<{ error: { code: string } }>('/leads?email=nobody');

    // Assess
    for (const page of [byEmail, byPhone, byCorrelation])
      expect(page.body.leads.map((l) => l.leadId)).toEqual([leadId]);
    expect(bad).toMatchObject({ status: 400, body: { error: { code: 'invalid_query' } } });
  });

  it('shows a dead-lettered lead with the vendor reason, and delivers it once the console redrives it', async () => {
    // Arrange: HubSpot refuses every record (a 207 validation error), Salesforce takes it.
    await setSandboxFaults(host.url, 'hubspot', { recordErrorRate: 1 });
    const leadId = leadIdOf(await form.send(formPayload(3)));
    const failed = await timelineOf(leadId, (t) => t.lead.destinations.hubspot === 'dead-lettered');
    await setSandboxFaults(host.url, 'hubspot', {});
    const letters = await api<{ deadLetters: { messageId: string; leadId?: string; reason?: string }[] }>(
      '/destinations/hubspot/dead-letters',
    );
    const letter = letters.body.deadLetters.find((l) => l.leadId === leadId);

    // Act
    const redrive = await post<{ moved: number }>('/destinations/hubspot/redrive', {
      messageIds: [letter?.messageId],
    });
    const fixed = await timelineOf(leadId, (t) => t.lead.status === 'delivered');

    // Assess
    expect(failed.lead.status).toBe('failed');
    const deadLettered = failed.events.find((e) => e.kind === 'dead-lettered');
    expect(deadLettered).toMatchObject({ destination: 'hubspot' });
    expect(letter?.reason).toBe((deadLettered as { reason: string }).reason);
    expect(redrive).toMatchObject({ status: 200, body: { moved: 1 } });
    const kinds = fixed.events
      .filter((e) => 'destination' in e && e.destination === 'hubspot')
      .map((e) => e.kind);
    expect(kinds).toEqual(['attempt', 'dead-lettered', 'redriven', 'attempt']);
  });

  it('replays a quarantined payload once the config file is fixed, and the host applies the fix without a restart', async () => {
    // Arrange: the chat source's mapping reads contact.mail, but the bot sends contact.email.
    const payload = { contact: { email: 'rita@acme.example', name: 'Rita Ortiz 🌵' } };
    const answer = await fetch(`${host.url}/webhooks/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload),
    });
    const { leadId, status } = (await answer.json()) as { leadId: string; status: string };
    const quarantined = await timelineOf(leadId, () => true);
    const before = host.configVersion().version;

    // Act: fix the file; the host notices on its own.
    await writeFile(configPath, JSON.stringify(configWith('email')));
    await waitUntil('the fixed config to be live', async () =>
      host.configVersion().version !== before ? true : undefined,
    );
    const overview = await api<{ config: { version: string } }>('/overview');
    const replay = await post<{ status: string }>(`/quarantine/${leadId}/replay`);
    const delivered = await timelineOf(leadId, (t) => t.lead.status === 'delivered');

    // Assess
    expect(status).toBe('quarantined');
    expect(quarantined.lead.status).toBe('quarantined');
    expect(overview.body.config.version).toBe(host.configVersion().version);
    expect(replay.body.status).toBe('replayed');
    expect(delivered.lead.contact.email).toBe('rita@acme.example');
    expect(delivered.events.map((e) => e.kind).slice(0, 5)).toEqual([
      'received',
      'quarantined',
      'replayed',
      'mapped',
      'routed',
    ]);
  });

  it('refuses an invalid config change with every problem and keeps the running config', async () => {
    // Arrange
    const before = host.configVersion();
    const broken = { ...configWith('email'), destinations: { crm: { type: 'hubspot' } } };
    await writeFile(configPath, JSON.stringify(broken));

    // Act
    const result = await host.reload();
    const stillWorks = await form.send(formPayload(4));

    // Assess
    expect(result.status).toBe('refused');
    expect(result.status === 'refused' && result.problems.join('\n')).toMatch(/accessToken/);
    expect(host.configVersion()).toEqual(before);
    expect(stillWorks.status).toBe(202);
    await writeFile(configPath, JSON.stringify(configWith('email')));
  });

  it('streams ledger events as they happen, and needs the token for everything under /ops/api', async () => {
    // Arrange
    const controller = new AbortController();
    const stream = await fetch(`${host.url}/ops/api/events`, {
      headers: { authorization: `Bearer ${host.consoleToken}` },
      signal: controller.signal,
    });
    const reader = stream.body?.getReader();
    let text = '';

    // Act
    const leadId = leadIdOf(await form.send(formPayload(5)));
    await waitUntil('the lead on the live feed', async () => {
      const chunk = await reader?.read();
      text += new TextDecoder().decode(chunk?.value);
      return text.includes(leadId) && text.includes('"kind":"routed"') ? true : undefined;
    });
    controller.abort();
    const anonymous = await fetch(`${host.url}/ops/api/overview`);
    const wrong = await fetch(`${host.url}/ops/api/overview`, { headers: { authorization: 'Bearer nope' } });
    const crossSite = await fetch(`${host.url}/ops/api/quarantine/x/replay`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${host.consoleToken}`,
        'content-type': 'application/json',
        origin: 'https://evil.example',
      },
      body: '{}',
    });
    const notJson = await post('/destinations/hubspot/redrive').then(() =>
      fetch(`${host.url}/ops/api/destinations/hubspot/redrive`, {
        method: 'POST',
        headers: { authorization: `Bearer ${host.consoleToken}`, 'content-type': 'text/plain' },
        body: 'all',
      }),
    );

    // Assess
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(text).toMatch(/event: ledger\ndata: \{/);
    expect([anonymous.status, wrong.status]).toEqual([401, 401]);
    expect((await anonymous.json()) as unknown).toMatchObject({ error: { code: 'unauthorized' } });
    expect(crossSite.status).toBe(403);
    expect(notJson.status).toBe(415);
  });

  it('counts quarantined webhooks apart from accepted ones in /metrics', async () => {
    // Act
    const metrics = await (await fetch(`${host.url}/metrics`)).text();

    // Assess
    expect(metrics).toMatch(/leadpipe_webhooks_total\{source="chat",status="quarantined"\} 1/);
    expect(metrics).toMatch(/leadpipe_webhooks_total\{source="form",status="accepted"\} [1-9]/);
  });
});
