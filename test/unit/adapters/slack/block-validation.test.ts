import { describe, expect, it } from 'vitest';
import { validateBlocks } from '../../../../adapters/slack/block-validation.ts';

const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });
const valid = () => [
  { type: 'header', text: { type: 'plain_text', text: 'Hot lead' } },
  section('hello'),
  { type: 'section', fields: [{ type: 'mrkdwn', text: '*Email*\na@b.c' }] },
  { type: 'context', elements: [{ type: 'mrkdwn', text: 'Lead `1`' }] },
  { type: 'divider' },
  {
    type: 'actions',
    elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open' }, url: 'https://x.example' }],
  },
];

describe('validateBlocks', () => {
  it('accepts a valid message', () => {
    expect(validateBlocks(valid())).toBeUndefined();
  });

  it.each<[string, (blocks: Record<string, unknown>[]) => unknown, string, string | undefined]>([
    ['not an array', () => ({ type: 'section' }), 'invalid_blocks_format', undefined],
    ['51 blocks', () => Array.from({ length: 51 }, () => section('x')), 'invalid_blocks', '/blocks'],
    ['an unknown block type', (b) => [...b, { type: 'banner' }], 'invalid_blocks', '/blocks/6/type'],
    [
      'section text over 3000',
      (b) => [section('x'.repeat(3001)), ...b],
      'invalid_blocks',
      '/blocks/0/text/text',
    ],
    ['empty section text', (b) => [section(''), ...b], 'invalid_blocks', '/blocks/0/text/text'],
    [
      'a section with neither text nor fields',
      (b) => [{ type: 'section' }, ...b],
      'invalid_blocks',
      '/blocks/0',
    ],
    [
      '11 fields',
      () => [{ type: 'section', fields: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'f' })) }],
      'invalid_blocks',
      '/blocks/0/fields',
    ],
    [
      'a field over 2000',
      () => [{ type: 'section', fields: [{ type: 'mrkdwn', text: 'f'.repeat(2001) }] }],
      'invalid_blocks',
      '/blocks/0/fields/0/text',
    ],
    [
      'a mrkdwn header',
      () => [{ type: 'header', text: { type: 'mrkdwn', text: 'h' } }],
      'invalid_blocks',
      '/blocks/0/text/type',
    ],
    [
      'a header over 150',
      () => [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }],
      'invalid_blocks',
      '/blocks/0/text/text',
    ],
    [
      'a context with 11 elements',
      () => [
        { type: 'context', elements: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'c' })) },
      ],
      'invalid_blocks',
      '/blocks/0/elements',
    ],
    [
      'a button label over 75',
      () => [
        {
          type: 'actions',
          elements: [{ type: 'button', text: { type: 'plain_text', text: 'b'.repeat(76) } }],
        },
      ],
      'invalid_blocks',
      '/blocks/0/elements/0/text/text',
    ],
    [
      'a block_id over 255',
      () => [{ type: 'divider', block_id: 'i'.repeat(256) }],
      'invalid_blocks',
      '/blocks/0/block_id',
    ],
    [
      'more than 12,000 characters in all',
      () => Array.from({ length: 5 }, () => section('x'.repeat(2500))),
      'msg_blocks_too_long',
      undefined,
    ],
  ])('refuses %s', (_case, breakIt, error, pointer) => {
    // Prepare
    const blocks = breakIt(valid());

    // Act
    const problem = validateBlocks(blocks);

    // Assess
    expect(problem?.error).toBe(error);
    if (pointer) expect(problem?.message).toContain(`[json-pointer:${pointer}]`);
  });
});
