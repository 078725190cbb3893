// Child processes for the benchmarks: a target runs in its own process, so that the load
// generator does not share its CPU thread (senders are other machines in real life).
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..');
const START_TIMEOUT_MS = 30_000;

export interface Target {
  name: string;
  child: ChildProcess;
  url: string;
  /** Everything the child printed so far. */
  output: () => string;
}

const children: ChildProcess[] = [];

/** Spawns a child and resolves once it prints `<name> is running on http://127.0.0.1:<port>`. */
export function startTarget(name: string, args: string[], env: Record<string, string>): Promise<Target> {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    // NODE_OPTIONS passes through, so `NODE_OPTIONS=--cpu-prof npm run bench:…` profiles the target too.
    env: {
      PATH: process.env.PATH ?? '',
      ...(process.env.NODE_OPTIONS ? { NODE_OPTIONS: process.env.NODE_OPTIONS } : {}),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  const pattern = new RegExp(`${name} is running on (http://127\\.0\\.0\\.1:\\d+)`);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start:\n${output}`)), START_TIMEOUT_MS);
    // Keep reading for the whole run: a child whose pipe fills up would block on its next log line.
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = pattern.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve({ name, child, url: match[1], output: () => output });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code ?? signal}):\n${output}`));
    });
  });
}

/** `npm start`'s entry point with the given data dir, config file and environment. */
export function startLocalHostProcess(options: {
  dataDir: string;
  configPath: string;
  env: Record<string, string>;
}): Promise<Target> {
  return startTarget('leadpipe', [join(ROOT, 'local', 'main.ts')], {
    PORT: '0',
    LEADPIPE_DATA_DIR: options.dataDir,
    LEADPIPE_CONFIG: options.configPath,
    LEADPIPE_LOG_LEVEL: 'ERROR',
    ...options.env,
  });
}

/** SIGTERM (the host stops cleanly on it), SIGKILL whatever is still up after 5 s. */
export async function stopChildren(): Promise<void> {
  const running = children.filter((child) => child.exitCode === null && child.signalCode === null);
  await Promise.all(
    running.map(
      (child) =>
        new Promise<void>((resolve) => {
          const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
          child.once('exit', () => {
            clearTimeout(force);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
}
