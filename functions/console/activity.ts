import type { LedgerEvent } from '../../schemas/generated/ledger-event.ts';
import type { QueueDepth } from '../ports.ts';
import type { DestinationOverview } from './types.ts';

const MINUTE = 60_000;
const BUCKETS = 60;

/**
 * One destination's card: its queues' depth, and from the ledger's last hour of events its
 * attempts per minute (delivered and not), its latest success and its latest failure.
 */
export function destinationOverview(input: {
  name: string;
  type: string;
  depth: { queue: QueueDepth; deadLetters: QueueDepth };
  /** Ledger events since `since`, any destination, oldest first. */
  events: readonly LedgerEvent[];
  since: number;
  now: number;
}): DestinationOverview {
  const delivered = new Array<number>(BUCKETS).fill(0);
  const failed = new Array<number>(BUCKETS).fill(0);
  let lastSuccess: string | undefined;
  let lastError: { at: string; reason: string } | undefined;
  for (const event of input.events) {
    if (event.kind !== 'attempt' || event.destination !== input.name) continue;
    const at = Date.parse(event.at);
    const bucket = Math.floor((at - (input.now - BUCKETS * MINUTE)) / MINUTE);
    if (at < input.since || bucket < 0 || bucket >= BUCKETS) continue;
    if (event.outcome === 'delivered') {
      delivered[bucket] = (delivered[bucket] ?? 0) + 1;
      if (!lastSuccess || event.at > lastSuccess) lastSuccess = event.at;
    } else {
      failed[bucket] = (failed[bucket] ?? 0) + 1;
      if (!lastError || event.at > lastError.at)
        lastError = { at: event.at, reason: event.reason ?? event.outcome };
    }
  }
  const { oldestSentAt } = input.depth.queue;
  return {
    name: input.name,
    type: input.type,
    queue: input.depth.queue,
    deadLetters: input.depth.deadLetters,
    ...(oldestSentAt !== undefined
      ? { oldestAgeSeconds: Math.max(0, Math.round((input.now - oldestSentAt) / 1000)) }
      : {}),
    ...(lastSuccess ? { lastSuccess } : {}),
    ...(lastError ? { lastError } : {}),
    lastHour: { delivered, failed },
  };
}
