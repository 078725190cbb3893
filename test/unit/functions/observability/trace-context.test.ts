import { describe, expect, it } from 'vitest';
import { parseTraceparent } from '../../../../functions/observability/trace-context.ts';

const VALID = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('parseTraceparent', () => {
  it.each([
    ['the spec’s example', VALID],
    ['unsampled', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00'],
    ['a future version with an extra field', '01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra'],
  ])('keeps %s', (_case, value) => {
    expect(parseTraceparent(value)).toBe(value);
  });

  it('trims surrounding whitespace', () => {
    expect(parseTraceparent(` ${VALID} `)).toBe(VALID);
  });

  it.each([
    ['absent', undefined],
    ['empty', ''],
    ['upper-case hex', VALID.toUpperCase()],
    ['version ff', `ff${VALID.slice(2)}`],
    ['an all-zero trace id', `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`],
    ['an all-zero parent id', `00-4bf92f3577b34da6a3ce929d0e0e4736-${'0'.repeat(16)}-01`],
    ['version 00 with an extra field', `${VALID}-extra`],
    ['a short trace id', '00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01'],
    ['no dashes', VALID.replaceAll('-', '')],
    ['an X-Ray header', 'Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1'],
    ['something huge', `01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-${'x'.repeat(300)}`],
  ])('ignores %s', (_case, value) => {
    expect(parseTraceparent(value)).toBeUndefined();
  });
});
