import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  code,
  escapeMrkdwn,
  escapeTruncated,
  mrkdwnLink,
  oneLine,
  truncate,
} from '../../../../adapters/slack/mrkdwn.ts';

describe('escapeMrkdwn', () => {
  it.each([
    ['<!channel> hello', '&lt;!channel&gt; hello'],
    ['<https://evil.example|click>', '&lt;https://evil.example|click&gt;'],
    ['Fish & Chips', 'Fish &amp; Chips'],
    ['plain', 'plain'],
  ])('escapes %j', (input, expected) => {
    // Act
    const escaped = escapeMrkdwn(input);

    // Assess
    expect(escaped).toBe(expected);
  });
});

describe('escapeTruncated', () => {
  it('keeps short text whole', () => {
    expect(escapeTruncated('A & B', 20)).toBe('A &amp; B');
  });

  it('never cuts an entity in half', () => {
    // Prepare: the cut falls inside the second "&amp;"
    const text = 'a&&&&';

    // Act
    const cut = escapeTruncated(text, 9);

    // Assess
    expect(cut).toBe('a&amp;…');
  });

  it('stays within the limit and leaves no raw control character, for any text', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 300 }),
        fc.integer({ min: 2, max: 200 }),
        (text, max) => {
          const cut = escapeTruncated(text, max);
          expect(cut.length).toBeLessThanOrEqual(max);
          expect(cut).not.toMatch(/[<>]/);
          expect(cut.replace(/&(amp|lt|gt);/g, '')).not.toContain('&');
        },
      ),
    );
  });
});

describe('truncate', () => {
  it('does not split a surrogate pair', () => {
    // Prepare: the emoji is two UTF-16 units, at positions 3 and 4
    const text = 'abc😀def';

    // Act
    const cut = truncate(text, 5);

    // Assess
    expect(cut).toBe('abc…');
  });

  it('leaves text within the limit unchanged', () => {
    expect(truncate('abc', 3)).toBe('abc');
  });
});

describe('mrkdwnLink', () => {
  it('links an https URL with an escaped label', () => {
    expect(mrkdwnLink('https://app.hubspot.com/c/1?a=1&b=2', 'Open <here>')).toBe(
      '<https://app.hubspot.com/c/1?a=1&amp;b=2|Open &lt;here&gt;>',
    );
  });

  it.each([
    ['not https', 'http://app.hubspot.com/c/1'],
    ['a javascript URL', 'javascript:alert(1)'],
    ['a pipe that would end the URL early', 'https://x.example/a|b'],
    ['a space', 'https://x.example/a b'],
    ['not a URL at all', 'hubspot record 1'],
    ['too long', `https://x.example/${'a'.repeat(3000)}`],
  ])('refuses %s', (_case, url) => {
    expect(mrkdwnLink(url, 'Open')).toBeUndefined();
  });
});

describe('oneLine and code', () => {
  it('collapses whitespace to one line', () => {
    expect(oneLine('  a\n\tb  c ')).toBe('a b c');
  });

  it('escapes inside code and cannot be closed early by a backtick', () => {
    expect(code('a`<b>')).toBe("`a'&lt;b&gt;`");
  });
});
