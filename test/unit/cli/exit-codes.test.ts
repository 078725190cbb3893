import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LegacyDataDirError } from '../../../adapters/embedded/database.ts';
import { UsageError } from '../../../cli/errors.ts';
import { CommandLineError, EXIT } from '../../../cli/exit-codes.ts';
import { failureReport } from '../../../cli/failure.ts';
import { type CliIo, runCli } from '../../../cli/program.ts';
import { ConfigError, SecretNotFoundError } from '../../../functions/config/errors.ts';
import { LedgerQueryError } from '../../../functions/ledger/search-terms.ts';
import { NoLocalDataError } from '../../../local/embedded-store.ts';
import { SettingsError } from '../../../local/settings.ts';
import { E2E_DESTINATIONS, e2eConfig } from '../../support/config.ts';

describe('failureReport', () => {
  it.each([
    [
      'an unknown option',
      new CommandLineError("error: unknown option '--jsn'\n(Did you mean --json?)", {
        code: 'commander.unknownOption',
        exitCode: 1,
        command: 'leadpipe dlq list',
      }),
      "error: unknown option '--jsn' (did you mean --json?)\nRun leadpipe dlq list --help for its usage.",
    ],
    [
      'an unknown command',
      new CommandLineError("error: unknown command 'sedn'", {
        code: 'commander.unknownCommand',
        exitCode: 1,
        command: 'leadpipe',
      }),
      "error: unknown command 'sedn'\nRun leadpipe --help for the commands.",
    ],
    [
      'a usage error',
      new UsageError('give lead ids or --all, not both', 'leadpipe quarantine replay'),
      'give lead ids or --all, not both\nRun leadpipe quarantine replay --help for its usage.',
    ],
    [
      'a missing subcommand (commander printed the help)',
      new CommandLineError('(outputHelp)', { code: 'commander.help', exitCode: 1, command: 'leadpipe dlq' }),
      '',
    ],
  ])('exits 2 for %s, with a pointer to the help', (_, error, text) => {
    expect(failureReport(error, {})).toEqual({ code: EXIT.usage, text });
  });

  it.each([
    ['no config', new ConfigError('/x/leadpipe.config.yaml', ['cannot read the config file (ENOENT)'])],
    ['a bad setting', new SettingsError('PORT must be a port number from 0 to 65535, not "x"')],
    ['no data dir', new NoLocalDataError('There is no leadpipe database in /x')],
    ['an old data dir', new LegacyDataDirError('the data dir is from an older leadpipe')],
    ['a search term that can match nothing', new LedgerQueryError('"12" is not a phone number')],
  ])('exits 2 for %s, with its own sentence', (_, error) => {
    expect(failureReport(error, {})).toEqual({ code: EXIT.usage, text: error.message });
  });

  it.each([
    [
      'unset',
      {},
      'Secret env:TYPEFORM_SECRET is not set: export TYPEFORM_SECRET=... (or put TYPEFORM_SECRET=... in .env)',
    ],
    [
      'empty',
      { TYPEFORM_SECRET: ' ' },
      'Secret env:TYPEFORM_SECRET is set but empty: export TYPEFORM_SECRET=... (or put TYPEFORM_SECRET=... in .env)',
    ],
  ])('exits 2 for an %s secret, saying how to set it, even wrapped by a library', (_, env, text) => {
    // Prepare
    const unset = new SecretNotFoundError(
      'env:TYPEFORM_SECRET',
      'set the environment variable TYPEFORM_SECRET',
    );
    const wrapped = new Error('signing failed', { cause: unset });

    // Act + Assess
    expect(failureReport(wrapped, env)).toEqual({ code: EXIT.usage, text });
  });

  it('keeps the message of a secret that only AWS resolves', () => {
    // Prepare
    const error = new SecretNotFoundError(
      'secretsmanager:leadpipe/hubspot',
      'only env:NAME references resolve locally',
    );

    // Act + Assess
    expect(failureReport(error, {})).toEqual({ code: EXIT.usage, text: error.message });
  });

  it('exits 1 for a bug, with its stack, so it can be reported', () => {
    // Act
    const report = failureReport(new TypeError('x is undefined'), {});

    // Assess
    expect(report.code).toBe(EXIT.failed);
    expect(report.text).toMatch(
      /^leadpipe failed unexpectedly \(please report it\): TypeError: x is undefined\n\s+at /,
    );
  });
});

describe('runCli exit codes', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'leadpipe-exit-codes-'));
    await writeFile(join(dir, 'good.json'), JSON.stringify(e2eConfig({ hubspot: E2E_DESTINATIONS.hubspot })));
    await writeFile(join(dir, 'bad.yaml'), 'sources: {}\ndestinations: {}\n');
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** The CLI in this process, on captured streams; env holds only what the test gives. */
  function io(env: Record<string, string> = {}) {
    const out: string[] = [];
    const err: string[] = [];
    const cli: CliIo = {
      terminal: { out: (line) => out.push(line), progress: { write: (text) => err.push(text) } },
      stdout: { write: (text) => out.push(text) },
      stderr: { write: (text) => err.push(text) },
      env: { LEADPIPE_DATA_DIR: dir, ...env },
      cwd: dir,
    };
    return { cli, out: () => out.join('\n'), err: () => err.join('') };
  }

  it.each([['--help'], ['--version'], ['help'], ['help', 'dlq', 'redrive'], ['leads', 'show', '--help']])(
    'exits 0 for %s',
    async (...args) => {
      await expect(runCli(args, io().cli)).resolves.toBe(EXIT.ok);
    },
  );

  it('documents the exit codes in --help', async () => {
    // Prepare
    const run = io();

    // Act
    await runCli(['--help'], run.cli);

    // Assess
    expect(run.out()).toMatch(
      /^Exit codes \(for scripts\):\n {2}0 {2}success\n {2}1 {2}it ran, but something failed/m,
    );
    expect(run.out()).toMatch(/^ {2}2 {2}usage or setup error/m);
  });

  it('prints the same help for `help <command...>` as for `<command...> --help`', async () => {
    // Prepare
    const word = io();
    const flag = io();

    // Act
    await runCli(['help', 'dlq', 'redrive'], word.cli);
    await runCli(['dlq', 'redrive', '--help'], flag.cli);

    // Assess
    expect(word.out()).toBe(flag.out());
    expect(word.out()).toMatch(/^Usage: leadpipe dlq redrive/);
  });

  it.each([
    ['an unknown command', ['deploy'], 'commander.unknownCommand'],
    ['an unknown option', ['config', 'check', '--jsn'], 'commander.unknownOption'],
    ['a missing argument', ['leads', 'show'], 'commander.missingArgument'],
    ['an argument too many', ['tail', 'now'], 'commander.excessArguments'],
    ['no subcommand', ['dlq'], 'commander.help'],
  ])('refuses %s with a CommandLineError (exit 2)', async (_, args, code) => {
    // Act
    const running = runCli(args, io().cli);

    // Assess
    await expect(running).rejects.toBeInstanceOf(CommandLineError);
    await expect(running).rejects.toMatchObject({ code });
  });

  it('exits 0 for a valid config and 1 for an invalid one (config check)', async () => {
    // Prepare
    const good = io();
    const bad = io();

    // Act
    const goodCode = await runCli(['config', 'check', 'good.json'], good.cli);
    const badCode = await runCli(['config', 'check', 'bad.yaml'], bad.cli);

    // Assess
    expect(goodCode).toBe(EXIT.ok);
    expect(badCode).toBe(EXIT.failed);
    expect(bad.out()).toContain('bad.yaml has 2 problems');
  });

  it('throws a usage error for a contradictory command line (exit 2)', async () => {
    await expect(runCli(['quarantine', 'replay', 'lead_1', '--all'], io().cli)).rejects.toBeInstanceOf(
      UsageError,
    );
  });
});
