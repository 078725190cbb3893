import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listeningSockets } from '../support/listening.ts';

const root = join(import.meta.dirname, '..', '..');

interface Run {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** `npm start`'s entry point with a data dir of its own; the default config and its development secrets. */
function startMain(dataDir: string, env: Record<string, string> = {}): Run {
  // As `npm start` runs it: the default config with its development secrets, opted in.
  const child = spawn(process.execPath, [join(root, 'local', 'main.ts'), '--development-secrets'], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      PORT: '0',
      LEADPIPE_DATA_DIR: dataDir,
      LEADPIPE_LOG_LEVEL: 'ERROR',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function running(run: Run): Promise<string> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const match = /leadpipe is running on (http:\/\/[^\s]+)/.exec(run.output());
    if (match?.[1]) return match[1];
    if (run.child.exitCode !== null || Date.now() > deadline)
      throw new Error(`not running:\n${run.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('what the local host exposes and keeps', () => {
  const dirs: string[] = [];
  const runs: Run[] = [];
  let dataDir: string;
  let host: Run;

  beforeAll(async () => {
    const base = mkdtempSync(join(tmpdir(), 'leadpipe-safety-'));
    dirs.push(base);
    dataDir = join(base, 'data');
    host = startMain(dataDir);
    runs.push(host);
    await running(host);
  });
  afterAll(async () => {
    for (const run of runs) run.child.kill('SIGKILL');
    await Promise.all(runs.map((run) => run.exited));
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('listens on exactly one TCP port, on 127.0.0.1', () => {
    // Act
    const sockets = listeningSockets(host.child.pid as number);

    // Assess
    expect(sockets).toHaveLength(1);
    expect(sockets[0]?.address).toBe('127.0.0.1');
  });

  it('keeps its data dir 0700 and every file in it 0600', () => {
    // Act
    const dirMode = statSync(dataDir).mode & 0o777;
    const files = readdirSync(dataDir).map((name) => [name, statSync(join(dataDir, name)).mode & 0o777]);

    // Assess
    expect(dirMode).toBe(0o700);
    expect(files.map(([name]) => name)).toEqual(expect.arrayContaining(['leadpipe.db', 'runtime.json']));
    for (const [name, mode] of files) expect([name, mode]).toEqual([name, 0o600]);
  });

  it('refuses a second host on the same data dir, naming the first', async () => {
    // Act
    const second = startMain(dataDir);
    runs.push(second);
    const code = await second.exited;

    // Assess
    expect(code).toBe(1);
    expect(second.output()).toMatch(/already running on this data dir \(pid \d+/);
  });

  it('refuses a data dir of the emulator-based version, saying how to keep its leads', async () => {
    // Prepare
    const legacy = join(dirs[0] as string, 'legacy');
    mkdirSync(join(legacy, 'sqs'), { recursive: true });
    writeFileSync(join(legacy, 'sqs', 'fauxqs.db'), 'queued leads');

    // Act
    const run = startMain(legacy);
    runs.push(run);
    const code = await run.exited;

    // Assess
    expect(code).toBe(1);
    expect(run.output()).toContain('holds state from an earlier leadpipe (sqs/');
    expect(run.output()).toContain('LEADPIPE_DATA_DIR to a new directory');
    expect(readdirSync(legacy)).toEqual(['sqs']);
  });

  it('listens on the one address LEADPIPE_BIND names, and only there', async () => {
    // Prepare: another loopback address (tests never listen beyond loopback).
    const other = join(dirs[0] as string, 'bound');

    // Act
    const run = startMain(other, { LEADPIPE_BIND: '127.0.0.2' });
    runs.push(run);
    const url = await running(run);
    const sockets = listeningSockets(run.child.pid as number);

    // Assess
    expect(url).toMatch(/^http:\/\/127\.0\.0\.2:\d+$/);
    expect(sockets).toEqual([{ address: '127.0.0.2', port: Number(new URL(url).port) }]);
    expect(run.output()).not.toContain('WARNING: listening on');
  });
});
