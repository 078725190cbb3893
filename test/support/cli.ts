import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { waitUntil } from './wait.ts';

const CLI = join(import.meta.dirname, '..', '..', 'cli', 'leadpipe.ts');
const run = promisify(execFile);

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd: string;
  env?: Readonly<Record<string, string>>;
}

/** Only PATH and the given variables: nothing from the test's own environment leaks in. */
const environment = (options: CliOptions) => ({ PATH: process.env.PATH ?? '', ...options.env });

/**
 * Runs `leadpipe <args>` as a person would: this Node (24) on cli/leadpipe.ts, in `cwd`, with only
 * PATH and the given variables in its environment, its output piped; never throws.
 */
export async function runLeadpipe(args: readonly string[], options: CliOptions): Promise<CliRun> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], {
      cwd: options.cwd,
      env: environment(options),
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** A `leadpipe` that keeps running (tail): its output so far, and how to stop it. */
export interface RunningLeadpipe {
  child: ChildProcess;
  /** Every complete stdout line so far. */
  lines: string[];
  stderr(): string;
  /** The first stdout line (from `from` on) that matches, once it has been printed. */
  waitForLine(match: RegExp, options?: { from?: number; timeoutMs?: number }): Promise<string>;
  /** Resolves once stderr (all of it so far) matches. */
  waitForStderr(match: RegExp, options?: { timeoutMs?: number }): Promise<void>;
  /** Sends the signal and resolves with the exit code (null when the signal killed it). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Resolves with the exit code once it has exited by itself. */
  exited(): Promise<number | null>;
}

/** Starts `leadpipe <args>` as its own process, as runLeadpipe does, without waiting for it to end. */
export function startLeadpipe(args: readonly string[], options: CliOptions): RunningLeadpipe {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: options.cwd,
    env: environment(options),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let partial = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    lines,
    stderr: () => stderr,
    waitForLine: (match, waitOptions = {}) =>
      waitUntil(
        `a line matching ${match} from leadpipe ${args.join(' ')}`,
        () => lines.slice(waitOptions.from ?? 0).find((line) => match.test(line)),
        {
          timeoutMs: waitOptions.timeoutMs ?? 15_000,
          describe: () => `stdout ${JSON.stringify(lines)}, stderr ${JSON.stringify(stderr)}`,
        },
      ),
    waitForStderr: async (match, waitOptions = {}) => {
      await waitUntil(
        `stderr matching ${match} from leadpipe ${args.join(' ')}`,
        () => {
          if (match.test(stderr)) return true;
          if (child.exitCode !== null) throw new Error(`it exited ${child.exitCode}`);
          return undefined;
        },
        { timeoutMs: waitOptions.timeoutMs ?? 15_000, describe: () => `stderr ${JSON.stringify(stderr)}` },
      );
    },
    stop: (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exit;
    },
    exited: () => exit,
  };
}
