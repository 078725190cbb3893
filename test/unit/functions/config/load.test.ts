import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadPipelineConfig, pipelineChecks, unsignedSources } from '../../../../functions/config/checks.ts';
import { ConfigError } from '../../../../functions/config/errors.ts';
import { isLeadField, loadConfig, parseConfig } from '../../../../functions/config/load.ts';

const root = join(import.meta.dirname, '../../../..');
const defaultConfigFile = join(root, 'leadpipe.config.yaml');

// biome-ignore lint/suspicious/noExplicitAny: the tests break configs in ways the config types forbid, on purpose.
type DraftConfig = Record<string, any>;

/** A small valid config: every test breaks exactly one thing in a fresh copy. */
function validConfig(): DraftConfig {
  return {
    settings: { alerts: { destination: 'slack', channel: '#ops' } },
    sources: {
      demo: {
        verify: { scheme: 'standard-webhooks', secrets: ['env:DEMO_SECRET'] },
        mapping: { preset: 'generic' },
      },
      custom: {
        verify: {
          scheme: 'hmac',
          secrets: ['env:CUSTOM_SECRET'],
          hmac: { header: 'X-Sig', algorithm: 'sha256', encoding: 'hex' },
        },
        mapping: { jsonata: '{ "email": payload.email }' },
      },
    },
    destinations: {
      hubspot: {
        type: 'hubspot',
        accessToken: 'env:HUBSPOT_TOKEN',
        properties: { 'utm.campaign': 'utm_campaign' },
      },
      slack: {
        type: 'slack',
        token: 'env:SLACK_TOKEN',
        channel: '#hot',
        filter: { score: [{ numeric: ['>=', 70] }] },
      },
    },
  };
}

function problemsOf(text: string, checks = pipelineChecks): readonly string[] {
  try {
    parseConfig(text, 'test.yaml', checks);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('parseConfig', () => {
  it('accepts the default leadpipe.config.yaml and fills in the defaults', async () => {
    // Prepare
    const text = await readFile(defaultConfigFile, 'utf8');

    // Act
    const config = parseConfig(text, defaultConfigFile, pipelineChecks);

    // Assess
    expect(Object.keys(config.sources)).toEqual(['demo', 'typeform']);
    expect(Object.keys(config.destinations)).toEqual(['hubspot', 'salesforce', 'slack']);
    expect(config.sources.demo?.verify.toleranceSeconds).toBe(300);
    expect(config.settings?.maxBodyBytes).toBe(262_144);
    const salesforce = config.destinations.salesforce;
    expect(salesforce?.type === 'salesforce' && salesforce.apiVersion).toBe('62.0');
  });

  it('accepts the small valid config every broken case starts from', () => {
    expect(problemsOf(stringify(validConfig()))).toEqual([]);
  });

  it.each<[string, (config: DraftConfig) => void, string[]]>([
    [
      'a typo\'d property "verfy"',
      (c) => {
        c.sources.demo.verfy = c.sources.demo.verify;
        delete c.sources.demo.verify;
      },
      [
        'sources.demo: unknown property "verfy" (check its spelling)',
        'sources.demo: missing required property "verify"',
      ],
    ],
    [
      'a literal secret instead of env:NAME',
      (c) => {
        c.sources.demo.verify.secrets = ['whsec_c2VjcmV0LXZhbHVl'];
      },
      [
        'sources.demo.verify.secrets[0]: must be a secret reference (env:NAME, secretsmanager:NAME or ssm:/path), never the secret itself',
      ],
    ],
    [
      'an unknown scheme',
      (c) => {
        c.sources.demo.verify.scheme = 'sha-magic';
      },
      [
        expect.stringMatching(
          /^sources\.demo\.verify\.scheme: must be one of: standard-webhooks, .*, hmac, none$/,
        ),
      ],
    ],
    [
      'an unknown destination type',
      (c) => {
        c.destinations.hubspot.type = 'pipedrive';
      },
      ['destinations.hubspot: "type" must be one of: hubspot, salesforce, slack'],
    ],
    [
      'an hmac scheme without an hmac block',
      (c) => {
        delete c.sources.custom.verify.hmac;
      },
      ['sources.custom.verify: missing required property "hmac"'],
    ],
    [
      'an hmac block on another scheme',
      (c) => {
        c.sources.demo.verify.hmac = c.sources.custom.verify.hmac;
      },
      ['sources.demo.verify: has a property that is not allowed together with the others here'],
    ],
    [
      'a mapping with both a preset and jsonata',
      (c) => {
        c.sources.demo.mapping.jsonata = '$';
      },
      ['sources.demo.mapping: has a property that is not allowed together with the others here'],
    ],
    [
      'a mapping with neither preset nor jsonata',
      (c) => {
        c.sources.demo.mapping = { score: 50 };
      },
      ['sources.demo.mapping: missing required property "jsonata"'],
    ],
    [
      'an alerts destination that does not exist',
      (c) => {
        c.settings.alerts.destination = 'pager';
      },
      ['settings.alerts.destination: no destination named "pager"'],
    ],
    [
      'an alerts destination that is not slack',
      (c) => {
        c.settings.alerts.destination = 'hubspot';
      },
      ['settings.alerts.destination: "hubspot" is a hubspot destination; alerts need a slack one'],
    ],
    [
      'a filter on a field a lead does not have',
      (c) => {
        c.destinations.slack.filter = { rating: [{ numeric: ['>=', 70] }] };
      },
      ['destinations.slack.filter: "rating" is not a lead field'],
    ],
    [
      'a property mapping from a field a lead does not have',
      (c) => {
        c.destinations.hubspot.properties = { 'email.domain': 'domain' };
      },
      ['destinations.hubspot: "email.domain" is not a lead field'],
    ],
    [
      'a destination name with capitals',
      (c) => {
        c.destinations.HubSpot = c.destinations.hubspot;
        delete c.destinations.hubspot;
      },
      [expect.stringMatching(/^destinations: names use lower-case letters/)],
    ],
    [
      'a JSONata syntax error',
      (c) => {
        c.sources.custom.mapping.jsonata = '{ "email": payload.email';
      },
      [expect.stringMatching(/^sources\.custom\.mapping: mapping\.jsonata: JSONata syntax error/)],
    ],
  ])('refuses %s, naming the path', (_name, breakIt, expected) => {
    // Prepare
    const config = validConfig();
    breakIt(config);

    // Act
    const problems = problemsOf(stringify(config));

    // Assess
    expect([...problems].sort()).toEqual(expected.sort());
  });

  it('lists every schema problem at once', () => {
    // Prepare
    const config = validConfig();
    config.sources.demo.verfy = config.sources.demo.verify;
    config.sources.custom.verify.secrets = ['plain-secret'];
    config.destinations.hubspot.type = 'pipedrive';

    // Act
    const problems = problemsOf(stringify(config));

    // Assess
    expect(problems).toEqual(
      expect.arrayContaining([
        'sources.demo: unknown property "verfy" (check its spelling)',
        expect.stringMatching(/^sources\.custom\.verify\.secrets\[0\]: must be a secret reference/),
        'destinations.hubspot: "type" must be one of: hubspot, salesforce, slack',
      ]),
    );
  });

  it('lists every cross-check problem at once', () => {
    // Prepare
    const config = validConfig();
    config.settings.alerts.destination = 'hubspot';
    config.destinations.slack.filter = { rating: [1] };
    config.sources.custom.mapping.jsonata = '(';

    // Act
    const problems = problemsOf(stringify(config));

    // Assess
    expect(problems).toHaveLength(3);
    expect(problems.map((problem) => problem.split(':')[0])).toEqual([
      'settings.alerts.destination',
      'destinations.slack.filter',
      'sources.custom.mapping',
    ]);
  });

  it('never repeats a literal secret in its message', () => {
    // Prepare
    const config = validConfig();
    config.destinations.slack.token = 'xoxb-real-looking-token';

    // Act
    const error = catchError(() => parseConfig(stringify(config), 'test.yaml'));

    // Assess
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain('destinations.slack.token');
    expect(error.message).not.toContain('xoxb-real-looking-token');
  });

  it('reports a YAML syntax error with its line', () => {
    // Prepare
    const text = 'sources:\n  demo:\n    verify: { scheme: stripe\n';

    // Act
    const problems = problemsOf(text);

    // Assess
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/at line \d+, column \d+/);
  });

  it('refuses duplicate keys, naming the line of the second', () => {
    // Prepare
    const text = `${stringify(validConfig())}destinations: {}\n`;

    // Act
    const problems = problemsOf(text);

    // Assess
    const line = text.split('\n').length - 1;
    expect(problems).toEqual([expect.stringContaining(`Map keys must be unique at line ${line}`)]);
  });

  it('reads JSON too', () => {
    expect(problemsOf(JSON.stringify(validConfig()))).toEqual([]);
  });

  it('states the file and the number of problems in its message', () => {
    // Prepare
    const config = validConfig();
    config.sources.demo.verify.scheme = 'x';
    config.destinations.hubspot.type = 'x';

    // Act
    const error = catchError(() => parseConfig(stringify(config), 'my.yaml'));

    // Assess
    expect(error.message).toMatch(/^my\.yaml has 2 problems:\n {2}- /);
  });
});

describe('loadConfig and loadPipelineConfig', () => {
  it('loads the default config file with the pipeline checks', async () => {
    const config = await loadPipelineConfig(defaultConfigFile);
    expect(config.destinations.slack?.filter).toEqual({ score: [{ numeric: ['>=', 70] }] });
  });

  it('says when the file cannot be read, with the error code', async () => {
    // Act
    const error = await loadConfig(join(root, 'no-such-config.yaml')).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual(['cannot read the config file (ENOENT)']);
  });

  it('catches a JSONata syntax error only with the pipeline checks', () => {
    // Prepare
    const config = validConfig();
    config.sources.custom.mapping.jsonata = '$map(';

    // Act
    const withoutChecks = problemsOf(stringify(config), []);
    const withChecks = problemsOf(stringify(config));

    // Assess
    expect(withoutChecks).toEqual([]);
    expect(withChecks).toEqual([
      expect.stringMatching(/^sources\.custom\.mapping: mapping\.jsonata: JSONata syntax error/),
    ]);
  });
});

describe('unsignedSources', () => {
  it('names the sources that accept unsigned webhooks', () => {
    // Prepare
    const config = validConfig();
    config.sources.open = { verify: { scheme: 'none' }, mapping: { preset: 'generic' } };

    // Act
    const unsigned = unsignedSources(parseConfig(stringify(config), 'test.yaml'));

    // Assess
    expect(unsigned).toEqual(['open']);
  });
});

describe('isLeadField', () => {
  it.each([
    ['score', true],
    ['email', true],
    ['utm.campaign', true],
    ['custom.budget', true],
    ['consent.marketing', true],
    ['email.domain', false],
    ['rating', false],
    ['', false],
  ])('%s → %s', (path, expected) => {
    expect(isLeadField(path)).toBe(expected);
  });
});

function catchError(act: () => unknown): Error {
  try {
    act();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}
