import { styleText } from 'node:util';

/** What a piece of output means; the terminal decides how that looks (a colour on a TTY, nothing when piped). */
export type Tone = 'ok' | 'warn' | 'bad' | 'info' | 'muted' | 'strong';

/** Colours text by its tone; returns it unchanged where colours are off. */
export type Paint = (tone: Tone, text: string) => string;

/** Where progress and notes go (stderr): a TTY gets `\r` updates, a pipe only final lines. */
export interface ProgressStream {
  write(text: string): void;
  isTTY?: boolean;
  columns?: number;
}

/** Where a command writes; tests pass their own. */
export interface Terminal {
  /** One line of the command's answer, on stdout. */
  out(line: string): void;
  /** stderr: progress, notes and warnings, so `> file` keeps only the answer. */
  progress: ProgressStream;
  /** Colours for stdout; none when absent. */
  paint?: Paint;
  /** stdout's width when it is a terminal, for tables; absent when piped (nothing is cut). */
  columns?: number;
}

const TONES: Record<Tone, Parameters<typeof styleText>[0]> = {
  ok: 'green',
  warn: 'yellow',
  bad: 'red',
  info: 'cyan',
  muted: 'dim',
  strong: 'bold',
};

/**
 * Colours for one stream, by `styleText`: on only when that stream is a colour terminal, and as
 * NO_COLOR / FORCE_COLOR say.
 */
export function paintFor(stream: NodeJS.WriteStream): Paint {
  return (tone, text) => styleText(TONES[tone], text, { stream });
}

export const noPaint: Paint = (_tone, text) => text;

/** The process's own stdout and stderr. */
export function processTerminal(): Terminal {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    progress: process.stderr,
    paint: paintFor(process.stdout),
    ...(process.stdout.isTTY ? { columns: process.stdout.columns } : {}),
  };
}

/** A note on stderr (one line), beside the command's answer on stdout. */
export function note(terminal: Terminal, line: string): void {
  terminal.progress.write(`${line}\n`);
}

/**
 * Text from outside (a vendor's reason, a lead's name) made safe to print: control characters,
 * escape sequences included, become spaces so nothing can move the cursor or recolour the
 * terminal, and runs of whitespace become one space so a cell stays on its line.
 */
export function printable(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
  return text.replace(/[\u0000-\u001f\u007f-\u009f\s]+/g, ' ').trim();
}
