/** A problem the person at the terminal can fix (setup, or how the command was called); exit 2, no stack trace. */
export class CliError extends Error {
  override readonly name: string = 'CliError';
}

/**
 * The command was called wrongly (a missing or contradictory argument, a bad value): printed with
 * a pointer to the command's help.
 */
export class UsageError extends CliError {
  override readonly name = 'UsageError';
  /** The command as typed, for the hint: `leadpipe dlq redrive`. */
  readonly command: string;
  constructor(message: string, command: string, options?: { cause?: unknown }) {
    super(message, options);
    this.command = command;
  }
}
