import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createSseParser, type SseEvent } from '../../../cli/sse.ts';

/** Feeds the chunks in order and returns every event they completed. */
function parse(...chunks: (string | Uint8Array)[]): SseEvent[] {
  const parser = createSseParser();
  return chunks.flatMap((chunk) => parser.push(chunk));
}

/** The stream cut at the given positions (bytes), as a network might deliver it. */
function cutAt(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts)].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const point of points) {
    chunks.push(bytes.subarray(start, point));
    start = point;
  }
  chunks.push(bytes.subarray(start));
  return chunks;
}

/** What the host sends (local/ops-routes.ts): a comment and retry, then id/event/data per item. */
const HOST_STREAM =
  ': leadpipe live feed\nretry: 2000\n\n' +
  'id: 1\nevent: ledger\ndata: {"leadId":"lead_1","kind":"received"}\n\n' +
  ': keep-alive\n\n' +
  'id: 2\nevent: config\ndata: {"version":"abc123def456"}\n\n';

describe('createSseParser', () => {
  it("reads the host's stream: types, ids and data, comments skipped", () => {
    // Act
    const parser = createSseParser();
    const events = parser.push(HOST_STREAM);

    // Assess
    expect(events).toEqual([
      { type: 'ledger', data: '{"leadId":"lead_1","kind":"received"}', id: '1' },
      { type: 'config', data: '{"version":"abc123def456"}', id: '2' },
    ]);
    expect(parser.lastEventId).toBe('2');
    expect(parser.retry).toBe(2000);
  });

  it('gives the same events however the bytes are cut into chunks', () => {
    // Prepare: CRLF and CR line ends, a multi-byte character and multi-line data, so cuts fall everywhere.
    const text = `${HOST_STREAM}id: 3\r\ndata: café ☕\r\ndata: line two\r\r`;
    const bytes = new TextEncoder().encode(text);
    const whole = parse(bytes);
    expect(whole).toHaveLength(3);

    // Act + Assess
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: bytes.length }), { maxLength: 12 }), (cuts) => {
        expect(parse(...cutAt(bytes, cuts))).toEqual(whole);
      }),
    );
  });

  it.each([
    ['LF', 'data: a\n\n'],
    ['CRLF', 'data: a\r\n\r\n'],
    ['CR', 'data: a\r\r'],
  ])('ends lines with %s', (_, stream) => {
    expect(parse(stream)).toEqual([{ type: 'message', data: 'a', id: '' }]);
  });

  it('counts a CRLF split across two chunks as one line end, not two', () => {
    // Act: were the LF a second line end, the blank line would dispatch "a" alone.
    const events = parse('data: a\r', '\ndata: b\n\n');

    // Assess
    expect(events).toEqual([{ type: 'message', data: 'a\nb', id: '' }]);
  });

  it('does not eat a blank line that follows a lone CR in its own chunk', () => {
    // Act: CR ends "data: a"; the next chunk's first LF belongs to that CR; the second LF is the blank line.
    const events = parse('data: a\r', '\n', '\n');

    // Assess
    expect(events).toEqual([{ type: 'message', data: 'a', id: '' }]);
  });

  it('joins data lines with newlines and drops only the last one', () => {
    expect(parse('data: one\ndata:\ndata: three\n\n')).toEqual([
      { type: 'message', data: 'one\n\nthree', id: '' },
    ]);
  });

  it('strips exactly one space after the colon', () => {
    expect(parse('data:  two spaces\ndata:none\n\n')[0]?.data).toBe(' two spaces\nnone');
  });

  it('reads a line without a colon as a field with an empty value', () => {
    expect(parse('data\ndata\n\n')).toEqual([{ type: 'message', data: '\n', id: '' }]);
  });

  it('dispatches nothing for a blank line without data, and resets the event type', () => {
    expect(parse('event: config\n\n', 'data: x\n\n')).toEqual([{ type: 'message', data: 'x', id: '' }]);
  });

  it('keeps the last id for the events after it, as EventSource does', () => {
    // Act
    const parser = createSseParser();
    const events = parser.push('id: 7\ndata: a\n\ndata: b\n\n');

    // Assess
    expect(events.map((event) => event.id)).toEqual(['7', '7']);
    expect(parser.lastEventId).toBe('7');
  });

  it('ignores an id with a NUL in it, and a retry that is not all digits', () => {
    // Act
    const parser = createSseParser();
    parser.push('id: 1\nretry: 500\n\nid: 2\u00003\nretry: 10s\ndata: x\n\n');

    // Assess
    expect(parser.lastEventId).toBe('1');
    expect(parser.retry).toBe(500);
  });

  it('ignores fields it does not know', () => {
    expect(parse('foo: bar\ndata: x\n\n')).toEqual([{ type: 'message', data: 'x', id: '' }]);
  });

  it('drops a leading byte order mark, as text or as bytes', () => {
    // Prepare
    const stream = '\uFEFFdata: x\n\n';

    // Act + Assess
    expect(parse(stream)).toEqual([{ type: 'message', data: 'x', id: '' }]);
    expect(parse(new TextEncoder().encode(stream))).toEqual([{ type: 'message', data: 'x', id: '' }]);
  });

  it('never dispatches an event the stream did not end with a blank line', () => {
    expect(parse('data: complete\n\ndata: cut off\n')).toEqual([
      { type: 'message', data: 'complete', id: '' },
    ]);
  });

  it('completes a character whose bytes arrive in two chunks', () => {
    // Prepare: "é" is two bytes in UTF-8.
    const bytes = new TextEncoder().encode('data: é\n\n');
    const split = bytes.indexOf(0xc3) + 1;

    // Act
    const events = parse(bytes.subarray(0, split), bytes.subarray(split));

    // Assess
    expect(events).toEqual([{ type: 'message', data: 'é', id: '' }]);
  });
});
