import type { Outcome } from '../../functions/ports.ts';
import { type FoldOptions, postFolded } from './fold.ts';
import { type OpsAlert, opsAlertLine, opsAlertMessage, opsDigestMessage } from './ops-message.ts';
import { createSlackPoster, type SlackPosterOptions } from './poster.ts';

export type { OpsAlert } from './ops-message.ts';

/** Alerts per digest message: header, tally, one section each, divider and next steps stay far below 50 blocks. */
export const OPS_DIGEST_MAX_ALERTS = 20;
const OPS_DIGEST_TEXT_BUDGET = 9000;

export interface OpsAlerter {
  /** Posts the alerts (as digests when there are many) and returns an outcome per alert index. Never throws. */
  alert(alerts: readonly OpsAlert[]): Promise<Map<number, Outcome>>;
}

export interface OpsAlerterOptions extends SlackPosterOptions {
  /** More alerts than this at once become digest messages; default 3. */
  digestThreshold?: number;
}

/** Ops alerts in Slack: what happened, where, and the command that follows it up. No personal data. */
export function createOpsAlerter(options: OpsAlerterOptions): OpsAlerter {
  const poster = createSlackPoster(options);
  const fold: FoldOptions = {
    digestThreshold: options.digestThreshold ?? 3,
    maxPerDigest: OPS_DIGEST_MAX_ALERTS,
    digestTextBudget: OPS_DIGEST_TEXT_BUDGET,
  };
  const format = { single: opsAlertMessage, line: opsAlertLine, digest: opsDigestMessage };
  return {
    async alert(alerts) {
      const outcomes = await postFolded(poster, alerts, format, fold);
      return new Map(outcomes.map((outcome, index) => [index, outcome]));
    },
  };
}
