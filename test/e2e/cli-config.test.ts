import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../functions/config/load.ts';
import { configVersion } from '../../local/config-watch.ts';
import { runLeadpipe } from '../support/cli.ts';
import { E2E_DESTINATIONS, e2eConfig } from '../support/config.ts';

/** Two problems the schema finds, and one the pipeline's own checks find. */
const INVALID = `sources:
  form:
    verify: { scheme: standard-webhooks, secrets: [env:E2E_SOURCE_SECRET] }
    mapping: { preset: generic }
destinations:
  hubspot: { type: hubspot, accessToken: env:E2E_HUBSPOT_TOKEN, baseUrl: "http://crm.example.com" }
  slack: { type: slack, channel: "#leads" }
`;

describe('leadpipe config check', () => {
  let dir: string;
  let validPath: string;
  let invalidPath: string;
  let version: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'leadpipe-cli-config-'));
    const config = e2eConfig({ hubspot: E2E_DESTINATIONS.hubspot, slack: E2E_DESTINATIONS.slack });
    validPath = join(dir, 'leadpipe.config.json');
    invalidPath = join(dir, 'broken.yaml');
    await writeFile(validPath, JSON.stringify(config, null, 2));
    await writeFile(invalidPath, INVALID);
    version = configVersion(parseConfig(JSON.stringify(config), 'x.json'));
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const leadpipe = (env: Record<string, string>, ...args: string[]) =>
    runLeadpipe(['config', 'check', ...args], { cwd: dir, env });

  it("passes a valid config without its secrets set, with the host's version, and names every unset variable", async () => {
    // Act: LEADPIPE_CONFIG names the file; none of its four env: variables is set; one is set empty.
    const { code, stdout, stderr } = await leadpipe({ LEADPIPE_CONFIG: validPath, E2E_SLACK_TOKEN: '' });

    // Assess
    expect(code).toBe(0);
    expect(stdout).toBe(`ok: 1 source, 2 destinations (version ${version})\n`);
    expect(stderr.trimEnd().split('\n')).toEqual([
      'warning: sources.form.verify.secrets[0]: E2E_SOURCE_SECRET is not set: export E2E_SOURCE_SECRET=... (or put E2E_SOURCE_SECRET=... in .env)',
      'warning: destinations.hubspot.accessToken: E2E_HUBSPOT_TOKEN is not set: export E2E_HUBSPOT_TOKEN=... (or put E2E_HUBSPOT_TOKEN=... in .env)',
      'warning: destinations.slack.token: E2E_SLACK_TOKEN is set but empty, so the host will not start: export E2E_SLACK_TOKEN=... (or put E2E_SLACK_TOKEN=... in .env)',
    ]);
  });

  it('reads the secrets from ./.env, as the host does', async () => {
    // Prepare
    const withEnv = await mkdtemp(join(tmpdir(), 'leadpipe-cli-config-env-'));
    await writeFile(
      join(withEnv, '.env'),
      'E2E_SOURCE_SECRET=whsec_eA==\nE2E_HUBSPOT_TOKEN=pat-x\nE2E_SLACK_TOKEN=xoxb-x\n',
    );

    // Act
    const result = await runLeadpipe(['config', 'check', validPath], { cwd: withEnv });
    await rm(withEnv, { recursive: true, force: true });

    // Assess
    expect(result).toEqual({
      code: 0,
      stdout: `ok: 1 source, 2 destinations (version ${version})\n`,
      stderr: '',
    });
  });

  it('lists every problem of an invalid config, each with its path, and exits 1', async () => {
    // Act: the file is given as an argument, relative to the working directory.
    const { code, stdout } = await leadpipe({}, 'broken.yaml');

    // Assess
    expect(code).toBe(1);
    expect(stdout.trimEnd().split('\n')).toEqual([
      `${invalidPath} has 1 problem:`,
      '  - destinations.slack: missing required property "token"',
    ]);
  });

  it('runs the checks the host runs beyond the schema (an http: CRM URL)', async () => {
    // Prepare
    const file = join(dir, 'http.yaml');
    await writeFile(file, INVALID.replace('  slack: { type: slack, channel: "#leads" }\n', ''));

    // Act
    const { code, stdout } = await leadpipe({}, file);

    // Assess
    expect(code).toBe(1);
    expect(stdout).toContain(
      'destinations.hubspot.baseUrl: http://crm.example.com is not allowed: use an https: URL',
    );
  });

  it('prints one JSON document for scripts, valid or not', async () => {
    // Act
    const valid = await leadpipe({ E2E_SOURCE_SECRET: 'x', E2E_HUBSPOT_TOKEN: 'y' }, validPath, '--json');
    const invalid = await leadpipe({}, invalidPath, '--json');

    // Assess
    expect(valid.code).toBe(0);
    expect(JSON.parse(valid.stdout)).toEqual({
      ok: true,
      file: validPath,
      version,
      sources: ['form'],
      destinations: ['hubspot', 'slack'],
      problems: [],
      warnings: [
        {
          path: 'destinations.slack.token',
          message:
            'destinations.slack.token: E2E_SLACK_TOKEN is not set: export E2E_SLACK_TOKEN=... (or put E2E_SLACK_TOKEN=... in .env)',
        },
      ],
    });
    expect(valid.stderr).toBe('');
    expect(invalid.code).toBe(1);
    expect(JSON.parse(invalid.stdout)).toEqual({
      ok: false,
      file: invalidPath,
      problems: ['destinations.slack: missing required property "token"'],
      warnings: [],
    });
  });

  it('exits 2 when there is no config to check', async () => {
    // Act
    const result = await leadpipe({}, 'missing.yaml');

    // Assess
    expect(result).toEqual({
      code: 2,
      stdout: '',
      stderr: `Cannot read the config ${join(dir, 'missing.yaml')} (ENOENT): give its path (leadpipe config check <file>) or set LEADPIPE_CONFIG.\n`,
    });
  });
});
