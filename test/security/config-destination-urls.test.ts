import { describe, expect, it } from 'vitest';
import { pipelineChecks } from '../../functions/config/checks.ts';
import { ConfigError } from '../../functions/config/errors.ts';
import { parseConfig } from '../../functions/config/load.ts';

type Field = 'hubspot.baseUrl' | 'slack.baseUrl' | 'salesforce.auth.loginUrl' | 'salesforce.auth.instanceUrl';

/** A valid config with one destination URL field set to `url`. */
function configWith(field: Field, url: string): string {
  const destinations: Record<string, unknown> = {
    hubspot: { type: 'hubspot', accessToken: 'env:HUBSPOT_TOKEN' },
    slack: { type: 'slack', token: 'env:SLACK_TOKEN', channel: '#hot' },
    salesforce:
      field === 'salesforce.auth.instanceUrl'
        ? { type: 'salesforce', auth: { accessToken: 'env:SF_TOKEN', instanceUrl: url } }
        : { type: 'salesforce', auth: { clientId: 'env:SF_ID', clientSecret: 'env:SF_SECRET' } },
  };
  if (field === 'hubspot.baseUrl') (destinations.hubspot as Record<string, unknown>).baseUrl = url;
  if (field === 'slack.baseUrl') (destinations.slack as Record<string, unknown>).baseUrl = url;
  if (field === 'salesforce.auth.loginUrl')
    ((destinations.salesforce as Record<string, unknown>).auth as Record<string, unknown>).loginUrl = url;
  return JSON.stringify({
    sources: {
      form: {
        verify: { scheme: 'standard-webhooks', secrets: ['env:FORM_SECRET'] },
        mapping: { preset: 'generic' },
      },
    },
    destinations,
  });
}

function problemsOf(text: string): readonly string[] {
  try {
    parseConfig(text, 'test.yaml', pipelineChecks);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

const FIELDS: Field[] = [
  'hubspot.baseUrl',
  'slack.baseUrl',
  'salesforce.auth.loginUrl',
  'salesforce.auth.instanceUrl',
];
const REFUSED = [
  'http://api.hubapi.com',
  'https://169.254.169.254/latest/meta-data/',
  'http://169.254.169.254/latest/meta-data/',
  'https://[fe80::1]/',
  'file:///etc/passwd',
  'gopher://127.0.0.1:6379/_FLUSHALL',
  'ftp://files.example.com/',
  'http://127.0.0.1.example.com/',
];
const ACCEPTED = [
  'https://api.hubapi.com',
  'https://acme.my.salesforce.com',
  'http://127.0.0.1:3000/sandbox/hubspot',
  'http://127.1.2.3:8080',
  'http://localhost:4000',
  'http://[::1]:4000/',
];

describe('destination URLs in the config', () => {
  it.each(FIELDS.flatMap((field) => REFUSED.map((url) => [field, url] as const)))(
    'refuses %s = %s, naming the field',
    (field, url) => {
      // Act
      const problems = problemsOf(configWith(field, url));

      // Assess
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(new RegExp(`^destinations\\.${field.replaceAll('.', '\\.')}: `));
    },
  );

  it.each(FIELDS.flatMap((field) => ACCEPTED.map((url) => [field, url] as const)))(
    'accepts %s = %s (https:, or http: to loopback)',
    (field, url) => {
      expect(problemsOf(configWith(field, url))).toEqual([]);
    },
  );

  it('lists every refused URL at once', () => {
    // Prepare
    const config = JSON.parse(configWith('hubspot.baseUrl', 'http://api.hubapi.com'));
    config.destinations.slack.baseUrl = 'file:///etc/passwd';
    config.destinations.salesforce.auth.loginUrl = 'http://169.254.169.254/';

    // Act
    const problems = problemsOf(JSON.stringify(config));

    // Assess
    expect(problems.map((problem) => problem.split(':')[0])).toEqual([
      'destinations.hubspot.baseUrl',
      'destinations.slack.baseUrl',
      'destinations.salesforce.auth.loginUrl',
    ]);
  });
});
