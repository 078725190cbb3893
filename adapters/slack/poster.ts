import { type Logger, LogLevel, WebClient } from '@slack/web-api';
import { acquireBefore, callTimeout, TIME_BUDGET_SPENT } from '../deadline.ts';
import { type RateLimiter, RollingWindowLimiter } from '../rate-limit.ts';
import type { SlackMessage } from './blocks.ts';
import { type ClassifiedFailure, classifySlackFailure } from './classify.ts';

export const SLACK_API_URL = 'https://slack.com/api/';
/** Slack's chat.postMessage allows about one message per second per channel. */
export const SLACK_DEFAULT_RATE_LIMIT = { requests: 1, perSeconds: 1 } as const;
export const SLACK_DEFAULT_TIMEOUT_MS = 10_000;

export interface SlackPosterOptions {
  /** Bot token (xoxb-) with chat:write, already resolved. */
  token: string;
  /** Channel id or name. */
  channel: string;
  /** Web API base, WebClient's slackApiUrl; point it at a sandbox with `${sandboxUrl}/`. */
  baseUrl?: string;
  /** Used when no `limiter` is given. */
  rateLimit?: { requests: number; perSeconds: number };
  /** Share one limiter between everything that posts to the same channel. */
  limiter?: RateLimiter;
  timeoutMs?: number;
  /** Workspace URL (https://acme.slack.com) to build message permalinks from; without it refs carry no url. */
  workspaceUrl?: string;
  /** The SDK's logger; the default one logs errors only, since the SDK's debug output contains message bodies. */
  logger?: Logger;
}

export type PostResult =
  | { ok: true; ts?: string; channel?: string; url?: string }
  | ({ ok: false } & ClassifiedFailure);

/** Posts one message at a time to one channel, within the rate limit, and says what happened. Never throws. */
export interface SlackPoster {
  /**
   * With a `deadline` (epoch ms), the request's timeout is capped at the time left, and the message
   * is not sent (a `retry` for the whole channel) when too little is left, the limiter's wait included.
   */
  post(message: SlackMessage, options?: { deadline?: number }): Promise<PostResult>;
}

export function createSlackPoster(options: SlackPosterOptions): SlackPoster {
  const limiter = options.limiter ?? new RollingWindowLimiter(options.rateLimit ?? SLACK_DEFAULT_RATE_LIMIT);
  const timeoutMs = options.timeoutMs ?? SLACK_DEFAULT_TIMEOUT_MS;
  // WebClient's timeout is per client, so a shorter one takes a client of its own.
  const clientWith = (timeout: number) =>
    new WebClient(options.token, {
      slackApiUrl: options.baseUrl ?? SLACK_API_URL,
      // The queue retries with backoff; the SDK's default would retry in-process for about 30 minutes.
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      timeout,
      ...(options.logger ? { logger: options.logger } : { logLevel: LogLevel.ERROR }),
    });
  const client = clientWith(timeoutMs);
  const workspaceUrl = options.workspaceUrl?.replace(/\/+$/, '');

  return {
    async post(message, postOptions) {
      const deadline = postOptions?.deadline;
      const release = await acquireBefore(limiter, deadline);
      const callMs = release ? callTimeout(timeoutMs, deadline) : undefined;
      if (!release || callMs === undefined) {
        await release?.();
        return { ok: false, outcome: TIME_BUDGET_SPENT, scope: 'channel' };
      }
      const caller = callMs < timeoutMs ? clientWith(callMs) : client;
      try {
        const result = await caller.chat.postMessage({
          channel: options.channel,
          text: message.text,
          blocks: message.blocks,
          // A lead's CRM links would otherwise unfurl into large previews.
          unfurl_links: false,
          unfurl_media: false,
        });
        const { ts, channel } = result;
        const url = workspaceUrl && ts && channel ? permalink(workspaceUrl, channel, ts) : undefined;
        return { ok: true, ts, channel, url };
      } catch (error) {
        const failure = classifySlackFailure(error);
        const { outcome } = failure;
        await release();
        // Nothing else goes to this channel before Slack said it may.
        if (outcome.status === 'retry' && outcome.retryAfterMs) limiter.pause(outcome.retryAfterMs);
        return { ok: false, ...failure };
      } finally {
        // A shared limiter's release is a write that must land before the invocation ends.
        await release();
      }
    },
  };
}

/** Slack's permalink shape: /archives/<channel>/p<ts without the dot>. */
function permalink(workspaceUrl: string, channel: string, ts: string): string {
  return `${workspaceUrl}/archives/${encodeURIComponent(channel)}/p${ts.replace('.', '')}`;
}
