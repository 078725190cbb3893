import type { QuarantinedPayload } from '../ports.ts';

/** A quarantined payload without its body: what a list may show, since bodies carry personal data. */
export type QuarantineSummary = Omit<QuarantinedPayload, 'body'> & { bytes: number };

export function summarise(entry: QuarantinedPayload): QuarantineSummary {
  const { body, ...rest } = entry;
  return { ...rest, bytes: Buffer.from(body, 'base64').length };
}

/** One line per entry, aligned, oldest first; the body never appears. */
export function formatSummaries(summaries: readonly QuarantineSummary[]): string {
  if (summaries.length === 0) return 'The quarantine is empty.';
  const rows = summaries.map((entry) => [
    entry.leadId,
    entry.source,
    entry.receivedAt,
    entry.reason.code,
    `${entry.bytes} B`,
  ]);
  const header = ['LEAD ID', 'SOURCE', 'RECEIVED', 'REASON', 'SIZE'];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
