/** What `leadpipe` exits with; scripts may rely on these (`leadpipe --help` lists them). */
export const EXIT = {
  /** It did what was asked. */
  ok: 0,
  /** It ran, but something failed or was not there: a lead not found, a replay kept, a redrive with failures. */
  failed: 1,
  /** It could not run: bad usage, or a setup problem (no config, an unset secret, no data dir, no host). */
  usage: 2,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The exit codes as `leadpipe --help` documents them. */
export const EXIT_CODES_HELP = `Exit codes (for scripts):
  0  success
  1  it ran, but something failed or was not found: a lead or entry not found, a search with
     no match, a replay kept in the quarantine, a redrive with failures, an invalid config
     (config check), a send the pipeline refused, an unexpected error
  2  usage or setup error: an unknown command or option, a bad value, no config file, an unset
     secret, no data dir, the host not running when needed (tail)`;

/**
 * A command line commander refused (an unknown command or option, a missing argument), or its
 * help or version shown (exit 0), with the command it was given to, for the hint.
 */
export class CommandLineError extends Error {
  override readonly name = 'CommandLineError';
  /** Commander's own: `commander.unknownOption`, `commander.help` (help shown instead of running), … */
  readonly code: string;
  readonly exitCode: number;
  /** The command as typed so far: `leadpipe dlq list`. */
  readonly command: string;
  constructor(message: string, details: { code: string; exitCode: number; command: string }) {
    super(message);
    this.code = details.code;
    this.exitCode = details.exitCode;
    this.command = details.command;
  }
}
