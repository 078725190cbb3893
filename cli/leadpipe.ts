#!/usr/bin/env node
// The leadpipe command line. Each command lives in cli/commands/ and is listed once below.
import { parseArgs } from 'node:util';
import { LegacyDataDirError } from '../adapters/embedded/database.ts';
import { ConfigError, SecretNotFoundError } from '../functions/config/errors.ts';
import { NoLocalDataError } from '../local/embedded-store.ts';
import { loadDotEnv, SettingsError } from '../local/settings.ts';
import { dlqCommand } from './commands/dlq.ts';
import { quarantineCommand } from './commands/quarantine.ts';
import { sendCommand } from './commands/send.ts';
import { type Command, createContext } from './context.ts';
import { CliError } from './errors.ts';

const COMMANDS: Record<string, Command> = {
  send: sendCommand,
  quarantine: quarantineCommand,
  dlq: dlqCommand,
};

const usage = () =>
  [
    'Usage: leadpipe <command> [options]',
    '',
    ...Object.values(COMMANDS).map((command) => `  ${command.usage}`),
    '',
    'Environment: LEADPIPE_CONFIG (default leadpipe.config.yaml), LEADPIPE_DATA_DIR, PORT, LEADPIPE_URL,',
    'and the secrets the config references (env:NAME; .env is read when present).',
  ].join('\n');

async function main(argv: string[]): Promise<number> {
  const name = argv[0];
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) throw new CliError(`Unknown command "${name}".\n\n${usage()}`);
  const { positionals, values } = parseArgs({
    args: argv.slice(1),
    allowPositionals: true,
    options: command.flags ?? {},
  });
  loadDotEnv();
  return command.run(createContext(positionals, values));
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const known = [
      CliError,
      ConfigError,
      SettingsError,
      SecretNotFoundError,
      NoLocalDataError,
      LegacyDataDirError,
    ].some((type) => error instanceof type);
    if (known) console.error((error as Error).message);
    else if ((error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS'))
      console.error(`${(error as Error).message}\n\n${usage()}`);
    else console.error(error);
    process.exit(2);
  },
);
