// `leadpipe setup hubspot` end to end: the real CLI, in its own process, against a HubSpot sandbox
// that starts like a new portal, then against the running local host's own sandbox.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHubspotAdapter } from '../../adapters/hubspot/adapter.ts';
import { createHubspotSandbox } from '../../adapters/hubspot/sandbox.ts';
import type { RunningSandbox } from '../../adapters/sandbox/kit.ts';
import { type LocalHost, startLocalHost } from '../../local/host.ts';
import { writeRuntimeInfo } from '../../local/runtime-file.ts';
import { runLeadpipe } from '../support/cli.ts';
import { E2E_DESTINATIONS, E2E_SECRETS, e2eConfig, resolveE2eSecret } from '../support/config.ts';
import { buildLead } from '../unit/adapters/hubspot/lead-factory.ts';

const TOKEN = E2E_SECRETS.E2E_HUBSPOT_TOKEN as string;

describe('leadpipe setup hubspot', () => {
  let dataDir: string;
  let portal: RunningSandbox;
  let portalConfig: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'leadpipe-setup-hubspot-'));
    // A new portal: only HubSpot's own properties.
    portal = await createHubspotSandbox({ accessTokens: [TOKEN], installed: {} }).listen(0);
    portalConfig = join(dataDir, 'portal.config.json');
    await writeFile(
      portalConfig,
      JSON.stringify(e2eConfig({ crm: { ...E2E_DESTINATIONS.hubspot, baseUrl: portal.url } as never })),
    );
  });

  afterAll(async () => {
    await portal?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const run = (args: string[], configPath: string) =>
    runLeadpipe(['setup', 'hubspot', ...args], {
      cwd: tmpdir(),
      env: { LEADPIPE_DATA_DIR: dataDir, LEADPIPE_CONFIG: configPath, E2E_HUBSPOT_TOKEN: TOKEN },
    });

  it('checks a new portal, creates what is missing, then finds it all already there', async () => {
    // Prepare
    const lead = buildLead({ personId: 'person_00000000000000000000000000000001' });
    const adapter = createHubspotAdapter({ accessToken: TOKEN, baseUrl: portal.url });
    const before = (await adapter.deliver([lead])).get(lead.id);

    // Act
    const checked = await run(['--check'], portalConfig);
    const created = await run([], portalConfig);
    const again = await run([], portalConfig);
    const checkedAgain = await run(['--check', '--destination', 'crm'], portalConfig);
    const after = (await adapter.deliver([lead])).get(lead.id);

    // Assess
    expect(before?.status).toBe('blocked');
    expect(checked.code).toBe(1);
    expect(checked.stdout).toContain('property leadpipe_person_id: missing');
    expect(checked.stdout).toMatch(/not ready: 0 created, 1 already there, 14 missing/);
    expect(created.code).toBe(0);
    expect(created.stdout).toContain('group leadpipe: created');
    expect(created.stdout).toContain('property leadpipe_person_id: created');
    expect(created.stdout).toContain('ok: 14 created, 1 already there');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('ok: 0 created, 15 already there');
    expect(again.stdout).not.toContain(': created');
    expect(checkedAgain.code).toBe(0);
    expect(after).toMatchObject({ status: 'delivered' });
    const unique = await fetch(`${portal.url}/crm/v3/properties/contacts/leadpipe_person_id`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(await unique.json()).toMatchObject({ hasUniqueValue: true, groupName: 'leadpipe' });
  });

  it('fails with exit 1 and HubSpot’s reason, never the token, when the token is refused', async () => {
    // Prepare
    const env = { LEADPIPE_DATA_DIR: dataDir, LEADPIPE_CONFIG: portalConfig, E2E_HUBSPOT_TOKEN: 'pat-wrong' };

    // Act
    const refused = await runLeadpipe(['setup', 'hubspot'], { cwd: tmpdir(), env });

    // Assess
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('INVALID_AUTHENTICATION');
    expect(`${refused.stdout}${refused.stderr}`).not.toContain('pat-wrong');
  });

  it('answers a usage error (exit 2) for a destination the config lacks', async () => {
    // Act
    const refused = await run(['--destination', 'nope'], portalConfig);

    // Assess
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('No HubSpot destination "nope"');
  });

  describe('against the local host', () => {
    let host: LocalHost | undefined;
    let hostConfig: string;

    beforeAll(async () => {
      const config = e2eConfig({ hubspot: E2E_DESTINATIONS.hubspot });
      hostConfig = join(dataDir, 'host.config.json');
      await writeFile(hostConfig, JSON.stringify(config));
    });

    afterAll(async () => {
      await host?.end();
    });

    it('says the host is not running (exit 2) when the destination has no baseUrl and no host runs', async () => {
      // Act
      const refused = await run(['--check'], hostConfig);

      // Assess
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('baseUrl is not set');
      expect(refused.stderr).toContain('npm start');
    });

    it("finds everything already there in the running host's own sandbox", async () => {
      // Prepare
      const config = e2eConfig({ hubspot: E2E_DESTINATIONS.hubspot });
      host = await startLocalHost({ config, port: 0, dataDir, resolveSecret: resolveE2eSecret });
      await writeRuntimeInfo(dataDir, { pid: process.pid, url: host.url, database: host.database });

      // Act
      const checked = await run(['--check'], hostConfig);

      // Assess
      expect(checked.code).toBe(0);
      expect(checked.stdout).toContain(`${host.url}/sandbox/hubspot`);
      expect(checked.stdout).toContain('ok: 0 created, 15 already there');
    });
  });
});
