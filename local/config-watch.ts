import { createHash } from 'node:crypto';
import { type FSWatcher, watch } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { LeadpipeConfig } from '../schemas/generated/config.ts';

/** Which config is live: a short hash of the validated config (formatting and comments do not count). */
export function configVersion(config: LeadpipeConfig): string {
  return createHash('sha256').update(canonicalJson(config)).digest('hex').slice(0, 12);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Editors save in bursts (truncate, write, rename): one reload per burst. */
const SETTLE_MS = 150;

/**
 * Calls `changed` once a burst of changes to the config file has settled. The directory is
 * watched, not the file: an editor that saves by writing a new file and renaming it over the old
 * one would leave a watch on the file looking at the old inode.
 */
export function watchConfigFile(path: string, changed: () => void): { close(): void } {
  const name = basename(path);
  let timer: NodeJS.Timeout | undefined;
  const watcher: FSWatcher = watch(dirname(path), (_event, file) => {
    if (file !== null && file !== name) return;
    clearTimeout(timer);
    timer = setTimeout(changed, SETTLE_MS);
  });
  watcher.unref();
  return {
    close: () => {
      clearTimeout(timer);
      watcher.close();
    },
  };
}
