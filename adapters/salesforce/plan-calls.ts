import { SALESFORCE_BATCH_LIMIT } from './limits.ts';

/**
 * Groups records into calls of at most 200. Two records with the same key (email key, person id)
 * never share a call: Salesforce fails every record of a call whose external id repeats
 * (DUPLICATE_VALUE), and a person's second submission must be merged with what the first wrote, so
 * the n-th occurrence of a key goes in the n-th round, keeping the order in which they arrived.
 */
export function planCalls<T extends { key: string }>(records: readonly T[]): T[][] {
  const rounds: T[][] = [];
  const seen = new Map<string, number>();
  for (const record of records) {
    const round = seen.get(record.key) ?? 0;
    seen.set(record.key, round + 1);
    const bucket = rounds[round] ?? [];
    bucket.push(record);
    rounds[round] = bucket;
  }
  const calls: T[][] = [];
  for (const round of rounds) {
    for (let start = 0; start < round.length; start += SALESFORCE_BATCH_LIMIT) {
      calls.push(round.slice(start, start + SALESFORCE_BATCH_LIMIT));
    }
  }
  return calls;
}
