import { describe, expect, it } from 'vitest';
import { diffPaths, fieldPaths, SHAPE_LIMITS } from '../../../../functions/mapping/shape.ts';
import { senderFixture } from './lead-rules.ts';

describe('fieldPaths', () => {
  it.each([
    ['a flat object', { b: 1, a: 'x', c: null }, ['a', 'b', 'c']],
    ['nested objects', { a: { b: { c: true } } }, ['a.b.c']],
    [
      'arrays as []',
      { items: [{ id: 1 }, { id: 2, extra: 'y' }], tags: ['a', 'b'] },
      ['items[].extra', 'items[].id', 'tags[]'],
    ],
    ['a scalar payload', 'text', ['$']],
    ['an array of scalars', [1, 2], ['[]']],
    ['empty containers', { a: {}, b: [] }, []],
  ])('lists the leaves of %s', (_case, payload, expected) => {
    expect(fieldPaths(payload)).toEqual(expected);
  });

  it('never contains values and is stable across key order', () => {
    const a = fieldPaths({ email: 'secret@example.com', name: 'Ann' });
    const b = fieldPaths({ name: 'Bob', email: 'other@example.com' });
    expect(a).toEqual(b);
    expect(a.join()).not.toContain('secret');
  });

  it('is capped in size and depth', () => {
    const wide = Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`k${i}`, i]));
    let deep: unknown = 'leaf';
    for (let i = 0; i < 100; i++) deep = { d: deep };
    expect(fieldPaths(wide)).toHaveLength(SHAPE_LIMITS.maxPaths);
    expect(fieldPaths(deep)).toEqual([]);
  });

  it('fingerprints the Typeform fixture with its answer paths', () => {
    const paths = fieldPaths(senderFixture('typeform_form_response.json').json);
    expect(paths).toContain('form_response.answers[].email');
    expect(paths).toContain('form_response.answers[].choices.labels[]');
    expect(paths).toContain('event_id');
  });
});

describe('diffPaths', () => {
  it.each([
    [['a', 'b'], ['a', 'b'], { added: [], removed: [] }],
    [['a', 'b'], ['b', 'c', 'a'], { added: ['c'], removed: [] }],
    [['a', 'b', 'z'], ['b'], { added: [], removed: ['a', 'z'] }],
    [[], ['y', 'x'], { added: ['x', 'y'], removed: [] }],
  ])('diffs %j against %j', (known, seen, expected) => {
    expect(diffPaths(known, seen)).toEqual(expected);
  });
});
