import { describe, expect, it } from 'vitest';
import { unsignedSources } from '../../../../functions/config/checks.ts';
import { ConfigError } from '../../../../functions/config/errors.ts';
import { parseConfig } from '../../../../functions/config/load.ts';
import { CONFIG } from './ingest-setup.ts';

const withSource = (source: unknown) =>
  JSON.stringify({
    sources: { form: source },
    destinations: { hubspot: { type: 'hubspot', accessToken: 'env:T' } },
  });

describe('sources without verification', () => {
  it.each([
    ['no verify block', { mapping: { preset: 'generic' } }],
    ['a scheme but no secrets', { verify: { scheme: 'standard-webhooks' }, mapping: { preset: 'generic' } }],
    [
      'scheme none with secrets',
      { verify: { scheme: 'none', secrets: ['env:X'] }, mapping: { preset: 'generic' } },
    ],
  ])('are refused at load with %s', (_name, source) => {
    // Act / Assess
    expect(() => parseConfig(withSource(source), 'config.json')).toThrow(ConfigError);
  });

  it('are accepted only with an explicit scheme none, and listed for the loud start-up warning', () => {
    // Act
    const config = parseConfig(
      withSource({ verify: { scheme: 'none' }, mapping: { preset: 'generic' } }),
      'config.json',
    );
    // Assess
    expect(unsignedSources(config)).toEqual(['form']);
    expect(unsignedSources(CONFIG)).toEqual(['open']);
  });
});
