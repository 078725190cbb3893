import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bearerMatches, CONSOLE_TOKEN_FILE, consoleToken } from '../../../local/console-token.ts';

describe('consoleToken', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('creates a random token on first start, readable by its owner only, and keeps it across starts', async () => {
    // Arrange
    dir = await mkdtemp(join(tmpdir(), 'leadpipe-token-'));

    // Act
    const first = await consoleToken({ dataDir: dir });
    const second = await consoleToken({ dataDir: dir });

    // Assess
    expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(second).toBe(first);
    expect((await stat(join(dir, CONSOLE_TOKEN_FILE))).mode & 0o777).toBe(0o600);
    expect((await readFile(join(dir, CONSOLE_TOKEN_FILE), 'utf8')).trim()).toBe(first);
  });

  it('takes the configured token over the file, and refuses a short one', async () => {
    await expect(consoleToken({ configured: 'x'.repeat(32) })).resolves.toBe('x'.repeat(32));
    await expect(consoleToken({ configured: 'short' })).rejects.toThrow(/fewer than 16 characters/);
  });

  it('a new token per start without a data dir', async () => {
    expect(await consoleToken({})).not.toBe(await consoleToken({}));
  });
});

describe('bearerMatches', () => {
  it.each([
    ['Bearer s3cret-token-value', true],
    ['bearer s3cret-token-value', true],
    ['Bearer s3cret-token-valu', false],
    ['Bearer s3cret-token-value-and-more', false],
    ['Basic s3cret-token-value', false],
    [undefined, false],
    ['Bearer ', false],
  ])('%j → %j', (header, matches) => {
    expect(bearerMatches(header, 's3cret-token-value')).toBe(matches);
  });
});
