import { noPaint, type Paint, printable, type Terminal, type Tone } from './terminal.ts';

/** One column of a listing: its title, what each row shows in it, and how that looks. */
export interface Column<Row> {
  header: string;
  cell(row: Row): string;
  /** The cell's colour on a terminal; none when undefined. */
  tone?(row: Row): Tone | undefined;
  align?: 'left' | 'right';
  /** Gives way (cut, with …) when the table is wider than the terminal; usually the last, free-text column. */
  shrink?: boolean;
}

export interface TableOptions {
  paint?: Paint;
  /** The terminal's width; absent when piped, so nothing is cut. */
  width?: number;
}

const GAP = '  ';

/**
 * A listing as aligned lines: a header, then one line per row. Cells are made printable (no
 * control characters, one line each); colours apply on a terminal only, and widths are counted
 * in terminal columns, so a coloured or a CJK cell aligns like any other.
 */
export function formatTable<Row>(
  columns: readonly Column<Row>[],
  rows: readonly Row[],
  options: TableOptions = {},
): string[] {
  const paint = options.paint ?? noPaint;
  const cells = rows.map((row) => columns.map((column) => printable(column.cell(row))));
  const widths = columns.map((column, index) =>
    Math.max(displayWidth(column.header), ...cells.map((line) => displayWidth(line[index] ?? ''))),
  );
  fitTo(widths, columns, options.width);
  const render = (texts: readonly string[], tones: readonly (Tone | undefined)[]) =>
    texts
      .map((text, index) => {
        const width = widths[index] ?? 0;
        const fitted = truncate(text, width);
        const padding = ' '.repeat(Math.max(0, width - displayWidth(fitted)));
        const painted = tones[index] ? paint(tones[index], fitted) : fitted;
        return columns[index]?.align === 'right' ? padding + painted : painted + padding;
      })
      .join(GAP)
      .trimEnd();
  return [
    render(
      columns.map((column) => column.header),
      columns.map(() => 'strong'),
    ),
    ...rows.map((row, index) =>
      render(
        cells[index] ?? [],
        columns.map((column) => column.tone?.(row)),
      ),
    ),
  ];
}

/** Writes a listing to the terminal: coloured and fitted to its width on a TTY, plain when piped. */
export function printTable<Row>(
  terminal: Terminal,
  columns: readonly Column<Row>[],
  rows: readonly Row[],
): void {
  for (const line of formatTable(columns, rows, { paint: terminal.paint, width: terminal.columns })) {
    terminal.out(line);
  }
}

/** Narrows the shrinking column until the table fits `width`, never below its header. */
function fitTo<Row>(widths: number[], columns: readonly Column<Row>[], width: number | undefined): void {
  if (width === undefined) return;
  const index = columns.findIndex((column) => column.shrink);
  const column = columns[index];
  if (!column) return;
  const total = widths.reduce((sum, each) => sum + each, 0) + GAP.length * (widths.length - 1);
  const current = widths[index] ?? 0;
  if (total > width) widths[index] = Math.max(displayWidth(column.header), current - (total - width));
}

const graphemes = new Intl.Segmenter();
/** East Asian wide and full-width characters, and emoji shown as pictures: two columns each. */
const WIDE =
  /[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{20000}-\u{3fffd}]|\p{Emoji_Presentation}/u;

/** How many terminal columns the text takes. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const { segment } of graphemes.segment(text)) width += WIDE.test(segment) ? 2 : 1;
  return width;
}

/** The text cut to `width` columns, ending in … when cut. */
export function truncate(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  let out = '';
  let used = 0;
  for (const { segment } of graphemes.segment(text)) {
    const next = WIDE.test(segment) ? 2 : 1;
    if (used + next > width - 1) break;
    out += segment;
    used += next;
  }
  return `${out.trimEnd()}…`;
}
