import { describe, expect, it } from 'vitest';
import {
  baselineFrom,
  type DriftRule,
  driftStep,
  type KnownPaths,
} from '../../../../functions/drift/drift-rule.ts';

const rule: DriftRule = { stoppedAfter: 3, maxPaths: 10 };
const known: KnownPaths = { email: 'present', name: 'present', 'utm.source': 'optional', fax: 'stopped' };

describe('driftStep', () => {
  it('reports nothing and changes nothing for a payload with the known paths', () => {
    // Act
    const step = driftStep(known, new Map(), ['email', 'name'], rule);
    // Assess
    expect(step).toMatchObject({ added: [], removed: [], changed: false, known });
  });

  it('reports never-seen paths as added, sorted, and knows them from then on', () => {
    // Act
    const step = driftStep(known, new Map(), ['email', 'name', 'z.new', 'a.new'], rule);
    // Assess
    expect(step.added).toEqual(['a.new', 'z.new']);
    expect(step.known['a.new']).toBe('present');
    expect(step.changed).toBe(true);
  });

  it('counts consecutive misses of a present path and reports it removed at the threshold', () => {
    // Prepare
    let misses = new Map<string, number>();
    const removed: string[][] = [];
    let current: KnownPaths = known;
    // Act
    for (let i = 0; i < 3; i++) {
      const step = driftStep(current, misses, ['email'], rule);
      removed.push(step.removed);
      misses = step.misses;
      current = step.known;
    }
    // Assess
    expect(removed).toEqual([[], [], ['name']]);
    expect(current.name).toBe('stopped');
  });

  it('resets the count when the path shows up again before the threshold', () => {
    // Prepare
    const misses = new Map([['name', 2]]);
    // Act
    const step = driftStep(known, misses, ['email', 'name'], rule);
    // Assess
    expect(step.misses.has('name')).toBe(false);
    expect(step.removed).toEqual([]);
  });

  it('never reports an optional path as stopped', () => {
    // Prepare
    const misses = new Map([['utm.source', 100]]);
    // Act
    const step = driftStep(known, misses, ['email', 'name'], rule);
    // Assess
    expect(step.removed).toEqual([]);
    expect(step.known['utm.source']).toBe('optional');
  });

  it('turns a stopped path that comes back into an optional one, silently but saved', () => {
    // Act
    const step = driftStep(known, new Map(), ['email', 'name', 'fax'], rule);
    // Assess
    expect(step).toMatchObject({ added: [], removed: [], changed: true });
    expect(step.known.fax).toBe('optional');
  });

  it('remembers at most maxPaths paths', () => {
    // Prepare
    const many = Array.from({ length: 20 }, (_, i) => `field${String(i).padStart(2, '0')}`);
    // Act
    const step = driftStep(known, new Map(), ['email', 'name', ...many], rule);
    // Assess
    expect(Object.keys(step.known)).toHaveLength(10);
    expect(step.added).toHaveLength(6);
  });

  it('makes a baseline of present paths, capped', () => {
    // Act
    const baseline = baselineFrom(['a', 'b', 'c'], { stoppedAfter: 3, maxPaths: 2 });
    // Assess
    expect(baseline).toEqual({ a: 'present', b: 'present' });
  });
});
