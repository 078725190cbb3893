import { describe, expect, it } from 'vitest';
import { secretWarnings } from '../../../cli/secrets.ts';
import { parseConfig } from '../../../functions/config/load.ts';
import { DEFAULT_CONFIG_PATH } from '../../../local/dev-secrets.ts';

/** One source and one destination, each with an env: reference, and one that only AWS resolves. */
const CONFIG = parseConfig(
  JSON.stringify({
    sources: {
      form: {
        verify: { scheme: 'standard-webhooks', secrets: ['env:FORM_SECRET', 'secretsmanager:old-form'] },
        mapping: { preset: 'generic' },
      },
    },
    destinations: { hubspot: { type: 'hubspot', accessToken: 'env:HUBSPOT_ACCESS_TOKEN' } },
  }),
  'test.json',
);

describe('secretWarnings', () => {
  it('names every env: reference whose variable is unset or empty, and how to set it', () => {
    // Act
    const warnings = secretWarnings(CONFIG, '/elsewhere/leadpipe.config.yaml', { HUBSPOT_ACCESS_TOKEN: '' });

    // Assess
    expect(warnings).toEqual([
      {
        path: 'sources.form.verify.secrets[0]',
        ref: 'env:FORM_SECRET',
        variable: 'FORM_SECRET',
        state: 'unset',
        message:
          'sources.form.verify.secrets[0]: FORM_SECRET is not set: export FORM_SECRET=... (or put FORM_SECRET=... in .env)',
      },
      {
        path: 'destinations.hubspot.accessToken',
        ref: 'env:HUBSPOT_ACCESS_TOKEN',
        variable: 'HUBSPOT_ACCESS_TOKEN',
        state: 'empty',
        message:
          'destinations.hubspot.accessToken: HUBSPOT_ACCESS_TOKEN is set but empty, so the host will not start: export HUBSPOT_ACCESS_TOKEN=... (or put HUBSPOT_ACCESS_TOKEN=... in .env)',
      },
    ]);
  });

  it('has nothing to say when every variable is set', () => {
    expect(
      secretWarnings(CONFIG, '/elsewhere/x.yaml', { FORM_SECRET: 'a', HUBSPOT_ACCESS_TOKEN: 'b' }),
    ).toEqual([]);
  });

  it('says npm start fills a development value in, for the default config only', () => {
    // Act
    const defaultConfig = secretWarnings(CONFIG, DEFAULT_CONFIG_PATH, { FORM_SECRET: 'a' });
    const other = secretWarnings(CONFIG, '/elsewhere/x.yaml', { FORM_SECRET: 'a' });

    // Assess
    expect(defaultConfig.map((warning) => warning.state)).toEqual(['development-value']);
    expect(defaultConfig[0]?.message).toContain('npm start uses its public development value');
    expect(other.map((warning) => warning.state)).toEqual(['unset']);
  });
});
