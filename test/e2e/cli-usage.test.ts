import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLeadpipe } from '../support/cli.ts';
import { E2E_DESTINATIONS, e2eConfig } from '../support/config.ts';

const REPO = join(import.meta.dirname, '..', '..');
/** Any escape sequence: colours, cursor moves. */
const ESCAPE = '\u001b[';

describe('leadpipe --version, --help, typos and exit codes', () => {
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

  it.each([['--version'], ['-v']])("prints package.json's version for %s", async (flag) => {
    // Prepare
    const { version } = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as { version: string };

    // Act
    const { code, stdout } = await leadpipe(flag);

    // Assess
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(version);
  });

  it('lists every command, the exit codes and the environment in --help', async () => {
    // Act
    const { code, stdout, stderr } = await leadpipe('--help');

    // Assess
    expect(code).toBe(0);
    expect(stderr).toBe('');
    for (const command of ['send', 'leads', 'tail', 'quarantine', 'dlq', 'config', 'help'])
      expect(stdout).toMatch(new RegExp(`^ {2}${command} `, 'm'));
    expect(stdout).toContain('Exit codes (for scripts):\n  0  success\n  1  it ran, but something failed');
    expect(stdout).toMatch(/^ {2}2 {2}usage or setup error/m);
    expect(stdout).toMatch(/^ {2}LEADPIPE_DATA_DIR /m);
  });

  it.each([
    [['send'], /^Usage: leadpipe send \[options\] <source> \[payload-file\]/, 'leadpipe send typeform'],
    [['leads', 'list'], /^Usage: leadpipe leads list \[options\]/, 'leadpipe leads list --source typeform'],
    [
      ['leads', 'search'],
      /^Usage: leadpipe leads search \[options\] \[text\]/,
      'leadpipe leads search ada@example.com',
    ],
    [
      ['leads', 'show'],
      /^Usage: leadpipe leads show \[options\] <lead-id>/,
      '--aws --region eu-west-1 --json',
    ],
    [['tail'], /^Usage: leadpipe tail \[options\]/, 'leadpipe tail --json'],
    [
      ['quarantine', 'replay'],
      /^Usage: leadpipe quarantine replay \[options\] \[lead-ids\.\.\.\]/,
      'leadpipe quarantine replay --all --source typeform',
    ],
    [
      ['dlq', 'list'],
      /^Usage: leadpipe dlq list \[options\] <destination>/,
      'leadpipe dlq list hubspot --json',
    ],
    [
      ['dlq', 'redrive'],
      /^Usage: leadpipe dlq redrive \[options\] <destination>/,
      'leadpipe dlq redrive hubspot --aws',
    ],
    [
      ['config', 'check'],
      /^Usage: leadpipe config check \[options\] \[file\]/,
      'leadpipe config check ./staging.config.yaml --json',
    ],
    [
      ['dlq'],
      /^Usage: leadpipe dlq <list\|show\|redrive> <destination> \[options\]/,
      'leadpipe dlq show hubspot --json',
    ],
  ])(
    'prints the usage of %s with examples, the same for --help and for help <command>',
    async (command, usage, example) => {
      // Act
      const flag = await leadpipe(...command, '--help');
      const word = await leadpipe('help', ...command);

      // Assess
      for (const { code, stdout } of [flag, word]) {
        expect(code).toBe(0);
        expect(stdout).toMatch(usage);
        expect(stdout).toMatch(/^Examples:$/m);
        expect(stdout).toContain(example);
      }
      expect(word.stdout).toBe(flag.stdout);
    },
  );

  it.each([
    [
      'a command',
      ['sedn', 'typeform'],
      "error: unknown command 'sedn' (did you mean send?)",
      'leadpipe --help',
    ],
    [
      'help for a command',
      ['help', 'quarantin'],
      "error: unknown command 'quarantin' (did you mean quarantine?)",
      'leadpipe --help',
    ],
    [
      'help for a subcommand',
      ['help', 'dlq', 'redirve'],
      "error: unknown command 'redirve' (did you mean redrive?)",
      'leadpipe dlq --help',
    ],
    [
      'a dlq subcommand',
      ['dlq', 'lsit', 'hubspot'],
      "error: unknown command 'lsit' (did you mean list?)",
      'leadpipe dlq --help',
    ],
    [
      'a quarantine subcommand',
      ['quarantine', 'replya', 'some-lead'],
      "error: unknown command 'replya' (did you mean replay?)",
      'leadpipe quarantine --help',
    ],
    [
      'an option',
      ['dlq', 'list', 'hubspot', '--jsn'],
      "error: unknown option '--jsn' (did you mean --json?)",
      'leadpipe dlq list --help',
    ],
  ])(
    'suggests the closest name for a typo in %s, in one line with the help to read, and exits 2',
    async (_, args, message, help) => {
      // Act
      const { code, stdout, stderr } = await leadpipe(...args);

      // Assess
      expect(code).toBe(2);
      expect(stdout).toBe('');
      const usage =
        help.split(' ').length > 2 ? `Run ${help} for its usage.` : `Run ${help} for the commands.`;
      expect(stderr).toBe(`${message}\n${usage}\n`);
    },
  );

  it.each([
    [
      'a word that is no near miss',
      ['deploy'],
      "error: unknown command 'deploy'\nRun leadpipe --help for the commands.\n",
    ],
    [
      'a missing argument',
      ['leads', 'show'],
      "error: missing required argument 'lead-id'\nRun leadpipe leads show --help for its usage.\n",
    ],
    [
      'an argument too many',
      ['tail', 'now'],
      "error: too many arguments for 'tail'. Expected 0 arguments but got 1: now.\nRun leadpipe tail --help for its usage.\n",
    ],
    [
      'an option without its value',
      ['leads', 'list', '--limit'],
      "error: option '--limit <n>' argument missing\nRun leadpipe leads list --help for its usage.\n",
    ],
    [
      'a bad value',
      ['leads', 'list', '--limit', 'ten'],
      '--limit must be a whole number >= 1, not "ten"\nRun leadpipe leads list --help for its usage.\n',
    ],
    [
      'contradictory arguments',
      ['quarantine', 'replay', 'lead_1', '--all'],
      'give lead ids or --all, not both\nRun leadpipe quarantine replay --help for its usage.\n',
    ],
  ])('refuses %s with exit 2, the error and the help to read', async (_, args, stderr) => {
    // Act
    const result = await leadpipe(...args);

    // Assess
    expect(result).toEqual({ code: 2, stdout: '', stderr });
  });

  it.each([[[]], [['dlq']], [['leads']]])(
    'prints the help on stderr and exits 2 when %j is given no command',
    async (args) => {
      // Act
      const { code, stdout, stderr } = await leadpipe(...args);

      // Assess
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toMatch(/^Usage: leadpipe/);
    },
  );

  it('names the variable to set when a secret is unset, and how, with no stack trace', async () => {
    // Act: the config signs with env:E2E_SOURCE_SECRET, which this environment lacks (it fails
    // before any request, so the URL needs nothing listening).
    const sample = join(REPO, 'cli', 'samples', 'generic.json');
    const { code, stderr } = await leadpipe('send', 'form', sample, '--url', 'http://127.0.0.1:9');

    // Assess
    expect(code).toBe(2);
    expect(stderr).toBe(
      'Secret env:E2E_SOURCE_SECRET is not set: export E2E_SOURCE_SECRET=... (or put E2E_SOURCE_SECRET=... in .env)\n',
    );
  });

  it('suggests a source that is a near miss', async () => {
    // Act
    const { code, stderr } = await leadpipe('send', 'from', '--url', 'http://127.0.0.1:9');

    // Assess
    expect(code).toBe(2);
    expect(stderr.trim()).toBe('No source named "from" in the config (did you mean form?). Sources: form');
  });

  it('exits 2 saying how to start one when no host runs on the data dir (tail)', async () => {
    // Act
    const result = await leadpipe('tail');

    // Assess
    expect(result).toEqual({
      code: 2,
      stdout: '',
      stderr: `leadpipe is not running on ${dir} (no runtime.json): start it with npm start, or point LEADPIPE_DATA_DIR at the data dir it runs on.\n`,
    });
  });

  it('prints no colours when piped, and colours when FORCE_COLOR asks for them', async () => {
    // Act
    const piped = await leadpipe('--help');
    const forced = await runLeadpipe(['--help'], { cwd: dir, env: { FORCE_COLOR: '1' } });

    // Assess
    expect(piped.stdout).not.toContain(ESCAPE);
    expect(forced.stdout).toContain(`${ESCAPE}1mUsage:`);
  });
});
