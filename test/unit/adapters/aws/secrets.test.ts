import { describe, expect, it } from 'vitest';
import { awsSecretResolver, parseSecretRef, SECRET_CACHE_SECONDS } from '../../../../adapters/aws/secrets.ts';
import { SecretNotFoundError } from '../../../../functions/config/errors.ts';

function fakeStore(values: Record<string, unknown>) {
  const calls: { name: string; options: unknown }[] = [];
  return {
    calls,
    get: async (name: string, options?: unknown) => {
      calls.push({ name, options });
      if (!(name in values))
        throw Object.assign(new Error('not found'), { name: 'ResourceNotFoundException' });
      return values[name];
    },
  };
}

describe('parseSecretRef', () => {
  it.each([
    ['secretsmanager:leadpipe/hubspot', { store: 'secretsmanager', name: 'leadpipe/hubspot' }],
    [
      'secretsmanager:leadpipe/sf#clientId',
      { store: 'secretsmanager', name: 'leadpipe/sf', key: 'clientId' },
    ],
    ['ssm:/leadpipe/slack', { store: 'ssm', name: '/leadpipe/slack' }],
    ['env:HUBSPOT_TOKEN', { store: 'env', name: 'HUBSPOT_TOKEN' }],
  ])('reads %s', (ref, expected) => {
    expect(parseSecretRef(ref)).toEqual(expected);
  });

  it('refuses an unknown store', () => {
    expect(() => parseSecretRef('vault:x')).toThrow(SecretNotFoundError);
  });
});

describe('awsSecretResolver', () => {
  const secrets = fakeStore({
    'leadpipe/plain': 'xoxb-plain',
    'leadpipe/json': JSON.stringify({ clientId: 'id-1', empty: '' }),
    'leadpipe/not-json': 'just a string',
  });
  const ssm = fakeStore({ '/leadpipe/slack': 'xoxb-ssm' });
  const resolve = awsSecretResolver({ secrets, ssm });

  it.each([
    ['secretsmanager:leadpipe/plain', 'xoxb-plain'],
    ['secretsmanager:leadpipe/json#clientId', 'id-1'],
    ['ssm:/leadpipe/slack', 'xoxb-ssm'],
  ])('resolves %s', async (ref, value) => {
    expect(await resolve(ref)).toBe(value);
  });

  it('asks Powertools to cache and SSM to decrypt', async () => {
    await resolve('ssm:/leadpipe/slack');
    expect(ssm.calls.at(-1)?.options).toEqual({ maxAge: SECRET_CACHE_SECONDS, decrypt: true });
    await resolve('secretsmanager:leadpipe/plain');
    expect(secrets.calls.at(-1)?.options).toEqual({ maxAge: SECRET_CACHE_SECONDS });
  });

  it('bypasses the cache when told to (credentials were just refused)', async () => {
    await resolve('ssm:/leadpipe/slack', { forceFetch: true });
    expect(ssm.calls.at(-1)?.options).toEqual({
      maxAge: SECRET_CACHE_SECONDS,
      decrypt: true,
      forceFetch: true,
    });
    await resolve('secretsmanager:leadpipe/plain', { forceFetch: true });
    expect(secrets.calls.at(-1)?.options).toEqual({ maxAge: SECRET_CACHE_SECONDS, forceFetch: true });
  });

  it.each([
    ['secretsmanager:leadpipe/missing', /secretsmanager lookup failed \(ResourceNotFoundException\)/],
    ['secretsmanager:leadpipe/json#nope', /no non-empty string "nope"/],
    ['secretsmanager:leadpipe/json#empty', /no non-empty string "empty"/],
    ['secretsmanager:leadpipe/not-json#key', /not JSON/],
    ['env:ANYTHING', /rewritten at synth/],
  ])('fails for %s, naming the reference and never a value', async (ref, reason) => {
    const error = await resolve(ref).catch((caught: Error) => caught);
    expect(error).toBeInstanceOf(SecretNotFoundError);
    expect((error as Error).message).toContain(ref);
    expect((error as Error).message).toMatch(reason);
    expect((error as Error).message).not.toContain('just a string');
    expect((error as Error).message).not.toContain('id-1');
  });
});
