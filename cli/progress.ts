import type { RedriveProgress } from '../functions/ports.ts';
import { truncate } from './table.ts';
import type { ProgressStream } from './terminal.ts';

/** One progress line on stderr: redrawn in place on a terminal, silent when piped, then one final line. */
export interface ProgressLine {
  /** Redraws the line (on a terminal, at most once per interval; the latest text wins). */
  update(text: string): void;
  /** Runs `write` (a line on stdout) with the progress line out of the way, then draws it again. */
  above(write: () => void): void;
  /** The final line: it replaces the progress line on a terminal, and is the only one on a pipe. */
  done(summary: string): void;
}

const CLEAR_LINE = '\r\u001b[K';

export function createProgressLine(
  stream: ProgressStream,
  options: { intervalMs?: number; now?: () => number } = {},
): ProgressLine {
  const intervalMs = options.intervalMs ?? 50;
  const now = options.now ?? Date.now;
  let latest: string | undefined;
  let drawnAt: number | undefined;
  // Wider than the terminal would wrap, and \r only returns to the start of the last row.
  const fitWidth = (text: string) => (stream.columns ? truncate(text, stream.columns - 1) : text);
  const draw = () => {
    if (latest === undefined) return;
    stream.write(`${CLEAR_LINE}${fitWidth(latest)}`);
    drawnAt = now();
  };
  return {
    update(text) {
      if (!stream.isTTY) return;
      latest = text;
      if (drawnAt === undefined || now() - drawnAt >= intervalMs) draw();
    },
    above(write) {
      if (drawnAt !== undefined) stream.write(CLEAR_LINE);
      write();
      if (drawnAt !== undefined) draw();
    },
    done(summary) {
      stream.write(`${drawnAt !== undefined ? CLEAR_LINE : ''}${summary}\n`);
      latest = undefined;
      drawnAt = undefined;
    },
  };
}

/** `moved 120/500, failed 0`: a redrive's counts, as its progress line and its final line say them. */
export const redriveCounts = ({ moved, failed, total }: RedriveProgress): string =>
  `moved ${moved}/${total}, failed ${failed}`;

/**
 * A redrive's progress: `redrive [###...] moved 120/500, failed 0` redrawn on a terminal, then
 * `redrive: moved 500/500, failed 0` once, from the redrive's result when given (what happened,
 * not the last report), on a terminal or not.
 */
export function createProgressReporter(
  stream: ProgressStream,
  options: { intervalMs?: number; now?: () => number } = {},
): { update(progress: RedriveProgress): void; done(final?: RedriveProgress): void } {
  const line = createProgressLine(stream, options);
  let last: RedriveProgress = { moved: 0, failed: 0, total: 0 };
  return {
    update(progress) {
      last = progress;
      const width = Math.max(10, Math.min(30, (stream.columns ?? 80) - 50));
      line.update(
        `redrive ${progressBar(progress.moved + progress.failed, progress.total, width)} ${redriveCounts(progress)}`,
      );
    },
    done(final = last) {
      line.done(`redrive: ${redriveCounts(final)}`);
    },
  };
}

/** `[#####.....]`: `done` of `total` in `width` cells. */
export function progressBar(done: number, total: number, width: number): string {
  const share = total <= 0 ? 1 : Math.min(1, done / total);
  const filled = Math.round(share * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}
