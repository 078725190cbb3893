import { describe, expect, it } from 'vitest';
import { replayCounts } from '../../../cli/commands/quarantine.ts';
import {
  createProgressLine,
  createProgressReporter,
  progressBar,
  redriveCounts,
} from '../../../cli/progress.ts';

const CLEAR = '\r\u001b[K';

/** A stderr that records what was written; a terminal or a pipe. */
function stream(isTTY: boolean, columns = 80) {
  const written: string[] = [];
  return {
    written,
    text: () => written.join(''),
    write: (text: string) => written.push(text),
    isTTY,
    columns,
  };
}

/** A clock the test moves. */
function clock() {
  let now = 0;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('createProgressLine', () => {
  it('redraws one line in place on a terminal, then replaces it with the final line', () => {
    // Prepare
    const stderr = stream(true);
    const time = clock();
    const line = createProgressLine(stderr, { intervalMs: 0, now: time.now });

    // Act
    line.update('moved 1/3, failed 0');
    line.update('moved 2/3, failed 0');
    line.done('redrive: moved 3/3, failed 0');

    // Assess
    expect(stderr.written).toEqual([
      `${CLEAR}moved 1/3, failed 0`,
      `${CLEAR}moved 2/3, failed 0`,
      `${CLEAR}redrive: moved 3/3, failed 0\n`,
    ]);
  });

  it('writes nothing but the final line when stderr is not a terminal', () => {
    // Prepare
    const stderr = stream(false);
    const line = createProgressLine(stderr);

    // Act
    for (let moved = 0; moved <= 500; moved++) line.update(`moved ${moved}/500, failed 0`);
    line.done('redrive: moved 500/500, failed 0');

    // Assess
    expect(stderr.text()).toBe('redrive: moved 500/500, failed 0\n');
  });

  it('draws at most once per interval, and the final line whatever the interval', () => {
    // Prepare
    const stderr = stream(true);
    const time = clock();
    const line = createProgressLine(stderr, { intervalMs: 100, now: time.now });

    // Act
    line.update('1');
    time.advance(50);
    line.update('2');
    time.advance(60);
    line.update('3');
    line.done('done');

    // Assess
    expect(stderr.written).toEqual([`${CLEAR}1`, `${CLEAR}3`, `${CLEAR}done\n`]);
  });

  it('gets out of the way of a stdout line, then draws itself again', () => {
    // Prepare
    const stderr = stream(true);
    const stdout: string[] = [];
    const line = createProgressLine(stderr, { intervalMs: 0 });
    line.update('replayed 1/2, not replayed 0');

    // Act
    line.above(() => stdout.push('lead_1  replayed'));

    // Assess
    expect(stdout).toEqual(['lead_1  replayed']);
    expect(stderr.written).toEqual([
      `${CLEAR}replayed 1/2, not replayed 0`,
      CLEAR,
      `${CLEAR}replayed 1/2, not replayed 0`,
    ]);
  });

  it('writes a stdout line with nothing around it before anything was drawn', () => {
    // Prepare
    const stderr = stream(false);
    const stdout: string[] = [];

    // Act
    createProgressLine(stderr).above(() => stdout.push('x'));

    // Assess
    expect(stdout).toEqual(['x']);
    expect(stderr.written).toEqual([]);
  });

  it('keeps the line narrower than the terminal, so \\r can return to its start', () => {
    // Prepare
    const stderr = stream(true, 10);
    const line = createProgressLine(stderr, { intervalMs: 0 });

    // Act
    line.update('moved 120/500, failed 0');

    // Assess
    expect(stderr.written).toEqual([`${CLEAR}moved 12…`]);
  });
});

describe('createProgressReporter (redrive)', () => {
  it("ends with the redrive's own counts, not the last progress it was told", () => {
    // Prepare: the last report said 4 moved; the result says one more was moved and one failed.
    const stderr = stream(false);
    const reporter = createProgressReporter(stderr);
    reporter.update({ moved: 4, failed: 0, total: 6 });

    // Act
    reporter.done({ moved: 5, failed: 1, total: 6 });

    // Assess
    expect(stderr.text()).toBe('redrive: moved 5/6, failed 1\n');
  });

  it('shows a bar and the counts on a terminal', () => {
    // Prepare
    const stderr = stream(true, 80);
    const reporter = createProgressReporter(stderr, { intervalMs: 0 });

    // Act
    reporter.update({ moved: 120, failed: 0, total: 500 });

    // Assess
    expect(stderr.text()).toBe(`${CLEAR}redrive [#######.......................] moved 120/500, failed 0`);
  });

  it('words the counts as `moved 120/500, failed 0`', () => {
    expect(redriveCounts({ moved: 120, failed: 0, total: 500 })).toBe('moved 120/500, failed 0');
  });
});

describe('progressBar', () => {
  it.each([
    [0, 10, 10, '[..........]'],
    [5, 10, 10, '[#####.....]'],
    [10, 10, 10, '[##########]'],
    [12, 10, 4, '[####]'],
    [0, 0, 4, '[####]'],
  ])('%i of %i in %i cells is %s', (done, total, width, bar) => {
    expect(progressBar(done, total, width)).toBe(bar);
  });
});

describe('replayCounts', () => {
  it('words a replay as `replayed 6/10, not replayed 1`', () => {
    expect(replayCounts({ replayed: 6, notReplayed: 1, total: 10 })).toBe('replayed 6/10, not replayed 1');
  });
});
