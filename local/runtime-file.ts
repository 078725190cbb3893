import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * What a running local host tells other processes: its pid and URL (the port may be a free one
 * it picked), in `<data dir>/runtime.json`. The CLI reads the database itself; this file also
 * keeps a second host from starting on the same data dir.
 */
export interface RuntimeInfo {
  pid: number;
  url: string;
  database: string;
}

const FILE = 'runtime.json';

export async function writeRuntimeInfo(dataDir: string, info: RuntimeInfo): Promise<void> {
  await writeFile(join(dataDir, FILE), `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
}

export async function removeRuntimeInfo(dataDir: string): Promise<void> {
  await rm(join(dataDir, FILE), { force: true });
}

/** The running host's info, or undefined when none is running (no file, or its process is gone). */
export async function readRuntimeInfo(dataDir: string): Promise<RuntimeInfo | undefined> {
  let info: RuntimeInfo;
  try {
    info = JSON.parse(await readFile(join(dataDir, FILE), 'utf8')) as RuntimeInfo;
  } catch {
    return undefined;
  }
  try {
    process.kill(info.pid, 0);
  } catch {
    return undefined;
  }
  return info;
}
