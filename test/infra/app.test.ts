import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { PROJECT_ROOT } from '../../infra/bundling.ts';
import { stackEnvironment } from '../../infra/stack.ts';
import { EXAMPLE_CONFIG_FILE } from './synth.ts';

const dir = mkdtempSync(join(tmpdir(), 'leadpipe-app-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the CDK app as `cdk synth` does (cdk.json's `node infra/app.ts`), on this config. */
function synthApp(config: unknown) {
  const file = join(dir, 'leadpipe.aws.yaml');
  writeFileSync(file, stringify(config));
  return spawnSync(process.execPath, ['infra/app.ts'], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, LEADPIPE_CONFIG: file, CDK_OUTDIR: join(dir, 'cdk.out') },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

describe('the CDK app on a config AWS cannot take', () => {
  it.each([0.5, 2.5])('refuses batchWindowSeconds %s naming the field, with no stack trace', (window) => {
    // Prepare
    const config = parse(readFileSync(EXAMPLE_CONFIG_FILE, 'utf8'));
    config.destinations.salesforce.delivery.batchWindowSeconds = window;

    // Act
    const run = synthApp(config);

    // Assess
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(
      `destinations.salesforce.delivery.batchWindowSeconds: must be a whole number of seconds from 0 to 300 on AWS (the SQS event source's batching window), not ${window}`,
    );
    expect(run.stderr).not.toMatch(/^\s+at /m);
  });
});

describe('stackEnvironment', () => {
  it.each([
    [
      'deploy: the account and region the CLI resolved',
      { CDK_DEFAULT_ACCOUNT: '111122223333', CDK_DEFAULT_REGION: 'eu-west-1' },
      { account: '111122223333', region: 'eu-west-1' },
    ],
    ['offline synth: not the CLI fallback us-east-1', { CDK_DEFAULT_REGION: 'us-east-1' }, undefined],
    [
      'offline synth with AWS_REGION: that region',
      { AWS_REGION: 'eu-central-1', CDK_DEFAULT_REGION: 'eu-central-1' },
      { region: 'eu-central-1' },
    ],
    ['AWS_DEFAULT_REGION alone', { AWS_DEFAULT_REGION: 'ap-southeast-2' }, { region: 'ap-southeast-2' }],
    ['nothing at all', {}, undefined],
  ])('%s', (_case, env, expected) => {
    expect(stackEnvironment(env)).toEqual(expected);
  });
});
