import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CONSOLE_TOKEN_FILE } from '../local/console-token.ts';
import { type RuntimeInfo, readRuntimeInfo } from '../local/runtime-file.ts';
import type { CommandContext } from './context.ts';
import { CliError } from './errors.ts';

const RUNTIME_FILE = 'runtime.json';

/** Why no host counts as running on the data dir, in a sentence that says how to start one. */
export function notRunningMessage(dataDir: string, runtimeFileExists: boolean): string {
  const why = runtimeFileExists
    ? `its ${RUNTIME_FILE} names a process that has exited`
    : `no ${RUNTIME_FILE}`;
  return `leadpipe is not running on ${dataDir} (${why}): start it with npm start, or point LEADPIPE_DATA_DIR at the data dir it runs on.`;
}

/** The host running on the data dir, found through its runtime file from any directory; a CliError when none is. */
export async function runningHost(dataDir: string): Promise<RuntimeInfo> {
  const info = await readRuntimeInfo(dataDir);
  if (!info) throw new CliError(notRunningMessage(dataDir, existsSync(join(dataDir, RUNTIME_FILE))));
  return info;
}

/** The console token and where it came from, for messages. */
export interface ConsoleTokenSource {
  token: string;
  from: string;
}

/**
 * The console token as the host has it: LEADPIPE_CONSOLE_TOKEN when set, else the config's
 * settings.console.token (a secret reference), else `<data dir>/console-token`, which the host
 * writes at its first start when the config sets none.
 */
export async function consoleTokenFor(context: CommandContext): Promise<ConsoleTokenSource> {
  const fromEnv = context.env.LEADPIPE_CONSOLE_TOKEN?.trim();
  if (fromEnv) return { token: fromEnv, from: 'LEADPIPE_CONSOLE_TOKEN' };
  const configured = await configuredTokenRef(context);
  if (configured) {
    return {
      token: await context.secrets().resolveSecret(configured),
      from: `settings.console.token (${configured})`,
    };
  }
  const file = join(context.settings.dataDir, CONSOLE_TOKEN_FILE);
  try {
    const token = (await readFile(file, 'utf8')).trim();
    if (token) return { token, from: file };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  throw new CliError(
    `No console token: ${file} does not exist (the host writes it when it starts). Set LEADPIPE_CONSOLE_TOKEN to the token npm start printed (export LEADPIPE_CONSOLE_TOKEN=... or put it in .env).`,
  );
}

/**
 * The config's settings.console.token, when the config can be read: tail does not otherwise
 * need the config, and the host may have been started with another one.
 */
async function configuredTokenRef(context: CommandContext): Promise<string | undefined> {
  try {
    return (await context.config()).settings?.console?.token;
  } catch {
    return undefined;
  }
}
