import { describe, expect, it } from 'vitest';
import { CliError } from '../../../cli/errors.ts';
import { knownError } from '../../../cli/failure.ts';
import { SecretNotFoundError } from '../../../functions/config/errors.ts';

describe('knownError', () => {
  it('finds an error the person can act on, itself or in the cause chain', () => {
    // Prepare
    const unset = new SecretNotFoundError('env:X', 'set the environment variable X');
    const wrapped = new Error('request failed', { cause: new Error('signing failed', { cause: unset }) });

    // Act + Assess
    expect(knownError(unset)).toBe(unset);
    expect(knownError(wrapped)).toBe(unset);
    expect(knownError(new CliError('fix this'))?.message).toBe('fix this');
  });

  it.each([
    ['a bug', new TypeError('x is undefined')],
    ['not an error', 'a string'],
    ['nothing', undefined],
  ])('finds nothing in %s', (_, error) => {
    expect(knownError(error)).toBeUndefined();
  });

  it('stops on a cause chain that loops', () => {
    // Prepare
    const first = new Error('first');
    const second = new Error('second', { cause: first });
    first.cause = second;

    // Act + Assess
    expect(knownError(first)).toBeUndefined();
  });
});
