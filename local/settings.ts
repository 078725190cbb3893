import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { DEFAULT_CONFIG_FILE } from '../functions/config/load.ts';

/** Everything the local host and the CLI read from the environment, read and checked in one place. */
export interface LocalSettings {
  port: number;
  dataDir: string;
  configPath: string;
  logLevel: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
}

export class SettingsError extends Error {
  override readonly name = 'SettingsError';
}

const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;

export function readLocalSettings(
  env: Readonly<Record<string, string | undefined>> = process.env,
  cwd = process.cwd(),
): LocalSettings {
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new SettingsError(`PORT must be a port number from 0 to 65535, not "${env.PORT}"`);
  }
  const logLevel = (env.LEADPIPE_LOG_LEVEL ?? 'INFO').toUpperCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new SettingsError(
      `LEADPIPE_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, not "${env.LEADPIPE_LOG_LEVEL}"`,
    );
  }
  return {
    port,
    dataDir: resolve(cwd, env.LEADPIPE_DATA_DIR ?? '.leadpipe'),
    configPath: resolve(cwd, env.LEADPIPE_CONFIG ?? DEFAULT_CONFIG_FILE),
    logLevel: logLevel as LocalSettings['logLevel'],
  };
}

/** Loads ./.env into the environment when there is one (values already set win). */
export function loadDotEnv(cwd = process.cwd()): boolean {
  const file = resolve(cwd, '.env');
  if (!existsSync(file)) return false;
  process.loadEnvFile(file);
  return true;
}
