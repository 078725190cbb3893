import { readFileSync } from 'node:fs';
import { App, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { ConfigError } from '../../functions/config/errors.ts';
import { checkAwsConfig, readAwsConfig } from '../../infra/aws-config.ts';
import { LeadPipeline } from '../../infra/lead-pipeline.ts';
import { withAwsSecretRefs } from '../../infra/secret-refs.ts';
import type { LeadpipeConfig } from '../../schemas/generated/config.ts';
import { EXAMPLE_CONFIG_FILE, exampleConfig } from './synth.ts';

/** The example config as YAML data, to break one thing at a time. */
const exampleData = () => parse(readFileSync(EXAMPLE_CONFIG_FILE, 'utf8'));

function problemsOf(run: () => unknown): readonly string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('synth config checks', () => {
  it('accepts the example config', () => {
    expect(exampleConfig().destinations.salesforce?.type).toBe('salesforce');
  });

  it.each([
    [
      'an unknown destination type',
      (data: { destinations: Record<string, unknown> }) => {
        data.destinations.pipedrive = { type: 'pipedrive', token: 'secretsmanager:x' };
      },
      /destinations\.pipedrive/,
    ],
    [
      'a destination without its secret reference',
      (data: { destinations: { hubspot: Record<string, unknown> } }) => {
        delete data.destinations.hubspot.accessToken;
      },
      /destinations\.hubspot.*accessToken/,
    ],
    [
      'a signed source without its secret references',
      (data: { sources: { demo: { verify: Record<string, unknown> } } }) => {
        delete data.sources.demo.verify.secrets;
      },
      /sources\.demo\.verify.*secrets/,
    ],
    [
      'a malformed secret reference',
      (data: { destinations: { hubspot: Record<string, unknown> } }) => {
        data.destinations.hubspot.accessToken = 'vault:hubspot';
      },
      /destinations\.hubspot\.accessToken/,
    ],
    [
      'Salesforce without its login URL (no default API on AWS)',
      (data: { destinations: { salesforce: { auth: Record<string, unknown> } } }) => {
        delete data.destinations.salesforce.auth.loginUrl;
      },
      /destinations\.salesforce\.auth\.loginUrl: required on AWS/,
    ],
  ])('fails on %s, naming the path to fix', (_case, breakIt, expected) => {
    const data = exampleData();
    breakIt(data);
    const problems = problemsOf(() => checkAwsConfig(stringify(data), 'leadpipe.config.yaml'));
    expect(problems.join('\n')).toMatch(expected);
  });

  it('lists every problem at once', () => {
    const data = exampleData();
    delete data.destinations.salesforce.auth.loginUrl;
    data.destinations.hubspot.filter = { nope: ['x'] };
    const problems = problemsOf(() => checkAwsConfig(stringify(data), 'leadpipe.config.yaml'));
    expect(problems).toHaveLength(2);
  });

  it('names a missing file', () => {
    const problems = problemsOf(() => readAwsConfig('/nonexistent/leadpipe.config.yaml'));
    expect(problems).toEqual(['cannot read the config file (ENOENT)']);
  });

  it('fails synth of the construct itself on a config that skipped the checks', () => {
    const config = exampleConfig();
    const salesforce = config.destinations.salesforce as Extract<
      LeadpipeConfig['destinations'][string],
      { type: 'salesforce' }
    >;
    if ('loginUrl' in salesforce.auth) delete salesforce.auth.loginUrl;
    const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Bad');
    expect(() => new LeadPipeline(stack, 'Pipeline', { config, configFile: 'mine.yaml' })).toThrow(
      /mine\.yaml has 1 problem:\n {2}- destinations\.salesforce\.auth\.loginUrl: required on AWS/,
    );
  });

  it('refuses construct props that AWS would refuse later', () => {
    const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Bad');
    const problems = problemsOf(
      () =>
        new LeadPipeline(stack, 'Pipeline', {
          config: exampleConfig(),
          prefix: 'Not_Valid',
          deliverConcurrency: { hubspot: 1, nowhere: 5 },
        }),
    );
    expect(problems).toEqual([
      'prefix: "Not_Valid" must be 1-30 characters of a-z, 0-9 and -, starting with a letter',
      "deliverConcurrency.hubspot: must be a whole number from 2 to 1000 (Lambda's limits)",
      'deliverConcurrency.nowhere: no such destination',
    ]);
  });
});

describe('withAwsSecretRefs', () => {
  it('turns env:NAME into the Secrets Manager secret <prefix>NAME and leaves the rest alone', () => {
    const config = exampleConfig();
    const mapped = withAwsSecretRefs(config, 'acme/');
    expect(mapped.sources.typeform?.verify.secrets).toEqual(['secretsmanager:acme/TYPEFORM_SECRET']);
    expect(mapped.sources.demo?.verify.secrets).toEqual(config.sources.demo?.verify.secrets);
    expect(config.sources.typeform?.verify.secrets).toEqual(['env:TYPEFORM_SECRET']);
  });

  it.each([
    ['hubspot', { type: 'hubspot', accessToken: 'env:HS' }, { accessToken: 'secretsmanager:leadpipe/HS' }],
    ['slack', { type: 'slack', token: 'env:SL', channel: '#x' }, { token: 'secretsmanager:leadpipe/SL' }],
    [
      'salesforce',
      { type: 'salesforce', auth: { clientId: 'env:ID', clientSecret: 'env:SECRET', loginUrl: 'https://x' } },
      { auth: { clientId: 'secretsmanager:leadpipe/ID', clientSecret: 'secretsmanager:leadpipe/SECRET' } },
    ],
    [
      'salesforce-token',
      { type: 'salesforce', auth: { accessToken: 'env:TOKEN', instanceUrl: 'https://x' } },
      { auth: { accessToken: 'secretsmanager:leadpipe/TOKEN' } },
    ],
  ])('rewrites the %s destination secret references', (name, destination, expected) => {
    const config = { sources: {}, destinations: { [name]: destination } } as unknown as LeadpipeConfig;
    expect(withAwsSecretRefs(config).destinations[name]).toMatchObject(expected);
  });
});
