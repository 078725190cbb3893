import { resolve } from 'node:path';
import { loadPipelineConfig, unsignedSources } from '../../functions/config/checks.ts';
import { ConfigError } from '../../functions/config/errors.ts';
import { configVersion } from '../../local/config-watch.ts';
import type { LeadpipeConfig } from '../../schemas/generated/config.ts';
import type { CommandRun } from '../context.ts';
import { CliError } from '../errors.ts';
import { EXIT } from '../exit-codes.ts';
import { secretWarnings } from '../secrets.ts';
import { note } from '../terminal.ts';

/** What `config check --json` prints: the verdict, and what the environment lacks to run it. */
export interface ConfigCheckReport {
  ok: boolean;
  file: string;
  /** The config's version as the running host and the console name it; absent when invalid. */
  version?: string;
  sources?: string[];
  destinations?: string[];
  /** Every problem, each with the path to fix; empty when ok. */
  problems: readonly string[];
  /** Not problems of the config: secrets unset here, sources that accept unsigned webhooks. */
  warnings: { path: string; message: string }[];
}

/** Checks a loaded config's surroundings: what would keep it from running here, or running safely. */
export function configWarnings(
  config: LeadpipeConfig,
  file: string,
  env: Readonly<Record<string, string | undefined>>,
): ConfigCheckReport['warnings'] {
  return [
    ...unsignedSources(config).map((source) => ({
      path: `sources.${source}.verify`,
      message: `sources.${source}.verify: accepts UNSIGNED webhooks (scheme: none); anyone can post leads to it`,
    })),
    ...secretWarnings(config, file, env).map(({ path, message }) => ({ path, message })),
  ];
}

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

/** `leadpipe config check [file] [--json]`: 0 valid, 1 invalid, 2 when the file cannot be read. */
export const runConfigCheck: CommandRun = async (context) => {
  const { terminal, env } = context;
  const [given] = context.args;
  const file = given === undefined ? context.settings.configPath : resolve(context.cwd, given);
  let report: ConfigCheckReport;
  try {
    const config = await loadPipelineConfig(file);
    report = {
      ok: true,
      file,
      version: configVersion(config),
      sources: Object.keys(config.sources),
      destinations: Object.keys(config.destinations),
      problems: [],
      warnings: configWarnings(config, file, env),
    };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const code = (error.cause as NodeJS.ErrnoException | undefined)?.code;
    if (code !== undefined) {
      throw new CliError(
        `Cannot read the config ${file} (${code}): give its path (leadpipe config check <file>) or set LEADPIPE_CONFIG.`,
        { cause: error },
      );
    }
    report = { ok: false, file, problems: error.problems, warnings: [] };
    if (context.flags.json !== true) terminal.out(error.message);
  }
  if (context.flags.json === true) {
    terminal.out(JSON.stringify(report, null, 2));
  } else if (report.ok) {
    terminal.out(
      `ok: ${plural(report.sources?.length ?? 0, 'source')}, ${plural(report.destinations?.length ?? 0, 'destination')} (version ${report.version})`,
    );
    for (const warning of report.warnings) note(terminal, `warning: ${warning.message}`);
  }
  return report.ok ? EXIT.ok : EXIT.failed;
};
