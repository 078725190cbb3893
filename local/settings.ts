import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { DEFAULT_CONFIG_FILE } from '../functions/config/load.ts';

/** Everything the local host and the CLI read from the environment, read and checked in one place. */
export interface LocalSettings {
  port: number;
  /** The one address the host listens on; 127.0.0.1 unless LEADPIPE_BIND says otherwise. */
  bindAddress: string;
  /** How commits reach the disk (adapters/embedded/database.ts); LEADPIPE_DURABILITY, default full. */
  durability: 'full' | 'normal';
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
  const durability = (env.LEADPIPE_DURABILITY ?? 'full').toLowerCase();
  if (durability !== 'full' && durability !== 'normal') {
    throw new SettingsError(
      `LEADPIPE_DURABILITY must be full (fsync every acknowledged lead) or normal (survives a process crash, not a power loss), not "${env.LEADPIPE_DURABILITY}"`,
    );
  }
  const bindAddress = env.LEADPIPE_BIND ?? '127.0.0.1';
  if (!isIP(bindAddress)) {
    throw new SettingsError(
      `LEADPIPE_BIND must be an IP address to listen on (e.g. 127.0.0.1), not "${bindAddress}"`,
    );
  }
  return {
    port,
    bindAddress,
    durability,
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

/** True for 127.0.0.0/8 and ::1: addresses no other machine can reach. */
export function isLoopback(address: string): boolean {
  return address === '::1' || /^127\./.test(address);
}
