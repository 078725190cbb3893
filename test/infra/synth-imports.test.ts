import { join } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../infra/bundling.ts';

/**
 * What `cdk synth` loads: every module reachable from the CDK app, read from esbuild's metafile.
 * The CDK and cdk-nag stay external (they are what synth is); vendor SDKs must not be reachable:
 * the stack reads vendor limits from the adapters' leaf modules (adapters/<vendor>/limits.ts).
 */
let inputs: Promise<string[]> | undefined;
function synthInputs(): Promise<string[]> {
  inputs ??= bundleInputs();
  return inputs;
}

async function bundleInputs(): Promise<string[]> {
  const result = await build({
    entryPoints: [join(PROJECT_ROOT, 'infra/app.ts')],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    logLevel: 'silent',
    external: ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs', 'cdk-nag'],
  });
  return Object.keys(result.metafile.inputs);
}

describe('the CDK app', () => {
  it.each([
    ['the HubSpot SDK', 'node_modules/@hubspot/api-client/'],
    ['jsforce', 'node_modules/jsforce/'],
    ['the Slack SDK', 'node_modules/@slack/web-api/'],
    ['an embedded (SQLite) adapter', 'adapters/embedded/'],
    ['the local host', 'local/'],
  ])('does not load %s to synthesize', async (_name, marker) => {
    // Act
    const reachable = await synthInputs();

    // Assess
    expect(reachable.filter((path) => path.includes(marker))).toEqual([]);
  });

  it('reads the vendor batch limits from their leaf modules', async () => {
    // Act
    const reachable = await synthInputs();

    // Assess
    expect(reachable).toEqual(
      expect.arrayContaining([
        'adapters/hubspot/limits.ts',
        'adapters/salesforce/limits.ts',
        'adapters/slack/limits.ts',
      ]),
    );
  });
});
