import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENVIRONMENT } from '../../adapters/aws/lambda/environment.ts';
import { copyOpsPageCommands, OPS_PAGE_DIR, PROJECT_ROOT } from '../../infra/bundling.ts';
import { LeadPipeline } from '../../infra/lead-pipeline.ts';
import { ledgerIndexNames } from '../../infra/ledger-table.ts';
import type { LeadpipeConfig } from '../../schemas/generated/config.ts';
import {
  exampleConfig,
  logicalId,
  resourcesOf,
  roleStatements,
  type Synthesized,
  synthPipeline,
} from './synth.ts';

const ISSUER = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123';
const AUDIENCE = ['4f7qexampleclientid', 'cli-client'];

/** The example config with the console behind a JWT authorizer. */
function withConsole(): LeadpipeConfig {
  const config = exampleConfig();
  return {
    ...config,
    settings: { ...config.settings, console: { jwt: { issuer: ISSUER, audience: AUDIENCE } } },
  };
}

let synth: Synthesized;
let without: Synthesized;

beforeAll(() => {
  // Prepare: one synth with the console, one of the example config (no settings.console).
  synth = synthPipeline(withConsole());
  without = synthPipeline(exampleConfig());
});

const routes = (from: Synthesized) =>
  Object.values(resourcesOf(from.template, 'AWS::ApiGatewayV2::Route')).map(
    (route) => route.Properties ?? {},
  );
const routeByKey = (key: string) => routes(synth).find((route) => route.RouteKey === key);
const consoleFunction = () => {
  const fn = synth.pipeline.consoleFunction;
  if (!fn) throw new Error('no console function');
  return fn;
};

describe('the ops console on AWS (settings.console.jwt set)', () => {
  it('has a JWT authorizer with the config’s issuer and audiences, reading the Authorization header', () => {
    // Act
    const authorizers = Object.values(resourcesOf(synth.template, 'AWS::ApiGatewayV2::Authorizer'));

    // Assess
    expect(authorizers).toEqual([
      expect.objectContaining({
        Properties: {
          ApiId: { Ref: logicalId(synth.pipeline.api) },
          AuthorizerType: 'JWT',
          IdentitySource: ['$request.header.Authorization'],
          JwtConfiguration: { Issuer: ISSUER, Audience: AUDIENCE },
          Name: 'ConsoleAuthorizer',
        },
      }),
    ]);
  });

  it('puts ANY /ops/api/{proxy+} behind the authorizer, and GET /ops and its assets not', () => {
    // Prepare
    const authorizer = Object.keys(resourcesOf(synth.template, 'AWS::ApiGatewayV2::Authorizer'))[0];

    // Assess
    expect(routeByKey('ANY /ops/api/{proxy+}')).toMatchObject({
      AuthorizationType: 'JWT',
      AuthorizerId: { Ref: authorizer },
    });
    for (const key of ['GET /ops', 'GET /ops/assets/{file}']) {
      expect(routeByKey(key), key).toMatchObject({ AuthorizationType: 'NONE' });
      expect(routeByKey(key), key).not.toHaveProperty('AuthorizerId');
    }
    // The webhook routes stay as they were: each request is authenticated by its signature.
    expect(routeByKey('POST /webhooks/demo')).toMatchObject({ AuthorizationType: 'NONE' });
    expect(
      routes(synth)
        .map((route) => route.RouteKey)
        .sort(),
    ).toEqual(
      [
        'ANY /ops/api/{proxy+}',
        'GET /ops',
        'GET /ops/assets/{file}',
        'POST /webhooks/demo',
        'POST /webhooks/typeform',
      ].sort(),
    );
  });

  it('sends the three console routes to the console function, and only them', () => {
    // Prepare
    const integrations = resourcesOf(synth.template, 'AWS::ApiGatewayV2::Integration');
    // Target: integrations/<ref>, as Fn::Join ['', ['integrations/', { Ref }]].
    const target = (key: string) => {
      const join = routeByKey(key)?.Target as { 'Fn::Join': [string, unknown[]] } | undefined;
      return JSON.stringify(join?.['Fn::Join'][1][1]);
    };
    const consoleIntegration = Object.entries(integrations).find(
      ([, integration]) =>
        JSON.stringify(integration.Properties?.IntegrationUri) ===
        JSON.stringify({ 'Fn::GetAtt': [logicalId(consoleFunction()), 'Arn'] }),
    );

    // Assess
    expect(consoleIntegration?.[1].Properties).toMatchObject({
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
    });
    for (const key of ['ANY /ops/api/{proxy+}', 'GET /ops', 'GET /ops/assets/{file}']) {
      expect(target(key), key).toBe(JSON.stringify({ Ref: consoleIntegration?.[0] }));
    }
    expect(target('POST /webhooks/demo')).not.toBe(JSON.stringify({ Ref: consoleIntegration?.[0] }));
  });

  it('gives the function the tables, the bus, the API URL and every destination’s queue URLs', () => {
    // Act
    const environment = resourcesOf(synth.template, 'AWS::Lambda::Function')[logicalId(consoleFunction())]
      ?.Properties?.Environment as { Variables: Record<string, unknown> };
    const queues = synth.stack.resolve(environment.Variables[ENVIRONMENT.queues]);

    // Assess
    expect(environment.Variables).toEqual({
      [ENVIRONMENT.pipeline]: 'leadpipe',
      [ENVIRONMENT.tableName]: { Ref: logicalId(synth.pipeline.table) },
      [ENVIRONMENT.ledgerTableName]: { Ref: logicalId(synth.pipeline.ledgerTable) },
      [ENVIRONMENT.busName]: { Ref: logicalId(synth.pipeline.bus) },
      [ENVIRONMENT.apiUrl]: expect.objectContaining({ 'Fn::Join': expect.anything() }),
      [ENVIRONMENT.queues]: expect.objectContaining({ 'Fn::Join': expect.anything() }),
      NODE_OPTIONS: '--enable-source-maps',
    });
    // The JSON names each destination's queue and DLQ by reference (resolved at deploy).
    const text = JSON.stringify(queues);
    for (const [name, resources] of Object.entries(synth.pipeline.destinations)) {
      expect(text).toContain(`\\"${name}\\":{\\"queueUrl\\":\\"`);
      expect(text).toContain(JSON.stringify({ Ref: logicalId(resources.queue) }));
      expect(text).toContain(JSON.stringify({ Ref: logicalId(resources.deadLetterQueue) }));
    }
  });

  it('grants exactly what the console API reads and changes', () => {
    // Prepare
    const ledger = `${logicalId(synth.pipeline.ledgerTable)}.Arn`;
    const table = `${logicalId(synth.pipeline.table)}.Arn`;
    const destinations = Object.values(synth.pipeline.destinations);

    // Act
    const statements = roleStatements(synth.template, consoleFunction());

    // Assess
    expect(statements).toEqual([
      {
        effect: 'Allow',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [`${logicalId(consoleFunction().logGroup as never)}.Arn`],
      },
      // The ledger: queries and items on the table and each index by name; appends for replays and redrives.
      {
        effect: 'Allow',
        actions: ['dynamodb:GetItem', 'dynamodb:Query'],
        resources: [ledger, ...ledgerIndexNames().map((name) => `${ledger}/index/${name}`)],
      },
      { effect: 'Allow', actions: ['dynamodb:BatchWriteItem', 'dynamodb:PutItem'], resources: [ledger] },
      // The pipeline table: quarantined payloads read and removed, the quarantine listed, replay claims.
      {
        effect: 'Allow',
        actions: ['dynamodb:GetItem', 'dynamodb:DeleteItem'],
        resources: [table],
        condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['quarantine#*'] } },
      },
      { effect: 'Allow', actions: ['dynamodb:Scan'], resources: [table] },
      {
        effect: 'Allow',
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
        resources: [table],
        condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['leadpipe-replay#*'] } },
      },
      // A replayed lead's person: the identity items only.
      {
        effect: 'Allow',
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
        resources: [table],
        condition: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['personkey#*', 'person#*'] },
        },
      },
      // Erasure tombstones: an erased person's lead is neither replayed nor redriven.
      {
        effect: 'Allow',
        actions: ['dynamodb:GetItem'],
        resources: [table],
        condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['tombstone#*'] } },
      },
      { effect: 'Allow', actions: ['events:PutEvents'], resources: [`${logicalId(synth.pipeline.bus)}.Arn`] },
      // Dead letters: peeked and moved; the queues: depth and the redriven message. No other SQS action.
      {
        effect: 'Allow',
        actions: [
          'sqs:ChangeMessageVisibility',
          'sqs:DeleteMessage',
          'sqs:GetQueueAttributes',
          'sqs:ReceiveMessage',
        ],
        resources: destinations.map(({ deadLetterQueue }) => `${logicalId(deadLetterQueue)}.Arn`),
      },
      {
        effect: 'Allow',
        actions: ['sqs:GetQueueAttributes', 'sqs:SendMessage'],
        resources: destinations.map(({ queue }) => `${logicalId(queue)}.Arn`),
      },
    ]);
  });

  it('is granted no secret: it verifies nothing and calls no vendor', () => {
    // Act
    const actions = roleStatements(synth.template, consoleFunction()).flatMap(
      (statement) => statement.actions,
    );

    // Assess
    expect(actions.filter((action) => /^(secretsmanager|ssm|kms):/.test(action))).toEqual([]);
  });

  it('outputs the console URL', () => {
    // Act
    const outputs = Object.entries(synth.template.findOutputs('*')).filter(([name]) =>
      name.startsWith('PipelineOpsConsoleUrl'),
    );

    // Assess
    expect(outputs).toHaveLength(1);
    expect(JSON.stringify(outputs[0]?.[1].Value)).toContain('/ops');
    expect(JSON.stringify(outputs[0]?.[1].Value)).toContain(logicalId(synth.pipeline.api));
  });

  it('alarms on the console function’s errors and throttles like every function’s', () => {
    // Assess
    for (const suffix of ['errors', 'throttles']) {
      synth.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: `leadpipe-console-${suffix}`,
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(consoleFunction()) } }],
      });
    }
  });

  it('has no unsuppressed cdk-nag finding, and suppresses APIG4 on the two page routes only', () => {
    // Act
    const findings = [
      ...synth.annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-.*')),
      ...synth.annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*')),
    ];
    const suppressed = Object.values(resourcesOf(synth.template, 'AWS::ApiGatewayV2::Route'))
      .filter((route) => JSON.stringify(route).includes('AwsSolutions-APIG4'))
      .map((route) => route.Properties?.RouteKey);

    // Assess
    expect(findings.map((finding) => `${finding.id}: ${String(finding.entry.data).split('\n')[0]}`)).toEqual(
      [],
    );
    expect(suppressed.sort()).toEqual([
      'GET /ops',
      'GET /ops/assets/{file}',
      'POST /webhooks/demo',
      'POST /webhooks/typeform',
    ]);
  });
});

describe('without settings.console.jwt', () => {
  it('deploys no console at all: no authorizer, no /ops route, no function, no output', () => {
    // Assess
    expect(without.pipeline.consoleFunction).toBeUndefined();
    expect(without.pipeline.console).toBeUndefined();
    expect(resourcesOf(without.template, 'AWS::ApiGatewayV2::Authorizer')).toEqual({});
    expect(routes(without).filter((route) => String(route.RouteKey).includes('/ops'))).toEqual([]);
    expect(Object.keys(without.template.findOutputs('*')).filter((name) => name.includes('Console'))).toEqual(
      [],
    );
    const functions = Object.keys(resourcesOf(without.template, 'AWS::Lambda::Function'));
    expect(functions.filter((name) => name.includes('Console'))).toEqual([]);
    // The ledger is there either way: ingest and deliver write it.
    expect(without.pipeline.ledgerTable).toBeDefined();
  });
});

describe('the console bundle', () => {
  let work: string;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'leadpipe-ops-copy-'));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  /** Runs the after-bundling commands as CDK's local bundling does: each through `bash -c`, in order. */
  function runCopy(input: string, output: string) {
    for (const command of copyOpsPageCommands(input, output)) {
      const run = spawnSync('bash', ['-c', command], { encoding: 'utf8' });
      if (run.status !== 0) return run;
    }
    return { status: 0, stderr: '' };
  }

  it('gets the page’s own HTML, JavaScript and CSS, and nothing else, even in a path with a quote', () => {
    // Prepare
    const input = join(work, "it's here");
    const output = join(work, 'out');
    mkdirSync(join(input, OPS_PAGE_DIR, 'nested'), { recursive: true });
    mkdirSync(output);
    for (const file of ['index.html', 'app.js', 'styles.css', 'notes.md', 'nested/deep.js']) {
      writeFileSync(join(input, OPS_PAGE_DIR, file), file);
    }

    // Act
    const run = runCopy(input, output);

    // Assess
    expect(run.status).toBe(0);
    expect(readdirSync(join(output, OPS_PAGE_DIR)).sort()).toEqual(['app.js', 'index.html', 'styles.css']);
  });

  it('fails, naming the file, when the page has no index.html', () => {
    // Prepare
    const input = join(work, 'empty');
    mkdirSync(join(input, OPS_PAGE_DIR), { recursive: true });

    // Act
    const run = runCopy(input, join(work, 'out-empty'));

    // Assess
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('ops/index.html is missing');
  });

  it('is built by the construct with ops/ beside index.mjs (a real synth)', () => {
    // Prepare
    const outdir = join(work, 'cdk.out');
    const app = new App({ outdir });
    const stack = new Stack(app, 'ConsoleBundle', { env: { account: '111122223333', region: 'eu-west-1' } });
    const pipeline = new LeadPipeline(stack, 'Pipeline', {
      config: {
        ...withConsole(),
        destinations: {},
        settings: { console: { jwt: { issuer: ISSUER, audience: AUDIENCE } } },
      },
    });

    // Act
    app.synth();
    const fn = pipeline.consoleFunction;
    if (!fn) throw new Error('no console function');
    const code = stack.resolve((fn.node.defaultChild as CfnFunction).code) as { s3Key: string };
    const asset = join(outdir, `asset.${code.s3Key.replace(/\.zip$/, '')}`);

    // Assess
    expect(existsSync(join(asset, 'index.mjs'))).toBe(true);
    expect(readdirSync(join(asset, OPS_PAGE_DIR)).sort()).toEqual(
      readdirSync(join(PROJECT_ROOT, OPS_PAGE_DIR))
        .filter((file) => /\.(html|js|css)$/.test(file))
        .sort(),
    );
    expect(readdirSync(join(asset, OPS_PAGE_DIR))).toContain('index.html');
    // It calls no vendor: no vendor SDK, adapter or embedded store is in its bundle.
    const { sources } = JSON.parse(readFileSync(join(asset, 'index.mjs.map'), 'utf8')) as {
      sources: string[];
    };
    for (const marker of [
      'node_modules/@hubspot/',
      'node_modules/jsforce/',
      'node_modules/@slack/',
      'adapters/hubspot/',
      'adapters/salesforce/',
      'adapters/slack/',
      'adapters/embedded/',
    ]) {
      expect(
        sources.filter((source) => source.includes(marker)),
        marker,
      ).toEqual([]);
    }
  }, 120_000);
});
