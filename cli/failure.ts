import { LegacyDataDirError } from '../adapters/embedded/database.ts';
import { ConfigError, SecretNotFoundError } from '../functions/config/errors.ts';
import { LedgerQueryError } from '../functions/ledger/search-terms.ts';
import { NoLocalDataError } from '../local/embedded-store.ts';
import { SettingsError } from '../local/settings.ts';
import { CliError, UsageError } from './errors.ts';
import { CommandLineError, EXIT, type ExitCode } from './exit-codes.ts';
import { secretAdvice } from './secrets.ts';

/** Errors whose message already says what to set or fix: the CLI prints the message alone. */
const KNOWN_ERRORS = [
  CliError,
  ConfigError,
  SettingsError,
  SecretNotFoundError,
  NoLocalDataError,
  LegacyDataDirError,
  LedgerQueryError,
];

/**
 * The error, or the first error in its `cause` chain, that the person at the terminal can act on
 * (an unset secret wrapped by a library is still an unset secret); undefined for a bug.
 */
export function knownError(error: unknown): Error | undefined {
  const seen = new Set<unknown>();
  for (let current = error; current instanceof Error && !seen.has(current); current = current.cause) {
    if (KNOWN_ERRORS.some((type) => current instanceof type)) return current;
    seen.add(current);
  }
  return undefined;
}

/** What a failure prints on stderr and exits with. */
export interface FailureReport {
  code: ExitCode;
  text: string;
}

/**
 * Turns whatever a command threw into its exit code and the words for the person at the
 * terminal: a refused command line or a usage error with a pointer to the command's help, a
 * problem they can fix in its own sentence (an unset secret says how to set it), and only a bug
 * with its stack.
 */
export function failureReport(
  error: unknown,
  env: Readonly<Record<string, string | undefined>>,
): FailureReport {
  if (error instanceof CommandLineError) {
    // The command was given no subcommand: commander has printed its help already.
    if (error.code === 'commander.help') return { code: EXIT.usage, text: '' };
    return { code: EXIT.usage, text: `${oneLine(error.message)}\n${helpHint(error.command)}` };
  }
  if (error instanceof UsageError) {
    return { code: EXIT.usage, text: `${error.message}\n${helpHint(error.command)}` };
  }
  const known = knownError(error);
  if (known instanceof SecretNotFoundError) return { code: EXIT.usage, text: secretAdvice(known, env) };
  if (known) return { code: EXIT.usage, text: known.message };
  const text = error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
  return { code: EXIT.failed, text: `leadpipe failed unexpectedly (please report it): ${text}` };
}

/** `Run leadpipe dlq list --help for its usage.` */
export function helpHint(command: string): string {
  return command.includes(' ')
    ? `Run ${command} --help for its usage.`
    : `Run ${command} --help for the commands.`;
}

/** Commander words a suggestion on a line of its own; the CLI says it in one. */
function oneLine(message: string): string {
  return message
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .join(' ')
    .replace('(Did you mean', '(did you mean');
}
