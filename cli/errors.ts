import { LegacyDataDirError } from '../adapters/embedded/database.ts';
import { ConfigError, SecretNotFoundError } from '../functions/config/errors.ts';
import { NoLocalDataError } from '../local/embedded-store.ts';
import { SettingsError } from '../local/settings.ts';

/** A problem the person at the terminal can fix; printed without a stack trace. */
export class CliError extends Error {
  override readonly name = 'CliError';
}

/** Errors whose message already says what to set or fix: the CLI prints the message alone. */
const KNOWN_ERRORS = [
  CliError,
  ConfigError,
  SettingsError,
  SecretNotFoundError,
  NoLocalDataError,
  LegacyDataDirError,
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
