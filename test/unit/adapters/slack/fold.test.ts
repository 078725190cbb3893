import { describe, expect, it } from 'vitest';
import type { SlackMessage } from '../../../../adapters/slack/blocks.ts';
import { type AlertFormat, packDigests, postFolded } from '../../../../adapters/slack/fold.ts';
import type { PostResult, SlackPoster } from '../../../../adapters/slack/poster.ts';

/** A poster that answers from a script, one result per post, and remembers what it was asked to post. */
function scriptedPoster(results: PostResult[]): SlackPoster & { posted: SlackMessage[] } {
  const posted: SlackMessage[] = [];
  return {
    posted,
    async post(message) {
      posted.push(message);
      return results[posted.length - 1] ?? { ok: true, ts: `ts-${posted.length}` };
    },
  };
}

const format: AlertFormat<string> = {
  single: (item) => ({ text: `single ${item}`, blocks: [] }),
  line: (item) => item,
  digest: (items, _lines, position) => ({
    text: `digest ${position.first}-${position.last}/${position.total} ${items.join(',')}`,
    blocks: [],
  }),
};
const options = { digestThreshold: 3, maxPerDigest: 4, digestTextBudget: 1000 };

describe('postFolded', () => {
  it('posts one message per item up to the threshold', async () => {
    // Prepare
    const poster = scriptedPoster([]);

    // Act
    const outcomes = await postFolded(poster, ['a', 'b', 'c'], format, options);

    // Assess
    expect(poster.posted.map((m) => m.text)).toEqual(['single a', 'single b', 'single c']);
    expect(outcomes).toEqual([
      { status: 'delivered', ref: { id: 'ts-1' } },
      { status: 'delivered', ref: { id: 'ts-2' } },
      { status: 'delivered', ref: { id: 'ts-3' } },
    ]);
  });

  it('folds more than the threshold into numbered digests, every item once', async () => {
    // Prepare
    const poster = scriptedPoster([]);

    // Act
    const outcomes = await postFolded(poster, ['a', 'b', 'c', 'd', 'e', 'f'], format, options);

    // Assess
    expect(poster.posted.map((m) => m.text)).toEqual(['digest 1-4/6 a,b,c,d', 'digest 5-6/6 e,f']);
    expect(outcomes.map((o) => (o.status === 'delivered' ? o.ref?.id : o.status))).toEqual([
      'ts-1',
      'ts-1',
      'ts-1',
      'ts-1',
      'ts-2',
      'ts-2',
    ]);
  });

  it('gives the rest of the batch a channel-wide failure without posting again', async () => {
    // Prepare
    const limited = { status: 'retry', reason: 'ratelimited', retryAfterMs: 1000 } as const;
    const poster = scriptedPoster([
      { ok: true, ts: 'ts-1' },
      { ok: false, outcome: limited, scope: 'channel' },
    ]);

    // Act
    const outcomes = await postFolded(poster, ['a', 'b', 'c'], format, options);

    // Assess
    expect(poster.posted).toHaveLength(2);
    expect(outcomes).toEqual([{ status: 'delivered', ref: { id: 'ts-1' } }, limited, limited]);
  });

  it('keeps posting after a failure that concerns one message only', async () => {
    // Prepare
    const invalid = { status: 'rejected', reason: 'invalid_blocks' } as const;
    const poster = scriptedPoster([{ ok: false, outcome: invalid, scope: 'message' }]);

    // Act
    const outcomes = await postFolded(poster, ['a', 'b'], format, options);

    // Assess
    expect(poster.posted).toHaveLength(2);
    expect(outcomes).toEqual([invalid, { status: 'delivered', ref: { id: 'ts-2' } }]);
  });

  it('carries a permalink when the poster knows one', async () => {
    // Prepare
    const poster = scriptedPoster([{ ok: true, ts: '1.2', url: 'https://acme.slack.com/archives/C1/p12' }]);

    // Act
    const [outcome] = await postFolded(poster, ['a'], format, options);

    // Assess
    expect(outcome).toEqual({
      status: 'delivered',
      ref: { id: '1.2', url: 'https://acme.slack.com/archives/C1/p12' },
    });
  });
});

describe('packDigests', () => {
  it('starts a new digest when the text budget would be exceeded', () => {
    // Prepare: 40 + 40 fits a budget of 100, a third line does not
    const items = ['a'.repeat(40), 'b'.repeat(40), 'c'.repeat(40)];

    // Act
    const groups = packDigests(items, format, { maxPerDigest: 10, digestTextBudget: 100 });

    // Assess
    expect(groups.map((group) => group.items.length)).toEqual([2, 1]);
  });

  it('puts a line longer than the budget alone rather than dropping it', () => {
    // Act
    const groups = packDigests(['x'.repeat(200), 'y'], format, { maxPerDigest: 10, digestTextBudget: 100 });

    // Assess
    expect(groups.map((group) => group.items)).toEqual([['x'.repeat(200)], ['y']]);
  });
});
