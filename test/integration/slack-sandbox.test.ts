import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../../adapters/sandbox/kit.ts';
import { createSlackAdapter } from '../../adapters/slack/adapter.ts';
import {
  createSlackSandbox,
  type SlackSandboxOptions,
  type SlackSandboxRecords,
  sandboxChannelId,
} from '../../adapters/slack/sandbox.ts';
import { buildLead } from '../unit/adapters/slack/factories.ts';

const BLOCKS = [{ type: 'section', text: { type: 'mrkdwn', text: '*Hot* lead' } }];
let running: RunningSandbox | undefined;
let server: Server | undefined;

afterEach(async () => {
  await running?.close();
  running = undefined;
  if (server) {
    server.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    server = undefined;
  }
});

async function start(options: SlackSandboxOptions = {}) {
  running = await createSlackSandbox({ channels: ['#hot-leads'], ...options }).listen(0);
  const url = running.url;
  const form = (fields: Record<string, string>, headers: Record<string, string> = {}) =>
    fetch(`${url}/chat.postMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(fields).toString(),
    });
  const json = (body: unknown, headers: Record<string, string> = { authorization: 'Bearer xoxb-json' }) =>
    fetch(`${url}/api/chat.postMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const records = async () => (await (await fetch(`${url}/__sandbox/records`)).json()) as SlackSandboxRecords;
  return { url, form, json, records };
}

const good = { token: 'xoxb-form', channel: '#hot-leads', text: 'Hot lead', blocks: JSON.stringify(BLOCKS) };

describe('Slack sandbox: chat.postMessage', () => {
  it('parses a form-encoded body with JSON blocks and a token field', async () => {
    // Prepare
    const { form, records } = await start();

    // Act
    const response = await form(good);

    // Assess
    const body = (await response.json()) as { ts: string; message: unknown };
    const channel = sandboxChannelId('#hot-leads');
    expect(response.status).toBe(200);
    expect(body).toMatchObject({ ok: true, channel, ts: expect.stringMatching(/^\d+\.\d{6}$/) });
    expect(body.message).toMatchObject({ type: 'message', text: 'Hot lead', blocks: BLOCKS, ts: body.ts });
    expect((await records()).messages).toEqual([
      { channel, channelName: 'hot-leads', ts: body.ts, text: 'Hot lead', blocks: BLOCKS, encoding: 'form' },
    ]);
  });

  it('accepts a JSON body with the token in the Authorization header, by channel id', async () => {
    // Prepare
    const { json, records } = await start();
    const channel = sandboxChannelId('hot-leads');

    // Act
    const body = await (await json({ channel, text: 'Hi', blocks: BLOCKS })).json();

    // Assess
    expect(body).toMatchObject({ ok: true, channel });
    expect((await records()).messages[0]).toMatchObject({ channel, blocks: BLOCKS, encoding: 'json' });
  });

  it.each<[string, (s: Awaited<ReturnType<typeof start>>) => Promise<Response>, string]>([
    ['no token at all', (s) => s.form({ ...good, token: '' }), 'not_authed'],
    [
      'a token in a JSON body instead of the header',
      (s) => s.json({ token: 'xoxb-json', channel: '#hot-leads', text: 'x' }, {}),
      'not_authed',
    ],
    ['a token Slack does not know', (s) => s.form({ ...good, token: 'abc' }), 'invalid_auth'],
    ['an unknown channel', (s) => s.form({ ...good, channel: '#elsewhere' }), 'channel_not_found'],
    [
      'no text, blocks or attachments',
      (s) => s.form({ token: 'xoxb-form', channel: '#hot-leads' }),
      'no_text',
    ],
    ['text over 40,000 characters', (s) => s.form({ ...good, text: 'x'.repeat(40_001) }), 'msg_too_long'],
    ['blocks that are not JSON', (s) => s.form({ ...good, blocks: '[{' }), 'invalid_blocks_format'],
    [
      '51 blocks',
      (s) => s.form({ ...good, blocks: JSON.stringify(Array.from({ length: 51 }, () => BLOCKS[0])) }),
      'invalid_blocks',
    ],
    [
      '101 attachments',
      (s) =>
        s.form({ ...good, attachments: JSON.stringify(Array.from({ length: 101 }, () => ({ text: 'a' }))) }),
      'too_many_attachments',
    ],
    ['a JSON body that does not parse', (s) => s.json('{"channel":'), 'invalid_json'],
    ['a JSON body that is not an object', (s) => s.json('[1]'), 'json_not_object'],
  ])('answers HTTP 200 ok:false for %s', async (_case, send, error) => {
    // Prepare
    const sandbox = await start();

    // Act
    const response = await send(sandbox);

    // Assess
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ ok: false, error });
    expect((await sandbox.records()).messages).toHaveLength(0);
  });

  it('enforces the per-channel rate after a short burst, with 429 and Retry-After in seconds', async () => {
    // Prepare: a clock the test moves
    let clock = 1_800_000_000_000;
    const { form, records } = await start({ now: () => clock, perChannelPerSecond: 1, perChannelBurst: 3 });

    // Act
    const burst = [];
    for (let i = 0; i < 4; i++) burst.push(await form(good));
    clock += 1000;
    const afterOneSecond = await form(good);

    // Assess
    expect(burst.slice(0, 3).map((r) => r.status)).toEqual([200, 200, 200]);
    const limited = burst[3];
    expect(limited?.status).toBe(429);
    expect(limited?.headers.get('retry-after')).toBe('1');
    expect(await limited?.json()).toEqual({ ok: false, error: 'ratelimited' });
    expect(afterOneSecond.status).toBe(200);
    expect((await records()).requests).toEqual({ posts: 5, rateLimited: 1, serverErrors: 0 });
  });

  it('limits each channel on its own', async () => {
    // Prepare
    const { form } = await start({ channels: ['#a', '#b'], now: () => 0, perChannelBurst: 1 });

    // Act
    const first = await form({ ...good, channel: '#a' });
    const other = await form({ ...good, channel: '#b' });
    const again = await form({ ...good, channel: '#a' });

    // Assess
    expect([first.status, other.status, again.status]).toEqual([200, 200, 429]);
  });

  it.each([
    ['a 5xx', { serverErrorRate: 1 }, 503, { ok: false, error: 'service_unavailable' }, undefined],
    ['a 429', { rateLimitRate: 1, retryAfterSeconds: 30 }, 429, { ok: false, error: 'ratelimited' }, '30'],
  ])('renders an injected %s as Slack does', async (_case, faults, status, body, retryAfter) => {
    // Prepare
    const { form } = await start({ faults });

    // Act
    const response = await form(good);

    // Assess
    expect(response.status).toBe(status);
    expect(await response.json()).toEqual(body);
    expect(response.headers.get('retry-after') ?? undefined).toBe(retryAfter);
  });

  it('forgets messages, counters and rate state on DELETE', async () => {
    // Prepare
    const { url, form, records } = await start({ now: () => 0, perChannelBurst: 1 });
    await form(good);
    await form(good);

    // Act
    const reset = await fetch(`${url}/__sandbox/records`, { method: 'DELETE' });
    const afterReset = await form(good);

    // Assess
    expect(reset.status).toBe(204);
    expect(afterReset.status).toBe(200);
    expect(await records()).toMatchObject({
      messages: [{ text: 'Hot lead' }],
      requests: { posts: 1, rateLimited: 0 },
    });
  });

  it('works mounted under /sandbox/slack with the real WebClient', async () => {
    // Prepare
    const sandbox = createSlackSandbox();
    server = createServer((req, res) => {
      if (req.url?.startsWith('/sandbox/slack/')) void sandbox.handle(req, res, '/sandbox/slack');
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const base = `http://127.0.0.1:${port}/sandbox/slack`;
    const adapter = createSlackAdapter({
      token: 'xoxb-mounted',
      channel: 'C0123456789',
      baseUrl: `${base}/`,
    });
    const lead = buildLead();

    // Act
    const outcomes = await adapter.deliver([lead]);

    // Assess
    expect(outcomes.get(lead.id)?.status).toBe('delivered');
    const records = (await (await fetch(`${base}/__sandbox/records`)).json()) as SlackSandboxRecords;
    expect(records.messages).toMatchObject([{ channel: 'C0123456789', encoding: 'form' }]);
    expect(records.messages[0]).not.toHaveProperty('channelName');
  });
});
