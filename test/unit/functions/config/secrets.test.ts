import { describe, expect, it } from 'vitest';
import { SecretNotFoundError } from '../../../../functions/config/errors.ts';
import {
  cachingSecretResolver,
  envSecretResolver,
  secretRefsOf,
} from '../../../../functions/config/secrets.ts';
import type { LeadpipeConfig } from '../../../../schemas/generated/config.ts';

describe('envSecretResolver', () => {
  it('resolves env:NAME from the given environment', async () => {
    const resolve = envSecretResolver({ HUBSPOT_TOKEN: 'pat-123' });
    await expect(resolve('env:HUBSPOT_TOKEN')).resolves.toBe('pat-123');
  });

  it.each([
    [
      'a variable that is not set',
      'env:MISSING',
      /^Secret env:MISSING could not be resolved: set the environment variable MISSING$/,
    ],
    ['a variable set to the empty string', 'env:EMPTY', /the environment variable EMPTY is set but empty/],
    ['a secretsmanager: reference', 'secretsmanager:prod/hubspot', /secretsmanager: and ssm: need AWS/],
    ['an ssm: reference', 'ssm:/prod/hubspot', /secretsmanager: and ssm: need AWS/],
  ])('refuses %s, naming the reference and no value', async (_name, ref, message) => {
    // Prepare
    const env = { EMPTY: '', OTHER: 'a-value-never-shown' };

    // Act
    const error = await envSecretResolver(env)(ref).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(SecretNotFoundError);
    expect((error as SecretNotFoundError).ref).toBe(ref);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('a-value-never-shown');
  });
});

describe('cachingSecretResolver', () => {
  /** An inner resolver that counts its calls and can be told to fail. */
  function countingResolver() {
    const calls: string[] = [];
    let failNext = false;
    return {
      calls,
      failOnce: () => {
        failNext = true;
      },
      resolve: async (ref: string) => {
        calls.push(ref);
        if (failNext) {
          failNext = false;
          throw new SecretNotFoundError(ref, 'down');
        }
        return `value-${calls.length}`;
      },
    };
  }

  it('serves a secret from the cache within the ttl', async () => {
    // Prepare
    const inner = countingResolver();
    let now = 1_000;
    const resolve = cachingSecretResolver(inner.resolve, 60_000, () => now);

    // Act
    const first = await resolve('env:A');
    now += 59_999;
    const second = await resolve('env:A');

    // Assess
    expect([first, second]).toEqual(['value-1', 'value-1']);
    expect(inner.calls).toEqual(['env:A']);
  });

  it('fetches again once the ttl has passed', async () => {
    // Prepare
    const inner = countingResolver();
    let now = 1_000;
    const resolve = cachingSecretResolver(inner.resolve, 60_000, () => now);

    // Act
    await resolve('env:A');
    now += 60_000;
    const second = await resolve('env:A');

    // Assess
    expect(second).toBe('value-2');
    expect(inner.calls).toEqual(['env:A', 'env:A']);
  });

  it('caches each reference separately', async () => {
    const inner = countingResolver();
    const resolve = cachingSecretResolver(inner.resolve, 60_000, () => 0);
    await resolve('env:A');
    await resolve('env:B');
    await resolve('env:A');
    expect(inner.calls).toEqual(['env:A', 'env:B']);
  });

  it('shares one lookup between concurrent callers', async () => {
    const inner = countingResolver();
    const resolve = cachingSecretResolver(inner.resolve, 60_000, () => 0);
    const values = await Promise.all([resolve('env:A'), resolve('env:A')]);
    expect(values).toEqual(['value-1', 'value-1']);
    expect(inner.calls).toHaveLength(1);
  });

  it('does not cache a failed lookup', async () => {
    // Prepare
    const inner = countingResolver();
    const resolve = cachingSecretResolver(inner.resolve, 60_000, () => 0);
    inner.failOnce();

    // Act
    const failure = await resolve('env:A').catch((e: unknown) => e);
    const retried = await resolve('env:A');

    // Assess
    expect(failure).toBeInstanceOf(SecretNotFoundError);
    expect(retried).toBe('value-2');
    expect(inner.calls).toEqual(['env:A', 'env:A']);
  });
});

describe('secretRefsOf', () => {
  it("lists every reference a config holds with its path, a source's enrichment token included", () => {
    // Prepare
    const config: LeadpipeConfig = {
      sources: {
        meta: {
          verify: { scheme: 'meta', secrets: ['env:META_APP_SECRET'], verifyToken: 'env:META_VERIFY_TOKEN' },
          mapping: { preset: 'meta' },
          enrich: { accessToken: 'env:META_PAGE_TOKEN' },
        },
      },
      destinations: { hubspot: { type: 'hubspot', accessToken: 'env:HUBSPOT_TOKEN' } },
    };

    // Act
    const refs = secretRefsOf(config);

    // Assess
    expect(refs).toEqual([
      { path: 'sources.meta.verify.secrets[0]', ref: 'env:META_APP_SECRET' },
      { path: 'sources.meta.verify.verifyToken', ref: 'env:META_VERIFY_TOKEN' },
      { path: 'sources.meta.enrich.accessToken', ref: 'env:META_PAGE_TOKEN' },
      { path: 'destinations.hubspot.accessToken', ref: 'env:HUBSPOT_TOKEN' },
    ]);
  });
});
