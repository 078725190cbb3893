import { readRuntimeInfo } from '../../local/runtime-file.ts';
import type { LedgerEvent } from '../../schemas/generated/ledger-event.ts';
import type { CommandRun } from '../context.ts';
import { CliError } from '../errors.ts';
import { feedLine } from '../events.ts';
import { EXIT } from '../exit-codes.ts';
import { consoleTokenFor, runningHost } from '../running-host.ts';
import { createSseParser, type SseEvent } from '../sse.ts';
import { note } from '../terminal.ts';

/** The live feed's path on the local host (functions/console/types.ts). */
export const EVENTS_PATH = '/ops/api/events';

/** The host says something every 15 s; this long with nothing means the connection is dead. */
const STALL_MS = 45_000;
const FIRST_DELAY_MS = 1_000;
const MAX_DELAY_MS = 10_000;

/** Where the host is now: read again before every reconnect, as a restarted host may have a new port. */
export type Locate = () => Promise<{ url: string; pid: number } | undefined>;

/** What a connection to the feed is doing, for the notes on stderr. */
export type FeedStatus =
  | { state: 'connected'; url: string; first: boolean; resumed: boolean }
  | { state: 'lost'; reason: string; retryInMs: number }
  | { state: 'waiting'; retryInMs: number };

export interface FollowOptions {
  locate: Locate;
  /** Read before every connection (the host may have been given a new one). */
  token(): Promise<string>;
  onEvent(event: SseEvent): void;
  onStatus?(status: FeedStatus): void;
  /** Stops following; the promise then resolves. */
  signal: AbortSignal;
  fetch?: typeof fetch;
  stallMs?: number;
  firstDelayMs?: number;
}

/**
 * Follows the host's live feed until `signal` aborts: reconnects when the stream drops or stalls,
 * after the delay the stream asked for (`retry:`) and longer while it keeps failing, and resumes
 * with Last-Event-ID where the same host process left off (ids are its own: a restarted host's
 * are not sent back). A refused token or a host without the feed is a CliError; so is a first
 * connection that fails, since runtime.json named a host that does not answer.
 */
export async function followFeed(options: FollowOptions): Promise<void> {
  const fetchFeed = options.fetch ?? fetch;
  const stallMs = options.stallMs ?? STALL_MS;
  const firstDelay = options.firstDelayMs ?? FIRST_DELAY_MS;
  const { signal } = options;
  let last: { id: string; pid: number } | undefined;
  let serverRetry: number | undefined;
  let failures = 0;
  let connectedOnce = false;
  const retryIn = () => Math.min(MAX_DELAY_MS, (serverRetry ?? firstDelay) * 2 ** failures);
  const pause = async (status: Exclude<FeedStatus, { state: 'connected' }>) => {
    options.onStatus?.(status);
    await sleep(status.retryInMs, signal);
    failures++;
  };

  while (!signal.aborted) {
    const host = await options.locate();
    if (!host) {
      await pause({ state: 'waiting', retryInMs: retryIn() });
      continue;
    }
    const url = `${host.url.replace(/\/$/, '')}${EVENTS_PATH}`;
    const resume = last !== undefined && last.pid === host.pid ? last.id : undefined;
    const connection = new AbortController();
    const both = AbortSignal.any([signal, connection.signal]);
    let response: Response;
    try {
      response = await fetchFeed(url, {
        headers: {
          accept: 'text/event-stream',
          authorization: `Bearer ${await options.token()}`,
          ...(resume ? { 'last-event-id': resume } : {}),
        },
        signal: both,
      });
    } catch (error) {
      if (signal.aborted) return;
      const reason = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      if (!connectedOnce) {
        throw new CliError(
          `leadpipe (pid ${host.pid}) does not answer at ${host.url} (${reason}); is it still starting, or stuck?`,
        );
      }
      await pause({ state: 'lost', reason, retryInMs: retryIn() });
      continue;
    }
    refuseUnusable(response, url);
    if (!response.ok || !response.body) {
      await response.body?.cancel();
      if (!connectedOnce) throw new CliError(`GET ${url} answered ${response.status}.`);
      await pause({ state: 'lost', reason: `HTTP ${response.status}`, retryInMs: retryIn() });
      continue;
    }
    options.onStatus?.({ state: 'connected', url, first: !connectedOnce, resumed: resume !== undefined });
    connectedOnce = true;
    failures = 0;
    const parser = createSseParser();
    let stall = setTimeout(() => connection.abort(), stallMs);
    let reason = 'the host closed the stream';
    try {
      for await (const chunk of response.body) {
        clearTimeout(stall);
        stall = setTimeout(() => connection.abort(), stallMs);
        for (const event of parser.push(chunk)) {
          if (event.id) last = { id: event.id, pid: host.pid };
          options.onEvent(event);
        }
      }
    } catch (error) {
      if (signal.aborted) return;
      reason = connection.signal.aborted
        ? `nothing arrived for ${stallMs >= 1000 ? `${Math.round(stallMs / 1000)} s` : `${stallMs} ms`}`
        : // undici says only "terminated"; its cause says why (the other side closed, a reset).
          (((error as Error).cause as Error | undefined)?.message ?? (error as Error).message);
    } finally {
      clearTimeout(stall);
    }
    if (signal.aborted) return;
    serverRetry = parser.retry ?? serverRetry;
    await pause({ state: 'lost', reason, retryInMs: retryIn() });
  }
}

/** A refusal no reconnecting will cure: the token, or a host without the live feed. */
function refuseUnusable(response: Response, url: string): void {
  if (response.status === 401 || response.status === 403) {
    throw new CliError(
      `The host refused the console token (${response.status} from ${url}): set LEADPIPE_CONSOLE_TOKEN to the token npm start printed, or check <data dir>/console-token.`,
    );
  }
  if (response.status === 404) {
    throw new CliError(
      `This host has no live feed (404 from ${url}): tail needs the local host of this version.`,
    );
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

/** `leadpipe tail [--json]`: until Ctrl+C or SIGTERM, then exit 0. */
export const runTail: CommandRun = async (context) => {
  const { terminal, settings } = context;
  const { dataDir } = settings;
  const json = context.flags.json === true;
  await runningHost(dataDir);
  const token = await consoleTokenFor(context);
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let notedWaiting = false;
  try {
    await followFeed({
      // The first look found the host; later ones follow it through restarts.
      locate: async () => readRuntimeInfo(dataDir),
      token: async () => token.token,
      signal: stop.signal,
      onEvent: (event) => {
        if (event.type === 'config') {
          const config = parseJson<{ version?: string }>(event.data);
          note(
            terminal,
            `(the host loaded a new config${config?.version ? `: version ${config.version}` : ''})`,
          );
          return;
        }
        if (event.type !== 'ledger') return;
        const ledgerEvent = parseJson<LedgerEvent>(event.data);
        if (!ledgerEvent || typeof ledgerEvent.kind !== 'string') {
          note(terminal, '(skipped a feed event that is not a ledger event)');
          return;
        }
        terminal.out(json ? JSON.stringify(ledgerEvent) : feedLine(ledgerEvent, terminal.paint));
      },
      onStatus: (status) => {
        if (status.state === 'connected') {
          notedWaiting = false;
          note(
            terminal,
            status.first
              ? `(following ${status.url} on ${dataDir}; Ctrl+C to stop)`
              : `(reconnected to ${status.url}${status.resumed ? '; carrying on where the feed left off' : ''})`,
          );
        } else if (status.state === 'lost') {
          note(
            terminal,
            `(the feed dropped: ${status.reason}; reconnecting in ${Math.ceil(status.retryInMs / 1000)} s)`,
          );
        } else if (!notedWaiting) {
          notedWaiting = true;
          note(terminal, `(leadpipe stopped on ${dataDir}; waiting for it to start again)`);
        }
      },
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return EXIT.ok;
};

function parseJson<T>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}
