import { describe, expect, it } from 'vitest';
import { closestMatch, didYouMean, editDistance } from '../../../cli/suggest.ts';

describe('editDistance', () => {
  it.each([
    ['', '', 0],
    ['', 'send', 4],
    ['send', '', 4],
    ['send', 'send', 0],
    ['sned', 'send', 1],
    ['sen', 'send', 1],
    ['sendd', 'send', 1],
    ['dql', 'dlq', 1],
    ['ab', 'ba', 1],
    ['abc', 'ca', 3],
    ['kitten', 'sitting', 3],
  ])('from "%s" to "%s" is %i', (a, b, distance) => {
    expect(editDistance(a, b)).toBe(distance);
    expect(editDistance(b, a)).toBe(distance);
  });
});

describe('closestMatch', () => {
  const COMMANDS = ['send', 'quarantine', 'dlq'];

  it.each([
    ['sedn', 'send'],
    ['sen', 'send'],
    ['quarantin', 'quarantine'],
    ['qurantine', 'quarantine'],
    ['dlw', 'dlq'],
    ['SEND', 'send'],
  ])('suggests the command "%s" was meant to be "%s"', (typed, expected) => {
    expect(closestMatch(typed, COMMANDS)).toBe(expected);
  });

  it.each([['deploy'], ['x'], ['purge']])('suggests nothing for "%s", which is no near miss', (typed) => {
    expect(closestMatch(typed, COMMANDS)).toBeUndefined();
  });

  it('suggests nothing when there is nothing to choose from', () => {
    expect(closestMatch('send', [])).toBeUndefined();
  });

  it('words the suggestion for an error message, or adds nothing', () => {
    expect(didYouMean('lsit', ['list', 'show', 'redrive'])).toBe(' (did you mean list?)');
    expect(didYouMean('purge', ['list', 'show', 'redrive'])).toBe('');
  });
});
