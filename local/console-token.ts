import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The file in the data dir that holds the console's token when the config sets none. */
export const CONSOLE_TOKEN_FILE = 'console-token';

/**
 * The console's access token: the configured one (settings.console.token, a secret reference,
 * resolved by the caller), else the data dir's `console-token`, created on first start with mode
 * 0600 (only its owner can read it, like the database), else (no data dir: tests) a new one.
 */
export async function consoleToken(options: { dataDir?: string; configured?: string }): Promise<string> {
  if (options.configured !== undefined) {
    if (options.configured.length < 16) {
      throw new Error(
        'settings.console.token resolves to fewer than 16 characters: use a long random value.',
      );
    }
    return options.configured;
  }
  const fresh = () => randomBytes(32).toString('base64url');
  if (!options.dataDir) return fresh();
  const path = join(options.dataDir, CONSOLE_TOKEN_FILE);
  try {
    const existing = (await readFile(path, 'utf8')).trim();
    if (existing.length >= 16) return existing;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const token = fresh();
  await writeFile(path, `${token}\n`, { mode: 0o600 });
  return token;
}

/** Whether an Authorization header carries the token; constant-time, whatever its length. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match?.[1]) return false;
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(match[1]), digest(token));
}
