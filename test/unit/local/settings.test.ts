import { describe, expect, it } from 'vitest';
import { isLoopback, readLocalSettings, SettingsError } from '../../../local/settings.ts';

describe('readLocalSettings', () => {
  it('defaults to port 3000 on 127.0.0.1, full durability, ./.leadpipe', () => {
    // Act
    const settings = readLocalSettings({}, '/srv/app');

    // Assess
    expect(settings).toMatchObject({
      port: 3000,
      bindAddress: '127.0.0.1',
      durability: 'full',
      dataDir: '/srv/app/.leadpipe',
      logLevel: 'INFO',
    });
  });

  it.each([
    [{ PORT: '70000' }, 'PORT must be a port number from 0 to 65535, not "70000"'],
    [{ LEADPIPE_BIND: 'localhost' }, 'LEADPIPE_BIND must be an IP address to listen on'],
    [{ LEADPIPE_DURABILITY: 'fast' }, 'LEADPIPE_DURABILITY must be full'],
    [{ LEADPIPE_LOG_LEVEL: 'LOUD' }, 'LEADPIPE_LOG_LEVEL must be one of DEBUG, INFO, WARN, ERROR'],
  ])('refuses %o with a message naming the variable', (env, message) => {
    // Act
    const read = () => readLocalSettings(env, '/srv/app');

    // Assess
    expect(read).toThrow(SettingsError);
    expect(read).toThrow(message);
  });

  it.each([
    ['127.0.0.1', true],
    ['127.0.0.2', true],
    ['::1', true],
    ['0.0.0.0', false],
    ['10.1.2.3', false],
    ['::', false],
  ])('isLoopback(%s) is %s', (address, loopback) => {
    // Act
    const result = isLoopback(address);

    // Assess
    expect(result).toBe(loopback);
  });
});
