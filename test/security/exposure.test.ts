// The vendor sandboxes hold every delivered record and take fault injection without auth, so the
// local host mounts one only when a destination uses it (its config names no URL), never beyond
// loopback, and says at start which it mounted.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type LocalHost, sandboxesToMount, startLocalHost } from '../../local/host.ts';
import { SettingsError } from '../../local/settings.ts';
import type { DestinationConfig } from '../../schemas/generated/config.ts';
import { E2E_DESTINATIONS, E2E_SECRETS, e2eConfig, resolveE2eSecret } from '../support/config.ts';

const root = join(import.meta.dirname, '..', '..');
const VENDORS = ['hubspot', 'salesforce', 'slack'] as const;

/** Every e2e destination on its vendor's real API: no sandbox is needed. */
const REAL_VENDORS = {
  hubspot: { ...E2E_DESTINATIONS.hubspot, baseUrl: 'https://api.hubapi.com' },
  salesforce: {
    ...E2E_DESTINATIONS.salesforce,
    auth: { ...E2E_DESTINATIONS.salesforce.auth, loginUrl: 'https://login.salesforce.com' },
  },
  slack: { ...E2E_DESTINATIONS.slack, baseUrl: 'https://slack.com/api/' },
} satisfies Record<string, DestinationConfig>;

/** An address that is not on this machine: a host that got as far as listening fails, never serves. */
const NOT_LOOPBACK = '192.0.2.1';

const hosts: LocalHost[] = [];
afterAll(async () => {
  for (const host of hosts) await host.end();
});

async function start(destinations: Record<string, DestinationConfig>): Promise<LocalHost> {
  const host = await startLocalHost({
    config: e2eConfig(destinations),
    port: 0,
    resolveSecret: resolveE2eSecret,
    // Nothing is sent: no vendor, real or sandbox, is called.
    deliver: false,
  });
  hosts.push(host);
  return host;
}

describe('sandboxesToMount', () => {
  it.each<{ case: string; destinations: Record<string, DestinationConfig>; mounted: string[] }>([
    { case: 'every destination on its real API', destinations: REAL_VENDORS, mounted: [] },
    { case: 'every destination with no URL', destinations: E2E_DESTINATIONS, mounted: [...VENDORS] },
    {
      case: 'only HubSpot with no URL',
      destinations: { ...REAL_VENDORS, hubspot: E2E_DESTINATIONS.hubspot },
      mounted: ['hubspot'],
    },
    {
      case: 'Salesforce by access token with no instance URL',
      destinations: { crm: { type: 'salesforce', auth: { accessToken: 'env:E2E_HUBSPOT_TOKEN' } } },
      mounted: ['salesforce'],
    },
    {
      case: 'Salesforce by access token on its instance URL',
      destinations: {
        crm: {
          type: 'salesforce',
          auth: { accessToken: 'env:E2E_HUBSPOT_TOKEN', instanceUrl: 'https://acme.my.salesforce.com' },
        },
      },
      mounted: [],
    },
    {
      case: 'two HubSpot destinations sharing the sandbox',
      destinations: { one: E2E_DESTINATIONS.hubspot, two: E2E_DESTINATIONS.hubspot },
      mounted: ['hubspot'],
    },
  ])('on loopback, with $case: mounts $mounted', ({ destinations, mounted }) => {
    // Act
    const vendors = sandboxesToMount(e2eConfig(destinations), '127.0.0.1');

    // Assess
    expect(vendors).toEqual(mounted);
  });

  it('beyond loopback mounts none, and names every destination that would need one and the field to set', () => {
    // Prepare
    const config = e2eConfig({ ...E2E_DESTINATIONS, realhubspot: REAL_VENDORS.hubspot });

    // Act
    const decide = () => sandboxesToMount(config, '0.0.0.0');

    // Assess
    expect(decide).toThrow(SettingsError);
    expect(decide).toThrow(/destinations\.hubspot\.baseUrl is not set/);
    expect(decide).toThrow(/destinations\.salesforce\.auth\.loginUrl is not set/);
    expect(decide).toThrow(/destinations\.slack\.baseUrl is not set/);
    expect(decide).not.toThrow(/realhubspot/);
    expect(sandboxesToMount(e2eConfig(REAL_VENDORS), '0.0.0.0')).toEqual([]);
  });
});

describe('the sandboxes a local host serves', () => {
  it.each([
    { method: 'GET', path: '__sandbox/records' },
    { method: 'DELETE', path: '__sandbox/records' },
    { method: 'GET', path: '__sandbox/faults' },
    { method: 'POST', path: '__sandbox/faults' },
  ])(
    'with every destination on its real API, $method /sandbox/<vendor>/$path is a JSON 404 for every vendor',
    async ({ method, path }) => {
      // Prepare
      const host = hosts[0] ?? (await start(REAL_VENDORS));

      // Act
      const answers = await Promise.all(
        VENDORS.map(async (vendor) => {
          const answer = await fetch(`${host.url}/sandbox/${vendor}/${path}`, {
            method,
            ...(method === 'POST' ? { body: '{"serverErrorRate":1}' } : {}),
          });
          return { vendor, status: answer.status, body: await answer.json() };
        }),
      );

      // Assess
      for (const answer of answers) {
        expect(answer).toEqual({
          vendor: answer.vendor,
          status: 404,
          body: { error: { code: 'not_found', message: expect.any(String) } },
        });
      }
      expect(host.sandboxes).toEqual({});
    },
  );

  it('mounts only the sandbox a destination uses', async () => {
    // Prepare
    const host = await start({ ...REAL_VENDORS, hubspot: E2E_DESTINATIONS.hubspot });

    // Act
    const statuses = await Promise.all(
      VENDORS.map(async (vendor) => {
        const answer = await fetch(`${host.url}/sandbox/${vendor}/__sandbox/records`);
        await answer.arrayBuffer();
        return [vendor, answer.status];
      }),
    );

    // Assess
    expect(Object.keys(host.sandboxes)).toEqual(['hubspot']);
    expect(Object.fromEntries(statuses)).toEqual({ hubspot: 200, salesforce: 404, slack: 404 });
  });

  it('refuses to start beyond loopback when a destination would need a sandbox, before listening', async () => {
    // Act
    const started = startLocalHost({
      config: e2eConfig({ hubspot: E2E_DESTINATIONS.hubspot, slack: REAL_VENDORS.slack }),
      port: 0,
      bindAddress: NOT_LOOPBACK,
      resolveSecret: resolveE2eSecret,
      deliver: false,
    });

    // Assess: the settings error, not the address this machine does not have.
    await expect(started).rejects.toThrow(SettingsError);
    await expect(started).rejects.toThrow(/destinations\.hubspot\.baseUrl is not set/);
  });
});

describe("npm start's banner and start checks", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  /** Runs local/main.ts on a config of `destinations` until it prints its banner or exits. */
  async function runMain(
    destinations: Record<string, DestinationConfig>,
    env: Record<string, string> = {},
  ): Promise<{ output: string; code: number | null }> {
    const dir = mkdtempSync(join(tmpdir(), 'leadpipe-exposure-'));
    dirs.push(dir);
    const configPath = join(dir, 'leadpipe.config.json');
    writeFileSync(configPath, JSON.stringify(e2eConfig(destinations)));
    const child: ChildProcess = spawn(process.execPath, [join(root, 'local', 'main.ts')], {
      cwd: dir,
      env: {
        PATH: process.env.PATH ?? '',
        PORT: '0',
        LEADPIPE_CONFIG: configPath,
        LEADPIPE_DATA_DIR: join(dir, 'data'),
        LEADPIPE_LOG_LEVEL: 'ERROR',
        ...E2E_SECRETS,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Stop with Ctrl+C')) child.kill('SIGKILL');
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    const code = await new Promise<number | null>((resolve) => child.once('exit', (exit) => resolve(exit)));
    return { output, code };
  }

  it('says no sandbox is mounted when every destination names its vendor URL', async () => {
    // Act
    const { output } = await runMain(REAL_VENDORS);

    // Assess
    expect(output).toContain('leadpipe is running on');
    expect(output).toContain('sandboxes: none mounted');
    expect(output).not.toContain('/sandbox/');
  });

  it('lists the sandboxes it mounted', async () => {
    // Act
    const { output } = await runMain({ ...REAL_VENDORS, hubspot: E2E_DESTINATIONS.hubspot });

    // Assess
    expect(output).toContain('sandboxes mounted: hubspot');
    expect(output).toMatch(/\/sandbox\/hubspot\/__sandbox\/records/);
    expect(output).not.toMatch(/\/sandbox\/(salesforce|slack)\//);
  });

  it('fails the start beyond loopback with a message naming the destination and the field, no stack', async () => {
    // Act
    const { output, code } = await runMain(E2E_DESTINATIONS, { LEADPIPE_BIND: NOT_LOOPBACK });

    // Assess
    expect(code).toBe(1);
    expect(output).toContain('destinations.salesforce.auth.loginUrl is not set');
    expect(output).not.toMatch(/\n\s+at /);
    expect(output).not.toContain('leadpipe is running');
  });
});
