#!/usr/bin/env node
// The leadpipe command line. Each command lives in cli/commands/ and is listed once below.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadDotEnv } from '../local/settings.ts';
import { dlqCommand } from './commands/dlq.ts';
import { quarantineCommand } from './commands/quarantine.ts';
import { sendCommand } from './commands/send.ts';
import { type Command, createContext } from './context.ts';
import { CliError, knownError } from './errors.ts';
import { didYouMean } from './suggest.ts';

const COMMANDS: Record<string, Command> = {
  send: sendCommand,
  quarantine: quarantineCommand,
  dlq: dlqCommand,
};

const ENVIRONMENT = [
  'Environment: LEADPIPE_CONFIG (default leadpipe.config.yaml), LEADPIPE_DATA_DIR, PORT, LEADPIPE_URL,',
  'and the secrets the config references (env:NAME; .env is read when present).',
];

const usage = () =>
  [
    'Usage: leadpipe <command> [options]',
    '',
    ...Object.values(COMMANDS).map((command) => `  ${command.usage}`),
    '',
    '  help <command>                 This help for one command, with an example (or <command> --help)',
    '  --version                      The version of leadpipe',
    '',
    ...ENVIRONMENT,
  ].join('\n');

/** One command's usage and example, for `leadpipe <command> --help` and `leadpipe help <command>`. */
function commandHelp(command: Command): string {
  return [
    `Usage: leadpipe ${command.usage}`,
    '',
    'Example:',
    ...command.example.split('\n').map((line) => `  ${line}`),
    '',
    ...ENVIRONMENT,
  ].join('\n');
}

const version = (): string =>
  (JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as { version: string })
    .version;

function commandNamed(name: string): Command {
  const command = COMMANDS[name];
  if (!command) {
    throw new CliError(
      `Unknown command "${name}".${didYouMean(name, Object.keys(COMMANDS))} Run leadpipe --help for the list.`,
    );
  }
  return command;
}

async function main(argv: string[]): Promise<number> {
  const name = argv[0];
  if (!name || name === '--help' || name === '-h') {
    console.log(usage());
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-v') {
    console.log(version());
    return 0;
  }
  if (name === 'help') {
    const topic = argv[1];
    console.log(topic ? commandHelp(commandNamed(topic)) : usage());
    return 0;
  }
  const command = commandNamed(name);
  const { positionals, values } = parseArgs({
    args: argv.slice(1),
    allowPositionals: true,
    options: { ...command.flags, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log(commandHelp(command));
    return 0;
  }
  loadDotEnv();
  return command.run(createContext(positionals, values));
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const known = knownError(error);
    if (known) console.error(known.message);
    else if ((error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
      const command = COMMANDS[process.argv[2] ?? ''];
      console.error(`${(error as Error).message}\n\n${command ? commandHelp(command) : usage()}`);
    } else console.error(error);
    process.exit(2);
  },
);
