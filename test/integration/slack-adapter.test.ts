import { afterEach, describe, expect, it } from 'vitest';
import { RollingWindowLimiter } from '../../adapters/rate-limit.ts';
import type { RunningSandbox } from '../../adapters/sandbox/kit.ts';
import { createSlackAdapter, SLACK_DIGEST_MAX_LEADS } from '../../adapters/slack/adapter.ts';
import {
  createSlackSandbox,
  type SlackSandboxOptions,
  type SlackSandboxRecords,
  sandboxChannelId,
} from '../../adapters/slack/sandbox.ts';
import { blockTexts, buildLead, buildLeads } from '../unit/adapters/slack/factories.ts';

const CHANNEL = '#hot-leads';
let running: RunningSandbox | undefined;

afterEach(async () => {
  await running?.close();
  running = undefined;
});

async function startSandbox(options: SlackSandboxOptions = {}) {
  const sandbox = createSlackSandbox({
    channels: [CHANNEL, '#archived', '#outsider'],
    channelErrors: { '#archived': 'is_archived', '#outsider': 'not_in_channel' },
    tokenErrors: {
      'xoxb-revoked': 'token_revoked',
      'xoxb-inactive': 'account_inactive',
      'xoxb-no-scope': 'missing_scope',
    },
    ...options,
  });
  running = await sandbox.listen(0);
  const url = running.url;
  return {
    sandbox,
    baseUrl: `${url}/`,
    records: async () => (await (await fetch(`${url}/__sandbox/records`)).json()) as SlackSandboxRecords,
  };
}

describe('Slack adapter against the sandbox', () => {
  it('posts one hot lead as one Block Kit message and returns its ts and permalink', async () => {
    // Prepare
    const { baseUrl, records } = await startSandbox();
    const adapter = createSlackAdapter({
      token: 'xoxb-test',
      channel: CHANNEL,
      baseUrl,
      workspaceUrl: 'https://acme.slack.com',
    });
    const lead = buildLead();

    // Act
    const outcomes = await adapter.deliver([lead]);

    // Assess
    const { messages, requests } = await records();
    expect(messages).toHaveLength(1);
    const [message] = messages;
    const channel = sandboxChannelId(CHANNEL);
    expect(outcomes.get(lead.id)).toEqual({
      status: 'delivered',
      ref: {
        id: message?.ts,
        url: `https://acme.slack.com/archives/${channel}/p${message?.ts.replace('.', '')}`,
      },
    });
    expect(message).toMatchObject({ channel, channelName: 'hot-leads', encoding: 'form' });
    expect(message?.text).toBe('Hot lead: Jane Doe (Acme Rockets), score 92, via typeform');
    const texts = blockTexts(message?.blocks).join('\n');
    for (const piece of [
      'Jane Doe, Acme Rockets',
      'jane.doe@example.com',
      '+14155550123',
      '*Source*\ntypeform',
      '*Score*\n92',
      'spring-launch',
      '>We need 40 seats',
      '|Open in HubSpot>',
    ]) {
      expect(texts).toContain(piece);
    }
    expect(requests).toEqual({ posts: 1, rateLimited: 0, serverErrors: 0 });
  });

  it('folds a burst of 40 leads into digests only, each lead in exactly one, with no 429', async () => {
    // Prepare
    const { baseUrl, records } = await startSandbox();
    const adapter = createSlackAdapter({ token: 'xoxb-test', channel: CHANNEL, baseUrl });
    const leads = buildLeads(40);

    // Act
    const outcomes = await adapter.deliver(leads);

    // Assess
    const { messages, requests } = await records();
    expect(messages).toHaveLength(Math.ceil(40 / SLACK_DIGEST_MAX_LEADS));
    for (const message of messages) expect(blockTexts(message.blocks)[0]).toMatch(/^:fire: \d+ hot leads/);
    const allText = messages.flatMap((message) => blockTexts(message.blocks)).join('\n');
    for (const lead of leads) {
      expect(allText.split(`${lead.email} ·`)).toHaveLength(2);
    }
    const timestamps = new Set(messages.map((message) => message.ts));
    expect(outcomes.size).toBe(40);
    for (const lead of leads) {
      const outcome = outcomes.get(lead.id);
      expect(outcome?.status).toBe('delivered');
      expect(timestamps.has(outcome?.status === 'delivered' ? (outcome.ref?.id ?? '') : '')).toBe(true);
    }
    expect(requests.rateLimited).toBe(0);
  });

  it('answers a 429 with a retry after Slack’s Retry-After', async () => {
    // Prepare
    const { baseUrl, records } = await startSandbox({ faults: { rateLimitRate: 1, retryAfterSeconds: 7 } });
    const adapter = createSlackAdapter({ token: 'xoxb-test', channel: CHANNEL, baseUrl });
    const leads = buildLeads(2);

    // Act
    const outcomes = await adapter.deliver(leads);

    // Assess: the second lead is not sent into a channel that said to wait
    const expected = { status: 'retry', reason: 'ratelimited', retryAfterMs: 7000 };
    expect([...outcomes.values()]).toEqual([expected, expected]);
    expect((await records()).requests).toMatchObject({ posts: 1, rateLimited: 1 });
  });

  it('keeps every lead when the sandbox’s own per-channel limit answers 429 mid-batch', async () => {
    // Prepare: a frozen clock, so the burst of 3 never refills; a limiter that lets everything through
    const { baseUrl, records } = await startSandbox({ now: () => 1_800_000_000_000, perChannelBurst: 3 });
    const adapter = createSlackAdapter({
      token: 'xoxb-test',
      channel: CHANNEL,
      baseUrl,
      digestThreshold: 10,
      limiter: new RollingWindowLimiter({ requests: 100, perSeconds: 1 }),
    });
    const leads = buildLeads(6);

    // Act
    const outcomes = await adapter.deliver(leads);

    // Assess
    const statuses = leads.map((lead) => outcomes.get(lead.id));
    expect(statuses.slice(0, 3).map((o) => o?.status)).toEqual(['delivered', 'delivered', 'delivered']);
    const limited = { status: 'retry', reason: 'ratelimited', retryAfterMs: 1000 };
    expect(statuses.slice(3)).toEqual([limited, limited, limited]);
    expect((await records()).requests).toMatchObject({ posts: 4, rateLimited: 1 });
  });

  it.each([
    ['a revoked token', { token: 'xoxb-revoked' }, { status: 'blocked', reason: 'token_revoked' }],
    ['an inactive account', { token: 'xoxb-inactive' }, { status: 'blocked', reason: 'account_inactive' }],
    [
      'a token without chat:write',
      { token: 'xoxb-no-scope' },
      { status: 'blocked', reason: 'missing_scope' },
    ],
    ['an unknown token', { token: 'nope-not-a-slack-token' }, { status: 'blocked', reason: 'invalid_auth' }],
    ['no token', { token: '' }, { status: 'blocked', reason: 'not_authed' }],
    ['an unknown channel', { channel: '#nowhere' }, { status: 'rejected', reason: 'channel_not_found' }],
    ['an archived channel', { channel: '#archived' }, { status: 'rejected', reason: 'is_archived' }],
    [
      'a channel the bot is not in',
      { channel: '#outsider' },
      { status: 'rejected', reason: 'not_in_channel' },
    ],
  ])('classifies %s for the whole batch with one call', async (_case, override, expected) => {
    // Prepare
    const { baseUrl, records } = await startSandbox();
    const adapter = createSlackAdapter({ token: 'xoxb-test', channel: CHANNEL, baseUrl, ...override });
    const leads = buildLeads(2);

    // Act
    const outcomes = await adapter.deliver(leads);

    // Assess
    expect([...outcomes.values()]).toEqual([expected, expected]);
    const { messages, requests } = await records();
    expect(messages).toHaveLength(0);
    expect(requests.posts).toBe(1);
  });

  it('rejects a message Slack refuses as invalid_blocks, and still tries the next one', async () => {
    // Prepare
    const { baseUrl, records } = await startSandbox({ faults: { recordErrorRate: 1 } });
    const adapter = createSlackAdapter({ token: 'xoxb-test', channel: CHANNEL, baseUrl });
    const leads = buildLeads(2);

    // Act
    const outcomes = await adapter.deliver(leads);

    // Assess
    const rejected = { status: 'rejected', reason: 'invalid_blocks' };
    expect([...outcomes.values()]).toEqual([rejected, rejected]);
    expect((await records()).requests.posts).toBe(2);
  });

  it.each([
    ['a 5xx', { serverErrorRate: 1 }, 'http_503'],
    ['a request that never answers', { timeoutRate: 1 }, 'timeout'],
  ])('retries after %s', async (_case, faults, reason) => {
    // Prepare
    const { baseUrl } = await startSandbox({ faults });
    const adapter = createSlackAdapter({ token: 'xoxb-test', channel: CHANNEL, baseUrl, timeoutMs: 300 });
    const lead = buildLead();

    // Act
    const outcomes = await adapter.deliver([lead]);

    // Assess
    expect(outcomes.get(lead.id)).toEqual({ status: 'retry', reason });
  });

  it('retries when nothing listens at the base URL', async () => {
    // Prepare: a sandbox started and closed, so its port refuses connections
    const { baseUrl } = await startSandbox();
    await running?.close();
    running = undefined;
    const adapter = createSlackAdapter({ token: 'xoxb-test', channel: CHANNEL, baseUrl });
    const lead = buildLead();

    // Act
    const outcomes = await adapter.deliver([lead]);

    // Assess
    expect(outcomes.get(lead.id)).toEqual({ status: 'retry', reason: 'network_error' });
  });

  it('alerts a lead repeated within one batch once', async () => {
    // Prepare
    const { baseUrl, records } = await startSandbox();
    const adapter = createSlackAdapter({ token: 'xoxb-test', channel: CHANNEL, baseUrl });
    const lead = buildLead();

    // Act
    const outcomes = await adapter.deliver([lead, lead]);

    // Assess
    expect(outcomes.size).toBe(1);
    expect((await records()).messages).toHaveLength(1);
  });
});
