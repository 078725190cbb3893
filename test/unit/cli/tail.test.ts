import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { EVENTS_PATH, type FeedStatus, followFeed } from '../../../cli/commands/tail.ts';
import { CliError } from '../../../cli/errors.ts';
import type { SseEvent } from '../../../cli/sse.ts';
import { waitUntil } from '../../support/wait.ts';

const TOKEN = 'a-console-token-for-the-test';

/** One connection the test server answers: what it writes, and whether it then hangs up. */
type Script = (res: ServerResponse) => void;

/** An SSE server on 127.0.0.1 that answers the nth connection with the nth script, and records each request. */
async function feedServer(scripts: Script[]) {
  const requests: IncomingMessage['headers'][] = [];
  const open = new Set<ServerResponse>();
  const server: Server = createServer((req, res) => {
    requests.push(req.headers);
    if (req.url !== EVENTS_PATH) {
      res.writeHead(404).end();
      return;
    }
    const script = scripts[requests.length - 1];
    if (!script) {
      res.writeHead(503).end();
      return;
    }
    open.add(res);
    res.once('close', () => open.delete(res));
    script(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of open) res.destroy();
        server.close(() => resolve());
      }),
  };
}

const stream = (res: ServerResponse, text: string) => {
  if (!res.headersSent) res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.write(text);
};
const ledgerItem = (id: number) => `id: ${id}\nevent: ledger\ndata: {"n":${id}}\n\n`;

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

/** Follows the feed in the background, collecting events and statuses, until `stop`. */
function follow(options: {
  locate: () => Promise<{ url: string; pid: number } | undefined>;
  stallMs?: number;
}) {
  const events: SseEvent[] = [];
  const statuses: FeedStatus[] = [];
  const controller = new AbortController();
  const done = followFeed({
    locate: options.locate,
    token: async () => TOKEN,
    onEvent: (event) => events.push(event),
    onStatus: (status) => statuses.push(status),
    signal: controller.signal,
    firstDelayMs: 20,
    ...(options.stallMs ? { stallMs: options.stallMs } : {}),
  });
  cleanup.push(async () => {
    controller.abort();
    await done.catch(() => {});
  });
  return { events, statuses, done, stop: () => controller.abort() };
}

describe('followFeed', () => {
  it('reads events with the bearer token, and reconnects with Last-Event-ID when the stream drops', async () => {
    // Prepare: the first connection sends two items and hangs up; the second sends the third.
    const server = await feedServer([
      (res) => {
        stream(res, `retry: 30\n\n${ledgerItem(1)}${ledgerItem(2)}`);
        res.end();
      },
      (res) => stream(res, ledgerItem(3)),
    ]);
    cleanup.push(server.close);

    // Act
    const feed = follow({ locate: async () => ({ url: server.url, pid: 1 }) });
    await waitUntil('three events', () => (feed.events.length === 3 ? true : undefined), { timeoutMs: 5000 });
    feed.stop();
    await feed.done;

    // Assess
    expect(feed.events.map((event) => event.data)).toEqual(['{"n":1}', '{"n":2}', '{"n":3}']);
    expect(server.requests[0]?.authorization).toBe(`Bearer ${TOKEN}`);
    expect(server.requests[0]?.['last-event-id']).toBeUndefined();
    expect(server.requests[1]?.['last-event-id']).toBe('2');
    expect(feed.statuses.map((status) => status.state)).toEqual(['connected', 'lost', 'connected']);
    expect(feed.statuses[1]).toMatchObject({ state: 'lost', retryInMs: 30 });
  });

  it('does not send a Last-Event-ID to a restarted host, whose ids are its own', async () => {
    // Prepare
    const server = await feedServer([
      (res) => {
        stream(res, ledgerItem(7));
        res.end();
      },
      (res) => stream(res, ledgerItem(1)),
    ]);
    cleanup.push(server.close);
    let pid = 100;

    // Act: the host "restarts" (another pid in runtime.json) once its first stream is over.
    const feed = follow({
      locate: async () => {
        const found = { url: server.url, pid };
        pid = 200;
        return found;
      },
    });
    await waitUntil('both events', () => (feed.events.length === 2 ? true : undefined), { timeoutMs: 5000 });

    // Assess
    expect(server.requests[1]?.['last-event-id']).toBeUndefined();
  });

  it('waits while no host is running, then follows the one that starts', async () => {
    // Prepare
    const server = await feedServer([(res) => stream(res, ledgerItem(1))]);
    cleanup.push(server.close);
    let looks = 0;

    // Act
    const feed = follow({ locate: async () => (++looks < 3 ? undefined : { url: server.url, pid: 1 }) });
    await waitUntil('the event', () => (feed.events.length === 1 ? true : undefined), { timeoutMs: 5000 });

    // Assess
    expect(feed.statuses.map((status) => status.state)).toEqual(['waiting', 'waiting', 'connected']);
  });

  it('reconnects when nothing, not even a keep-alive, arrives for too long', async () => {
    // Prepare: the first connection sends one item and then goes silent without closing.
    const server = await feedServer([
      (res) => stream(res, ledgerItem(1)),
      (res) => stream(res, ledgerItem(2)),
    ]);
    cleanup.push(server.close);

    // Act
    const feed = follow({ locate: async () => ({ url: server.url, pid: 1 }), stallMs: 150 });
    await waitUntil('the second event', () => (feed.events.length === 2 ? true : undefined), {
      timeoutMs: 5000,
    });

    // Assess
    expect(server.requests[1]?.['last-event-id']).toBe('1');
    expect(feed.statuses.find((status) => status.state === 'lost')).toMatchObject({
      reason: 'nothing arrived for 150 ms',
    });
  });

  it.each([
    [401, /refused the console token \(401/],
    [403, /refused the console token \(403/],
  ])('stops with a CliError when the host answers %i', async (status, message) => {
    // Prepare
    const server = await feedServer([(res) => res.writeHead(status).end()]);
    cleanup.push(server.close);

    // Act
    const feed = follow({ locate: async () => ({ url: server.url, pid: 1 }) });

    // Assess
    await expect(feed.done).rejects.toBeInstanceOf(CliError);
    await expect(feed.done).rejects.toThrow(message);
  });

  it('stops with a CliError when the host has no live feed (404)', async () => {
    // Prepare: a host whose events path is elsewhere.
    const server = await feedServer([]);
    cleanup.push(server.close);

    // Act
    const feed = follow({ locate: async () => ({ url: `${server.url}/elsewhere`, pid: 1 }) });

    // Assess
    await expect(feed.done).rejects.toThrow(/has no live feed \(404/);
  });

  it('stops with a CliError when the host named in runtime.json does not answer at all', async () => {
    // Prepare: a port that was just closed.
    const server = await feedServer([]);
    await server.close();

    // Act
    const feed = follow({ locate: async () => ({ url: server.url, pid: 42 }) });

    // Assess
    await expect(feed.done).rejects.toThrow(
      /leadpipe \(pid 42\) does not answer at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/,
    );
  });

  it('resolves as soon as it is stopped, mid-stream', async () => {
    // Prepare
    const server = await feedServer([(res) => stream(res, ledgerItem(1))]);
    cleanup.push(server.close);
    const feed = follow({ locate: async () => ({ url: server.url, pid: 1 }) });
    await waitUntil('the event', () => (feed.events.length === 1 ? true : undefined), { timeoutMs: 5000 });

    // Act
    feed.stop();

    // Assess
    await expect(feed.done).resolves.toBeUndefined();
  });
});
