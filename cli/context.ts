import { loadPipelineConfig } from '../functions/config/checks.ts';
import { type LocalSecrets, localSecrets } from '../local/dev-secrets.ts';
import { type LocalSettings, readLocalSettings } from '../local/settings.ts';
import type { LeadpipeConfig } from '../schemas/generated/config.ts';

/** What every command gets: parsed flags, positionals, settings, and the config on demand. */
export interface CommandContext {
  args: string[];
  flags: Readonly<Record<string, string | boolean | undefined>>;
  settings: LocalSettings;
  config(): Promise<LeadpipeConfig>;
  secrets(): LocalSecrets;
}

/** One CLI command: its usage lines and what it runs. Returns the exit code. */
export interface Command {
  usage: string;
  /** One or more example invocations, shown by `leadpipe <command> --help`. */
  example: string;
  /** Flags this command accepts (all strings or booleans). */
  flags?: Record<string, { type: 'string' | 'boolean'; short?: string }>;
  run(context: CommandContext): Promise<number>;
}

export function createContext(args: string[], flags: CommandContext['flags']): CommandContext {
  const settings = readLocalSettings();
  let config: Promise<LeadpipeConfig> | undefined;
  return {
    args,
    flags,
    settings,
    config: () => {
      config ??= loadPipelineConfig(settings.configPath);
      return config;
    },
    // The CLI opts in to the development values itself, so `leadpipe send` signs as `npm start`
    // verifies; still only for the default config. Signing with a public value lets nothing in that
    // the host would not accept, and an empty variable is still an error.
    secrets: () => localSecrets({ configPath: settings.configPath, developmentSecrets: true }),
  };
}
