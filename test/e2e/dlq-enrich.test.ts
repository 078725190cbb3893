import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetaSandboxLead } from '../../adapters/meta/sandbox.ts';
import { parseConfig } from '../../functions/config/load.ts';
import type { SecretResolver } from '../../functions/ports.ts';
import { type LocalHost, startLocalHost } from '../../local/host.ts';
import { runLeadpipe } from '../support/cli.ts';
import { E2E_DESTINATIONS, E2E_SECRETS } from '../support/config.ts';
import { sandboxRecords } from '../support/sandboxes.ts';
import { waitUntil } from '../support/wait.ts';
import { createWebhookSender, type WebhookSender } from '../support/webhooks.ts';

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8'));
const WEBHOOK = fixture('meta_leadgen_webhook.json');
const LEADGEN_ID = '3390384756102938';
/** The fixture's Graph lead under a leadgen id the sandbox does not know until the test seeds it. */
const GRAPH_LEAD: MetaSandboxLead = { ...fixture('meta_lead_graph.json'), id: LEADGEN_ID };
const EMAIL = 'dana.okafor@northwind.example';

const secrets: Record<string, string> = {
  ...E2E_SECRETS,
  META_APP_SECRET: 'meta-app-secret-e2e',
  META_PAGE_TOKEN: 'EAAGood1',
  META_VERIFY_TOKEN: 'meta-verify-token-e2e',
};
const resolveSecret: SecretResolver = async (ref) => {
  const value = secrets[ref.replace(/^env:/, '')];
  if (value === undefined) throw new Error(`No secret for ${ref}`);
  return value;
};

describe('leadpipe dlq on the enrichment stage: a leadgen id Graph does not know, listed, then redriven', () => {
  const config = parseConfig(
    JSON.stringify({
      settings: { phoneRegion: 'US' },
      sources: {
        'meta-ads': {
          verify: { scheme: 'meta', secrets: ['env:META_APP_SECRET'], verifyToken: 'env:META_VERIFY_TOKEN' },
          mapping: { preset: 'meta' },
          enrich: { accessToken: 'env:META_PAGE_TOKEN' },
        },
      },
      destinations: { hubspot: E2E_DESTINATIONS.hubspot },
    }),
    'dlq-enrich-e2e.json',
  );
  let host: LocalHost;
  let meta: WebhookSender;
  let dataDir: string;
  let configDir: string;
  let local: { dataDir: string; configPath: string };
  let leadId: string;

  const leadpipe = (...args: string[]) =>
    runLeadpipe(args, {
      cwd: local.dataDir,
      env: { LEADPIPE_DATA_DIR: local.dataDir, LEADPIPE_CONFIG: local.configPath, ...secrets },
    });
  const stageQueue = () => {
    const queue = host.queues['enrich:meta'];
    if (!queue) throw new Error('the host has an enrich:meta queue');
    return queue;
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'leadpipe-dlq-enrich-'));
    configDir = await mkdtemp(join(tmpdir(), 'leadpipe-dlq-enrich-config-'));
    local = { dataDir, configPath: join(configDir, 'leadpipe.config.json') };
    await writeFile(local.configPath, JSON.stringify(config));
    host = await startLocalHost({ config, port: 0, dataDir, resolveSecret });
    meta = await createWebhookSender({ baseUrl: host.url, config, source: 'meta-ads', resolveSecret });
    const payload = structuredClone(WEBHOOK);
    payload.entry[0].changes[0].value.leadgen_id = LEADGEN_ID;
    const answer = await meta.send(payload);
    expect(answer.status).toBe(202);
    leadId = (JSON.parse(answer.body) as { leadId: string }).leadId;
    await waitUntil('the reference in the enrich:meta DLQ', async () =>
      (await stageQueue().depth()).deadLetters.visible === 1 ? true : undefined,
    );
  }, 60_000);

  afterAll(async () => {
    await host?.end();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
    if (configDir) await rm(configDir, { recursive: true, force: true });
  });

  it('lists the dead-lettered reference by lead id with the Graph reason', async () => {
    // Act
    const { code, stdout, stderr } = await leadpipe('dlq', 'list', 'enrich:meta');

    // Assess
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/^1 message\(s\) in the enrich:meta dead-letter queue on the local data dir/);
    expect(stdout).toMatch(new RegExp(`^${leadId}  meta-ads +\\d+  \\S+Z  .*no such lead`, 'm'));
  });

  it('names the stages among the queues it knows when the name is mistyped', async () => {
    // Act
    const { code, stderr } = await leadpipe('dlq', 'list', 'enrich:mta');

    // Assess
    expect(code).not.toBe(0);
    expect(stderr).toContain('(did you mean enrich:meta?)');
    expect(stderr).toContain('Destinations: hubspot, enrich:meta');
  });

  it('redrives it once Graph has the lead, and the lead reaches HubSpot', async () => {
    // Prepare: the lead becomes visible to the Page token.
    const seeded = await fetch(`${host.url}/sandbox/meta/__sandbox/leads`, {
      method: 'POST',
      body: JSON.stringify({ leads: [GRAPH_LEAD] }),
    });
    expect(seeded.ok).toBe(true);

    // Act
    const { code, stdout, stderr } = await leadpipe('dlq', 'redrive', 'enrich:meta');

    // Assess
    expect(code, stderr).toBe(0);
    expect(stdout).toContain('Moved 1 message(s) from the enrich:meta dead-letter queue');
    const contact = await waitUntil(`${EMAIL} in HubSpot`, async () => {
      const { contacts } = await sandboxRecords.hubspot(host.url);
      return contacts.find((found) => found.properties.email === EMAIL);
    });
    expect(contact.properties).toMatchObject({ firstname: 'Dana', lastname: 'Okafor' });
    expect((await stageQueue().depth()).deadLetters.visible).toBe(0);
  }, 30_000);
});
