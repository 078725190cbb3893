import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Sandbox } from '../../adapters/sandbox/kit.ts';

/** A vendor sandbox served on loopback, with the arrival time (epoch ms) of every vendor call. */
export interface LoggedSandbox {
  url: string;
  /** Arrivals of calls to the vendor's routes (the `__sandbox` control routes are not counted). */
  arrivals: number[];
  close(): Promise<void>;
}

/** Serves `sandbox` like Sandbox.listen, logging when each vendor call arrived. */
export async function listenLogged(sandbox: Sandbox, now: () => number = Date.now): Promise<LoggedSandbox> {
  const arrivals: number[] = [];
  const server = createServer((req, res) => {
    if (!req.url?.startsWith('/__sandbox')) arrivals.push(now());
    sandbox.handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    arrivals,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * The most times in any rolling window of `windowMs` (each window (t − windowMs, t], as HubSpot and
 * the sandbox count it).
 */
export function maxInRollingWindow(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  let first = 0;
  for (let last = 0; last < sorted.length; last++) {
    while ((sorted[first] ?? 0) <= (sorted[last] ?? 0) - windowMs) first++;
    most = Math.max(most, last - first + 1);
  }
  return most;
}
