import { loadPipelineConfig } from '../functions/config/checks.ts';
import { type LocalSecrets, localSecrets } from '../local/dev-secrets.ts';
import { type LocalSettings, readLocalSettings } from '../local/settings.ts';
import type { LeadpipeConfig } from '../schemas/generated/config.ts';
import { UsageError } from './errors.ts';
import type { ExitCode } from './exit-codes.ts';
import type { Terminal } from './terminal.ts';

export type Env = Readonly<Record<string, string | undefined>>;

/** What every command gets: its arguments and flags, where to write, and settings and config on demand. */
export interface CommandContext {
  /** The command as typed, for messages: `leadpipe dlq list`. */
  command: string;
  /** The positional arguments, in order (a variadic one spread). */
  args: string[];
  /** The flags by the name typed (`with-lead`, not `withLead`); undefined when not given. */
  flags: Readonly<Record<string, string | boolean | undefined>>;
  env: Env;
  /** Where relative paths given on the command line start. */
  cwd: string;
  terminal: Terminal;
  /** LEADPIPE_DATA_DIR, LEADPIPE_CONFIG and the rest, read and checked on first use. */
  readonly settings: LocalSettings;
  /** The config at LEADPIPE_CONFIG, loaded and checked as the host loads it, on first use. */
  config(): Promise<LeadpipeConfig>;
  secrets(): LocalSecrets;
  /** A usage error of this command: printed with a pointer to its --help, exit 2. */
  usage(message: string): UsageError;
}

/** One command's implementation; resolves to the exit code. */
export type CommandRun = (context: CommandContext) => Promise<ExitCode>;

export function createContext(input: {
  command: string;
  args: string[];
  flags: CommandContext['flags'];
  env: Env;
  cwd: string;
  terminal: Terminal;
}): CommandContext {
  let settings: LocalSettings | undefined;
  let config: Promise<LeadpipeConfig> | undefined;
  const context: CommandContext = {
    command: input.command,
    args: input.args,
    flags: input.flags,
    env: input.env,
    cwd: input.cwd,
    terminal: input.terminal,
    get settings() {
      settings ??= readLocalSettings(input.env, input.cwd);
      return settings;
    },
    config: () => {
      config ??= loadPipelineConfig(context.settings.configPath);
      return config;
    },
    // The CLI opts in to the development values itself, so `leadpipe send` signs as `npm start`
    // verifies; still only for the default config. Signing with a public value lets nothing in that
    // the host would not accept, and an empty variable is still an error.
    secrets: () =>
      localSecrets({ configPath: context.settings.configPath, developmentSecrets: true, env: input.env }),
    usage: (message) => new UsageError(message, input.command),
  };
  return context;
}

/** A string flag's value; undefined when not given. */
export function stringFlag(context: CommandContext, name: string): string | undefined {
  const value = context.flags[name];
  return typeof value === 'string' ? value : undefined;
}

/** A whole number >= 1 from a flag; undefined when not given; a usage error otherwise. */
export function positiveIntegerFlag(context: CommandContext, name: string): number | undefined {
  const value = stringFlag(context, name);
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(number) || number < 1)
    throw context.usage(`--${name} must be a whole number >= 1, not "${value}"`);
  return number;
}
