import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEmbeddedStore } from '../../local/embedded-store.ts';
import { type LocalHost, startLocalHost } from '../../local/host.ts';
import { writeRuntimeInfo } from '../../local/runtime-file.ts';
import { runLeadpipe } from '../support/cli.ts';
import {
  E2E_DESTINATIONS,
  E2E_SECRETS,
  e2eConfig,
  formPayload,
  resolveE2eSecret,
} from '../support/config.ts';
import { sandboxRecords, setSandboxFaults } from '../support/sandboxes.ts';
import { waitUntil } from '../support/wait.ts';
import { createWebhookSender, type WebhookSender } from '../support/webhooks.ts';

const EMAIL = 'ada.erase@e2e.example.com';
const PHONE = '+14155550142';
const WAIT = { timeoutMs: 20_000, intervalMs: 50 };

describe('leadpipe erase against the running local host: a person in the ledger, quarantine, DLQ and both CRMs', () => {
  const config = e2eConfig({ hubspot: E2E_DESTINATIONS.hubspot, salesforce: E2E_DESTINATIONS.salesforce });
  let host: LocalHost;
  let dataDir: string;
  let configDir: string;
  let configPath: string;
  let sender: WebhookSender;
  const ids: { delivered?: string; deadLettered?: string; quarantined?: string } = {};
  let oldMessage = '';
  let erase: { code: number; stdout: string; stderr: string };

  const leadpipe = (...args: string[]) =>
    runLeadpipe(args, {
      cwd: dataDir,
      env: { LEADPIPE_DATA_DIR: dataDir, LEADPIPE_CONFIG: configPath, ...E2E_SECRETS },
    });
  const send = async (payload: Record<string, unknown>) =>
    (JSON.parse((await sender.send(payload)).body) as { leadId: string }).leadId;
  const hubspotQueue = () => {
    const queue = host.queues.hubspot;
    if (!queue) throw new Error('the host has a hubspot queue');
    return queue;
  };
  const hubspotHas = async (email: string) =>
    (await sandboxRecords.hubspot(host.url)).contacts.some((contact) => contact.properties.email === email);
  const salesforceLeadsOf = async (email: string) =>
    ((await sandboxRecords.salesforce(host.url)).records.Lead ?? []).filter(
      (lead) => String(lead.Email).toLowerCase() === email,
    );
  /** A second connection to the host's database, as the CLI opens it. */
  const withStore = async <T>(work: (store: ReturnType<typeof openEmbeddedStore>) => Promise<T>) => {
    const store = openEmbeddedStore(config, { dataDir, mustExist: true });
    try {
      return await work(store);
    } finally {
      store.close();
    }
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'leadpipe-erase-'));
    configDir = await mkdtemp(join(tmpdir(), 'leadpipe-erase-config-'));
    configPath = join(configDir, 'leadpipe.config.json');
    await writeFile(configPath, JSON.stringify(config));
    host = await startLocalHost({ config, port: 0, dataDir, resolveSecret: resolveE2eSecret });
    // As `npm start` does: how the CLI finds the host, and through it the sandboxes in its memory.
    await writeRuntimeInfo(dataDir, { pid: process.pid, url: host.url, database: host.database });
    sender = await createWebhookSender({
      baseUrl: host.url,
      config,
      source: 'form',
      resolveSecret: resolveE2eSecret,
    });

    // Delivered to both CRMs.
    ids.delivered = await send(formPayload(1, { email: EMAIL, phone: PHONE }));
    await waitUntil(
      'the lead in both CRMs',
      async () =>
        (await hubspotHas(EMAIL)) && (await salesforceLeadsOf(EMAIL)).length === 1 ? true : undefined,
      WAIT,
    );
    // Refused by HubSpot record by record (dead-lettered there), delivered to Salesforce.
    await setSandboxFaults(host.url, 'hubspot', { recordErrorRate: 1 });
    ids.deadLettered = await send(formPayload(2, { email: EMAIL, phone: PHONE }));
    await waitUntil(
      'the second lead in the HubSpot DLQ',
      async () => ((await hubspotQueue().depth()).deadLetters.visible === 1 ? true : undefined),
      WAIT,
    );
    await setSandboxFaults(host.url, 'hubspot', {});
    const [letter] = await hubspotQueue().peekDeadLetters(1);
    oldMessage = letter?.body ?? '';
    // Unmappable (the generic preset finds no contact field), but it names the person in its text.
    ids.quarantined = await send({ first_name: 'Ada', notes: `Reach me at ${EMAIL.toUpperCase()}` });
    await withStore(async (store) => {
      expect(await store.quarantine.get(ids.quarantined ?? '')).toBeDefined();
    });

    erase = await leadpipe('erase', EMAIL, '--yes', '--json');
  }, 90_000);

  afterAll(async () => {
    await host?.end();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
    if (configDir) await rm(configDir, { recursive: true, force: true });
  });

  it('reports every system, each as done, and exits 0', () => {
    // Assess
    expect(erase.stderr).toBe('');
    expect(erase.code).toBe(0);
    const report = JSON.parse(erase.stdout) as { ok: boolean; steps: Record<string, unknown>[] };
    expect(report.ok).toBe(true);
    expect(report.steps).toEqual(
      expect.arrayContaining([
        { system: 'tombstone', ok: true, hashes: 1 },
        { system: 'ledger', ok: true, leads: 2, events: expect.any(Number) },
        { system: 'quarantine', ok: true, removed: 1 },
        { system: 'queue', destination: 'hubspot', ok: true, queued: 0, deadLetters: 1 },
        { system: 'queue', destination: 'salesforce', ok: true, queued: 0, deadLetters: 0 },
        expect.objectContaining({ system: 'persons', ok: true }),
        expect.objectContaining({
          system: 'crm',
          destination: 'hubspot',
          ok: true,
          method: 'GDPR delete',
          deleted: [{ type: 'contact', id: expect.stringMatching(/^\d+$/) }],
        }),
        expect.objectContaining({
          system: 'crm',
          destination: 'salesforce',
          ok: true,
          deleted: expect.arrayContaining([{ type: 'Lead', id: expect.stringMatching(/^00Q/) }]),
        }),
      ]),
    );
  });

  it('leaves nothing of the person in the ledger, the quarantine, the DLQ or either CRM', async () => {
    // Act
    const found = await withStore(async (store) => ({
      byEmail: await store.ledger.search({ email: EMAIL }),
      byPhone: await store.ledger.search({ phone: PHONE }),
      timeline: await store.ledger.timeline(ids.delivered ?? ''),
      quarantined: await store.quarantine.get(ids.quarantined ?? ''),
    }));

    // Assess
    expect(found.byEmail.leads).toEqual([]);
    expect(found.byPhone.leads).toEqual([]);
    expect(found.timeline).toBeUndefined();
    expect(found.quarantined).toBeUndefined();
    expect((await hubspotQueue().depth()).deadLetters.visible).toBe(0);
    expect(await hubspotHas(EMAIL)).toBe(false);
    expect(await salesforceLeadsOf(EMAIL)).toEqual([]);
  });

  it('refuses to redrive an old message of the person, and the deliver engine drops it if it comes back', async () => {
    // Prepare: the old dead letter back in the DLQ, and a copy on the queue (a backup, a message in flight).
    await withStore(async (store) => {
      store.queues.send('hubspot-dlq', [oldMessage]);
    });
    const upsertsBefore = (await sandboxRecords.hubspot(host.url)).requests.upsertInputs;

    // Act
    const redrive = await leadpipe('dlq', 'redrive', 'hubspot');
    await withStore(async (store) => {
      store.queues.send('hubspot', [oldMessage]);
    });
    await waitUntil(
      'the queue to drain',
      async () => {
        const { queue } = await hubspotQueue().depth();
        return queue.visible + queue.inFlight + queue.delayed === 0 ? true : undefined;
      },
      WAIT,
    );

    // Assess
    expect(redrive.stdout).toContain(`not redriven: ${ids.deadLettered} belongs to a person erased at`);
    expect(redrive.stdout).not.toContain(EMAIL);
    expect(redrive.code).toBe(1);
    expect(await hubspotHas(EMAIL)).toBe(false);
    // Never handed to HubSpot: no upsert input since, and no attempt in the ledger.
    expect((await sandboxRecords.hubspot(host.url)).requests.upsertInputs).toBe(upsertsBefore);
    const recent = await withStore((store) =>
      store.ledger.recent({ since: new Date(Date.now() - 60_000).toISOString() }),
    );
    expect(recent.filter((event) => event.leadId === ids.deadLettered)).toEqual([]);
  });

  it('delivers a new submission from the person afterwards: a new consent', async () => {
    // Act
    const leadId = await send(formPayload(3, { email: EMAIL, phone: PHONE }));
    await waitUntil(
      'the new lead in both CRMs',
      async () =>
        (await hubspotHas(EMAIL)) && (await salesforceLeadsOf(EMAIL)).length === 1 ? true : undefined,
      WAIT,
    );

    // Assess
    const timeline = await withStore((store) => store.ledger.timeline(leadId));
    expect(timeline?.lead.destinations).toEqual({ hubspot: 'delivered', salesforce: 'delivered' });
  });
});
