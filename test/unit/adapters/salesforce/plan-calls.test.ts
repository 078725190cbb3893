import { describe, expect, it } from 'vitest';
import { planCalls, SALESFORCE_BATCH_LIMIT } from '../../../../adapters/salesforce/adapter.ts';

const records = (keys: string[]) => keys.map((key, index) => ({ key, index }));

describe('planCalls', () => {
  it.each([
    [0, []],
    [1, [1]],
    [200, [200]],
    [201, [200, 1]],
    [450, [200, 200, 50]],
  ])('puts %i distinct records in calls of %j', (count, sizes) => {
    // Prepare
    const input = records(Array.from({ length: count }, (_, i) => `k${i}`));

    // Act
    const calls = planCalls(input);

    // Assess
    expect(calls.map((call) => call.length)).toEqual(sizes);
    expect(calls.flat()).toEqual(input);
    expect(Math.max(0, ...calls.map((call) => call.length))).toBeLessThanOrEqual(SALESFORCE_BATCH_LIMIT);
  });

  it('never puts one key twice in a call, and keeps each key’s order', () => {
    // Prepare
    const input = records(['a', 'b', 'a', 'c', 'a', 'b']);

    // Act
    const calls = planCalls(input);

    // Assess
    expect(calls.map((call) => call.map((record) => `${record.key}${record.index}`))).toEqual([
      ['a0', 'b1', 'c3'],
      ['a2', 'b5'],
      ['a4'],
    ]);
  });
});
