import type { DeliveredRef, DeliveredStore, DestinationAdapter, Outcome } from '../../functions/ports.ts';
import type { Lead } from '../../schemas/generated/lead.ts';
import type { RateLimiter } from '../rate-limit.ts';
import type { SlackMessage } from './blocks.ts';
import { type FoldOptions, postFolded } from './fold.ts';
import { leadAlertMessage, leadDigestLine, leadDigestMessage } from './lead-message.ts';
import { SLACK_DIGEST_MAX_LEADS, SLACK_MAX_BATCH_SIZE } from './limits.ts';
import { createSlackPoster, type SlackPosterOptions } from './poster.ts';

export { SLACK_DIGEST_MAX_LEADS, SLACK_MAX_BATCH_SIZE };

/** Characters of lead lines per digest; the title and context line stay under 400 more. */
export const DIGEST_TEXT_BUDGET = 9000;
/** A batch of more leads than this is folded into digests. */
export const SLACK_DEFAULT_DIGEST_THRESHOLD = 3;

export interface SlackAdapterOptions {
  /** Bot token (xoxb-) with chat:write, already resolved. */
  token: string;
  /** Channel id or name. */
  channel: string;
  /** Web API base, WebClient's slackApiUrl; default https://slack.com/api/. */
  baseUrl?: string;
  /** Default 1 request per 1 s: Slack's per-channel limit for chat.postMessage. */
  rateLimit?: { requests: number; perSeconds: number };
  /** Default 10 s per request; capped at the time a deliver call's deadline leaves. */
  timeoutMs?: number;
  /** Share one limiter with anything else posting to the same channel (e.g. ops alerts). */
  limiter?: RateLimiter;
  /** More than this many leads in one batch become digest messages; default 3. */
  digestThreshold?: number;
  /** Workspace URL (https://acme.slack.com) for message permalinks in delivery refs; omitted otherwise. */
  workspaceUrl?: string;
  logger?: SlackPosterOptions['logger'];
  /**
   * Records each lead once its message is posted, and skips recorded leads when a batch comes
   * again (a crash part-way through a batch, a redrive): people never see a hot lead twice.
   */
  delivered?: { store: DeliveredStore; destination: string };
}

/**
 * Hot-lead alerts in Slack: one Block Kit message per lead, or digests when a batch holds more leads than the
 * channel's rate allows. Every lead gets an outcome; a delivered lead's ref id is the message ts.
 */
export function createSlackAdapter(options: SlackAdapterOptions): DestinationAdapter {
  const poster = createSlackPoster(options);
  const fold: FoldOptions = {
    digestThreshold: options.digestThreshold ?? SLACK_DEFAULT_DIGEST_THRESHOLD,
    maxPerDigest: SLACK_DIGEST_MAX_LEADS,
    digestTextBudget: DIGEST_TEXT_BUDGET,
  };
  const format = { single: leadAlertMessage, line: leadDigestLine, digest: leadDigestMessage };

  return {
    maxBatchSize: SLACK_MAX_BATCH_SIZE,
    async deliver(
      leads: readonly Lead[],
      { deadline }: { deadline?: number } = {},
    ): Promise<Map<string, Outcome>> {
      const results = new Map<string, Outcome>();
      if (leads.length === 0) return results;
      // A redelivered duplicate inside one batch is alerted once and shares its outcome.
      const unique = [...new Map(leads.map((lead) => [lead.id, lead])).values()];
      const ledger = options.delivered;
      const already = ledger
        ? await ledger.store.find(
            ledger.destination,
            unique.map((lead) => lead.id),
          )
        : new Map();
      for (const [leadId, ref] of already)
        results.set(leadId, { status: 'delivered', ...(ref ? { ref } : {}) });
      const fresh = unique.filter((lead) => !already.has(lead.id));
      const record = ledger
        ? async (posted: readonly Lead[], ref: DeliveredRef | undefined) => {
            try {
              await ledger.store.record(
                ledger.destination,
                posted.map((lead) => ({ leadId: lead.id, ...(ref ? { ref } : {}) })),
              );
            } catch (error) {
              // The message is out; only a crash before the next record could post it again.
              options.logger?.error?.(`Could not record posted leads: ${(error as Error).name}`);
            }
          }
        : undefined;
      // A refusal for lack of time holds for the channel: every later message gets the same retry.
      const bounded =
        deadline === undefined
          ? poster
          : { post: (message: SlackMessage) => poster.post(message, { deadline }) };
      const outcomes = await postFolded(bounded, fresh, format, fold, record);
      fresh.forEach((lead, index) => {
        const outcome = outcomes[index];
        if (outcome) results.set(lead.id, outcome);
      });
      return results;
    },
  };
}
