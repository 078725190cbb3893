import { describe, expect, it } from 'vitest';
import { type Column, displayWidth, formatTable, truncate } from '../../../cli/table.ts';
import type { Paint } from '../../../cli/terminal.ts';

interface Row {
  id: string;
  count: number;
  note: string;
}

const COLUMNS: readonly Column<Row>[] = [
  { header: 'ID', cell: (row) => row.id },
  {
    header: 'COUNT',
    cell: (row) => String(row.count),
    align: 'right',
    tone: (row) => (row.count > 1 ? 'bad' : undefined),
  },
  { header: 'NOTE', cell: (row) => row.note, shrink: true },
];

const ROWS: Row[] = [
  { id: 'a', count: 1, note: 'first' },
  { id: 'bbbbbb', count: 12, note: 'a much longer note than the others' },
];

/** Marks each painted cell with its tone, so a test sees which colour went where. */
const markTones: Paint = (tone, text) => `<${tone}>${text}</>`;

describe('formatTable', () => {
  it('aligns every column to its widest cell, numbers to the right, with a header', () => {
    // Act
    const lines = formatTable(COLUMNS, ROWS);

    // Assess
    expect(lines).toEqual([
      'ID      COUNT  NOTE',
      'a           1  first',
      'bbbbbb     12  a much longer note than the others',
    ]);
  });

  it('prints only the header when there are no rows', () => {
    expect(formatTable(COLUMNS, [])).toEqual(['ID  COUNT  NOTE']);
  });

  it('paints the header and toned cells, padding outside the colour so columns still line up', () => {
    // Act
    const lines = formatTable(COLUMNS, ROWS, { paint: markTones });

    // Assess
    expect(lines[0]).toBe('<strong>ID</>      <strong>COUNT</>  <strong>NOTE</>');
    expect(lines[1]).toBe('a           1  first');
    expect(lines[2]).toBe('bbbbbb     <bad>12</>  a much longer note than the others');
  });

  it('cuts the shrinking column with … to fit the terminal, never below its header', () => {
    // Act
    const fitted = formatTable(COLUMNS, ROWS, { width: 30 });
    const tiny = formatTable(COLUMNS, ROWS, { width: 5 });

    // Assess
    expect(fitted[2]).toBe('bbbbbb     12  a much longer…');
    expect(fitted.every((line) => displayWidth(line) <= 30)).toBe(true);
    expect(tiny[2]).toBe('bbbbbb     12  a m…');
  });

  it('leaves the table whole when it is piped (no width)', () => {
    expect(formatTable(COLUMNS, ROWS)[2]).toContain('a much longer note than the others');
  });

  it('keeps text from outside on its line and off the terminal controls', () => {
    // Prepare: a vendor's reason with a newline, a tab and an escape sequence that would recolour the screen.
    const hostile: Row = { id: 'x', count: 1, note: 'line one\nline\ttwo \u001b[31mred\u001b[0m\u0007' };

    // Act
    const [, line] = formatTable(COLUMNS, [hostile]);

    // Assess
    expect(line).toBe('x       1  line one line two [31mred [0m');
    expect([...(line ?? '')].some((character) => character.charCodeAt(0) < 0x20)).toBe(false);
  });

  it('counts wide characters as two columns, so CJK and emoji cells align', () => {
    // Act
    const lines = formatTable(COLUMNS, [
      { id: '東京', count: 1, note: '-' },
      { id: 'abcd', count: 1, note: '-' },
    ]);

    // Assess
    expect(lines).toEqual(['ID    COUNT  NOTE', '東京      1  -', 'abcd      1  -']);
  });
});

describe('displayWidth and truncate', () => {
  it.each([
    ['ascii', 'abc', 3],
    ['CJK', '日本語', 6],
    ['an emoji', '👍', 2],
    ['a combining accent', 'e\u0301', 1],
    ['empty', '', 0],
  ])('%s: %s is %i columns', (_, text, width) => {
    expect(displayWidth(text)).toBe(width);
  });

  it.each([
    ['abcdef', 4, 'abc…'],
    ['abc', 3, 'abc'],
    ['日本語', 4, '日…'],
  ])('cuts %s to %i columns as %s', (text, width, cut) => {
    expect(truncate(text, width)).toBe(cut);
    expect(displayWidth(truncate(text, width))).toBeLessThanOrEqual(width);
  });
});
