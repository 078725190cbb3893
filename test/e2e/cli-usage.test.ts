import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLeadpipe } from '../support/cli.ts';
import { E2E_DESTINATIONS, e2eConfig } from '../support/config.ts';

const REPO = join(import.meta.dirname, '..', '..');

describe('leadpipe --version, --help and typos', () => {
  let dir: string;
  let configPath: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'leadpipe-cli-usage-'));
    configPath = join(dir, 'leadpipe.config.json');
    await writeFile(configPath, JSON.stringify(e2eConfig({ hubspot: E2E_DESTINATIONS.hubspot })));
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const leadpipe = (...args: string[]) =>
    runLeadpipe(args, { cwd: dir, env: { LEADPIPE_DATA_DIR: dir, LEADPIPE_CONFIG: configPath } });

  it("prints package.json's version", async () => {
    // Prepare
    const { version } = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as { version: string };

    // Act
    const { code, stdout } = await leadpipe('--version');

    // Assess
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(version);
  });

  it.each([
    ['send', /^Usage: leadpipe send <source>/, /leadpipe send typeform/],
    ['dlq', /^Usage: leadpipe dlq list <destination>/, /leadpipe dlq list hubspot --json/],
    ['quarantine', /^Usage: leadpipe quarantine list/, /leadpipe quarantine replay --all/],
  ])(
    'prints the usage of %s with an example, for --help and for help <command>',
    async (command, usage, example) => {
      // Act
      const flag = await leadpipe(command, '--help');
      const word = await leadpipe('help', command);

      // Assess
      for (const { code, stdout } of [flag, word]) {
        expect(code).toBe(0);
        expect(stdout).toMatch(usage);
        expect(stdout).toMatch(/^Example:$/m);
        expect(stdout).toMatch(example);
      }
      expect(word.stdout).toBe(flag.stdout);
    },
  );

  it.each([
    ['a command', ['sedn', 'typeform'], 'Unknown command "sedn". Did you mean "send"?'],
    ['help for a command', ['help', 'quarantin'], 'Unknown command "quarantin". Did you mean "quarantine"?'],
    ['a dlq subcommand', ['dlq', 'lsit', 'hubspot'], 'Unknown dlq subcommand "lsit". Did you mean "list"?'],
    [
      'a quarantine subcommand',
      ['quarantine', 'replya', 'some-lead'],
      'Unknown quarantine subcommand "replya". Did you mean "replay"?',
    ],
  ])('suggests the closest name for a typo in %s, and exits 2', async (_, args, message) => {
    // Act
    const { code, stderr } = await leadpipe(...args);

    // Assess
    expect(code).toBe(2);
    expect(stderr).toContain(message);
    expect(stderr).not.toMatch(/^\s+at /m);
  });

  it('suggests nothing for a word that is no near miss', async () => {
    // Act
    const { code, stderr } = await leadpipe('deploy');

    // Assess
    expect(code).toBe(2);
    expect(stderr.trim()).toBe('Unknown command "deploy". Run leadpipe --help for the list.');
  });

  it('names the variable to set when a secret is unset, in one sentence and no stack trace', async () => {
    // Act: the config signs with env:E2E_SOURCE_SECRET, which this environment lacks (it fails
    // before any request, so the URL needs nothing listening).
    const sample = join(REPO, 'cli', 'samples', 'generic.json');
    const { code, stderr } = await leadpipe('send', 'form', sample, '--url', 'http://127.0.0.1:9');

    // Assess
    expect(code).toBe(2);
    expect(stderr.trim()).toBe(
      'Secret env:E2E_SOURCE_SECRET could not be resolved: set the environment variable E2E_SOURCE_SECRET',
    );
  });
});
