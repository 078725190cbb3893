import { createHash } from 'node:crypto';
import { Sandbox, type SandboxOptions, type SandboxRequest, type SandboxResponse } from '../sandbox/kit.ts';
import { validateBlocks } from './block-validation.ts';
import { SLACK_LIMITS } from './limits.ts';

export interface SlackSandboxOptions extends SandboxOptions {
  /** Accepted tokens; default any token starting with 'xoxb-' or 'xoxp-'. */
  tokens?: string[];
  /** Known channels: names with or without '#', or ids. Default: any channel exists. */
  channels?: string[];
  /** Messages per second per channel, default 1, as Slack's chat.postMessage. */
  perChannelPerSecond?: number;
  /**
   * Messages a quiet channel may take at once before the rate applies. Slack publishes only "short bursts >1
   * allowed" with no number; default 3, so a client keeping to one per second never sees a 429 and a client
   * firing a batch at once does.
   */
  perChannelBurst?: number;
  /** Tokens Slack refuses with a specific code, e.g. { 'xoxb-old': 'token_revoked' }. */
  tokenErrors?: Record<string, string>;
  /** Channels Slack refuses with a specific code, e.g. { '#old-leads': 'is_archived' }. */
  channelErrors?: Record<string, string>;
  now?: () => number;
}

/** One message the sandbox accepted, as a person or a test would want to look at it. */
export interface SlackSandboxMessage {
  channel: string;
  /** The name it was posted to, when it was posted by name. */
  channelName?: string;
  ts: string;
  text?: string;
  blocks?: unknown[];
  attachments?: unknown[];
  threadTs?: string;
  /** How the request body was encoded: the Node SDK sends forms, many other clients JSON. */
  encoding: 'form' | 'json';
}

export interface SlackSandboxRecords {
  messages: SlackSandboxMessage[];
  requests: { posts: number; rateLimited: number; serverErrors: number };
}

const ID_PATTERN = /^[CGD][A-Z0-9]{8,}$/;
const TEAM = 'T0LEADPIPE';
const BOT = { user: 'U0LEADPIPE', bot_id: 'B0LEADPIPE', app_id: 'A0LEADPIPE' } as const;

/** A stable channel id for a name, shaped like Slack's (C + 10 base-32 characters). */
export function sandboxChannelId(channel: string): string {
  const bare = channel.replace(/^#/, '');
  if (ID_PATTERN.test(bare)) return bare;
  const digest = createHash('sha256').update(bare.toLowerCase()).digest();
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let id = 'C';
  for (let i = 0; i < 10; i++) id += alphabet[(digest[i] ?? 0) % 32];
  return id;
}

/** Slack's answer to a refused call: HTTP 200 with ok:false (only rate limits get a 429). */
const refuse = (error: string, extra: Record<string, unknown> = {}): SandboxResponse => ({
  status: 200,
  body: { ok: false, error, ...extra },
});

/**
 * A Slack Web API stand-in for chat.postMessage: form or JSON bodies, Bearer or form tokens, Slack's error codes
 * and Block Kit limits, and its per-channel rate limit answered with 429 and Retry-After.
 */
export function createSlackSandbox(options: SlackSandboxOptions = {}): Sandbox {
  const now = options.now ?? Date.now;
  const rate = options.perChannelPerSecond ?? 1;
  const burst = options.perChannelBurst ?? 3;
  if (!(rate > 0) || !(burst >= 1))
    throw new RangeError('perChannelPerSecond must be > 0 and perChannelBurst >= 1');
  const tokenAccepted = options.tokens
    ? (token: string) => options.tokens?.includes(token) ?? false
    : (token: string) => token.startsWith('xoxb-') || token.startsWith('xoxp-');
  const known = options.channels ? new Set(options.channels.map(sandboxChannelId)) : undefined;
  const channelErrors = new Map(
    Object.entries(options.channelErrors ?? {}).map(([channel, code]) => [sandboxChannelId(channel), code]),
  );

  let messages: SlackSandboxMessage[] = [];
  const requests = { posts: 0, rateLimited: 0, serverErrors: 0 };
  let buckets = new Map<string, { tokens: number; at: number }>();
  let lastMicros = 0;

  const rateLimited = (seconds: number): SandboxResponse => {
    requests.rateLimited += 1;
    return {
      status: 429,
      headers: { 'retry-after': String(seconds) },
      body: { ok: false, error: 'ratelimited' },
    };
  };

  /** Token bucket per channel: `burst` messages at once, refilled at `rate` per second. */
  const takeSlot = (channel: string): number | undefined => {
    const at = now();
    const bucket = buckets.get(channel) ?? { tokens: burst, at };
    bucket.tokens = Math.min(burst, bucket.tokens + ((at - bucket.at) / 1000) * rate);
    bucket.at = at;
    buckets.set(channel, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return undefined;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / rate));
  };

  /** Message timestamps are unique and increasing, like Slack's "seconds.microseconds". */
  const nextTs = (): string => {
    lastMicros = Math.max(Math.floor(now() * 1000), lastMicros + 1);
    return `${Math.floor(lastMicros / 1e6)}.${String(lastMicros % 1e6).padStart(6, '0')}`;
  };

  const sandbox = new Sandbox(
    'slack',
    {
      renderer: {
        serverError: () => {
          requests.posts += 1;
          requests.serverErrors += 1;
          return { status: 503, body: { ok: false, error: 'service_unavailable' } };
        },
        rateLimited: (seconds) => {
          requests.posts += 1;
          return rateLimited(seconds);
        },
      },
      records: (): SlackSandboxRecords => ({
        messages: structuredClone(messages),
        requests: { ...requests },
      }),
      reset: () => {
        messages = [];
        requests.posts = 0;
        requests.rateLimited = 0;
        requests.serverErrors = 0;
        buckets = new Map();
      },
    },
    options,
  );

  const postMessage = (request: SandboxRequest): SandboxResponse => {
    requests.posts += 1;
    const parsed = parseArguments(request);
    if ('error' in parsed) return refuse(parsed.error);
    const { args, encoding } = parsed;

    const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
    // Slack reads a token from the form but not from a JSON body: JSON callers must use the header.
    const token = bearer ?? (encoding === 'form' ? stringArg(args.token) : undefined);
    if (!token) return refuse('not_authed');
    const tokenError = options.tokenErrors?.[token];
    if (tokenError) return refuse(tokenError);
    if (!tokenAccepted(token)) return refuse('invalid_auth');

    const channelArg = stringArg(args.channel);
    if (!channelArg) return refuse('channel_not_found');
    const channel = sandboxChannelId(channelArg);
    if (known && !known.has(channel)) return refuse('channel_not_found');
    const channelError = channelErrors.get(channel);
    if (channelError) return refuse(channelError);

    const wait = takeSlot(channel);
    if (wait !== undefined) return rateLimited(wait);

    const blocks = arrayArg(args.blocks);
    if (blocks === INVALID) return refuse('invalid_blocks_format');
    const attachments = arrayArg(args.attachments);
    if (attachments === INVALID) return refuse('invalid_attachments');
    const text = stringArg(args.text);
    if (attachments && attachments.length > SLACK_LIMITS.attachments) return refuse('too_many_attachments');
    if (!text && !blocks?.length && !attachments?.length) return refuse('no_text');
    if (text && text.length > SLACK_LIMITS.messageText) return refuse('msg_too_long');
    if (blocks) {
      const problem = validateBlocks(blocks);
      if (problem) return refuse(problem.error, { response_metadata: { messages: [problem.message] } });
    }
    if (sandbox.failRecord()) {
      return refuse('invalid_blocks', {
        response_metadata: { messages: ['[ERROR] injected by the sandbox (recordErrorRate)'] },
      });
    }

    const ts = nextTs();
    const threadTs = stringArg(args.thread_ts);
    const bare = channelArg.replace(/^#/, '');
    messages.push({
      channel,
      ...(bare !== channel ? { channelName: bare } : {}),
      ts,
      ...(text !== undefined ? { text } : {}),
      ...(blocks ? { blocks } : {}),
      ...(attachments ? { attachments } : {}),
      ...(threadTs ? { threadTs } : {}),
      encoding,
    });
    return {
      status: 200,
      headers: { 'x-oauth-scopes': 'chat:write', 'x-accepted-oauth-scopes': 'chat:write' },
      body: {
        ok: true,
        channel,
        ts,
        message: {
          ...BOT,
          type: 'message',
          team: TEAM,
          ts,
          text: text ?? '',
          ...(blocks ? { blocks } : {}),
          ...(attachments ? { attachments } : {}),
          ...(threadTs ? { thread_ts: threadTs } : {}),
        },
      },
    };
  };

  // WebClient calls `${slackApiUrl}chat.postMessage`; other clients keep Slack's /api prefix in the base URL.
  sandbox.route('POST', '/chat.postMessage', postMessage);
  sandbox.route('POST', '/api/chat.postMessage', postMessage);
  return sandbox;
}

const INVALID = Symbol('invalid');

type Parsed = { args: Record<string, unknown>; encoding: 'form' | 'json' } | { error: string };

/** Reads the arguments the way Slack does: form-encoded or JSON, anything else refused with Slack's codes. */
function parseArguments(request: SandboxRequest): Parsed {
  const contentType = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const raw = request.body.toString('utf8');
  if (!contentType) return raw.length ? { error: 'missing_post_type' } : { args: {}, encoding: 'form' };
  if (contentType === 'application/x-www-form-urlencoded') {
    return { args: Object.fromEntries(new URLSearchParams(raw)), encoding: 'form' };
  }
  if (contentType === 'application/json') {
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      return { error: 'invalid_json' };
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      return { error: 'json_not_object' };
    return { args: value as Record<string, unknown>, encoding: 'json' };
  }
  return { error: 'invalid_post_type' };
}

function stringArg(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/**
 * A JSON array argument: a JSON string in a form (also allowed in a JSON body), or the array itself in a JSON
 * body. INVALID when it is not JSON or not an array.
 */
function arrayArg(value: unknown): unknown[] | typeof INVALID | undefined {
  if (value === undefined || value === '') return undefined;
  let parsed: unknown = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      return INVALID;
    }
  }
  return Array.isArray(parsed) ? parsed : INVALID;
}
