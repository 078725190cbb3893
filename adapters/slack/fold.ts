import type { DeliveredRef, Outcome } from '../../functions/ports.ts';
import type { SlackMessage } from './blocks.ts';
import type { FailedOutcome } from './classify.ts';
import type { SlackPoster } from './poster.ts';

/** Where a digest sits among the digests of one batch, for its title ("leads 21–40 of 40"). */
export interface DigestPosition {
  /** 1-based index of the first item in this digest, and of the last. */
  first: number;
  last: number;
  total: number;
}

/** How one kind of alert is shown: alone, or as one line of a digest. */
export interface AlertFormat<T> {
  single(item: T): SlackMessage;
  /** One mrkdwn line per item; must fit a section block. */
  line(item: T): string;
  digest(items: readonly T[], lines: readonly string[], position: DigestPosition): SlackMessage;
}

export interface FoldOptions {
  /** More items than this in one batch are folded into digests. */
  digestThreshold: number;
  /** Items per digest at most. */
  maxPerDigest: number;
  /** Total characters of the lines in one digest at most, leaving room for its title and footer. */
  digestTextBudget: number;
}

/**
 * Posts a batch of alerts, one message each when there are few, digests when there are more than the channel's
 * one-message-per-second allows, and returns an outcome per item, in order. After a failure that holds for the
 * whole channel (bad token, unknown channel, rate limit, outage) the rest get the same outcome without a call.
 */
export async function postFolded<T>(
  poster: SlackPoster,
  items: readonly T[],
  format: AlertFormat<T>,
  options: FoldOptions,
  /** Told after each posted message which items it carried, before the next message is posted. */
  onPosted?: (items: readonly T[], ref: DeliveredRef | undefined) => Promise<void>,
): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  const groups = items.length > options.digestThreshold ? packDigests(items, format, options) : undefined;
  let channelFailure: FailedOutcome | undefined;

  const send = async (message: () => SlackMessage, carried: readonly T[]) => {
    const count = carried.length;
    if (channelFailure) {
      for (let i = 0; i < count; i++) outcomes.push(channelFailure);
      return;
    }
    const result = await poster.post(message());
    let outcome: Outcome;
    if (result.ok) {
      outcome = { status: 'delivered' };
      if (result.ts) outcome.ref = result.url ? { id: result.ts, url: result.url } : { id: result.ts };
      await onPosted?.(carried, outcome.ref);
    } else {
      outcome = result.outcome;
      if (result.scope === 'channel') channelFailure = result.outcome;
    }
    for (let i = 0; i < count; i++) outcomes.push(outcome);
  };

  if (!groups) {
    for (const item of items) await send(() => format.single(item), [item]);
    return outcomes;
  }
  let first = 1;
  for (const group of groups) {
    const position = { first, last: first + group.items.length - 1, total: items.length };
    await send(() => format.digest(group.items, group.lines, position), group.items);
    first = position.last + 1;
  }
  return outcomes;
}

/** Packs items in order into digests that respect both the item count and the text budget. */
export function packDigests<T>(
  items: readonly T[],
  format: Pick<AlertFormat<T>, 'line'>,
  options: Pick<FoldOptions, 'maxPerDigest' | 'digestTextBudget'>,
): { items: T[]; lines: string[] }[] {
  const groups: { items: T[]; lines: string[] }[] = [];
  let current: { items: T[]; lines: string[]; chars: number } | undefined;
  for (const item of items) {
    const line = format.line(item);
    const full =
      current &&
      (current.items.length >= options.maxPerDigest ||
        current.chars + line.length > options.digestTextBudget);
    if (!current || full) {
      current = { items: [], lines: [], chars: 0 };
      groups.push(current);
    }
    current.items.push(item);
    current.lines.push(line);
    current.chars += line.length;
  }
  return groups.map(({ items: groupItems, lines }) => ({ items: groupItems, lines }));
}
