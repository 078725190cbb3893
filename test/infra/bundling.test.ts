import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleSettings, deliverFunctionKind, ENTRIES, PROJECT_ROOT } from '../../infra/bundling.ts';
import { LeadPipeline } from '../../infra/lead-pipeline.ts';
import type { DestinationConfig } from '../../schemas/generated/config.ts';
import { exampleConfig } from './synth.ts';

type DestinationType = DestinationConfig['type'];

/** What marks a vendor in a bundle's inputs: its SDK package and its adapter folder. */
const VENDOR_INPUTS: Record<DestinationType, readonly string[]> = {
  hubspot: ['node_modules/@hubspot/api-client/', 'adapters/hubspot/'],
  salesforce: ['node_modules/jsforce/', 'adapters/salesforce/'],
  slack: ['node_modules/@slack/web-api/', 'adapters/slack/'],
};
const TYPES = Object.keys(VENDOR_INPUTS) as DestinationType[];

/** One row per vendor: its own markers must be in its bundle, every other vendor's must not. */
const cases = TYPES.map((type) => ({
  type,
  own: VENDOR_INPUTS[type],
  others: TYPES.filter((other) => other !== type).flatMap((other) => VENDOR_INPUTS[other]),
}));

const containing = (inputs: readonly string[], marker: string) =>
  inputs.filter((path) => path.includes(marker));

describe('deliver entries', () => {
  it.each(TYPES)('a %s destination has an entry of its own that exists', (type) => {
    // Act
    const entry = ENTRIES[deliverFunctionKind(type)];

    // Assess
    expect(entry).toBe(`adapters/aws/lambda/deliver-${type}.lambda.ts`);
    expect(existsSync(join(PROJECT_ROOT, entry))).toBe(true);
  });

  it.each(cases)(
    'the $type entry bundles its own vendor SDK and no other (esbuild metafile)',
    async ({ type, own, others }) => {
      // Prepare
      const { banner, ...settings } = bundleSettings({ sources: {}, destinations: {} });

      // Act
      const result = await build({
        ...settings,
        minify: false,
        sourcemap: false,
        banner: { js: banner },
        entryPoints: [join(PROJECT_ROOT, ENTRIES[deliverFunctionKind(type)])],
        absWorkingDir: PROJECT_ROOT,
        bundle: true,
        write: false,
        metafile: true,
        outfile: join(PROJECT_ROOT, 'unused.mjs'),
        logLevel: 'error',
      });
      const inputs = Object.keys(result.metafile.inputs);

      // Assess
      for (const marker of own) expect(containing(inputs, marker), marker).not.toEqual([]);
      for (const marker of others) expect(containing(inputs, marker), marker).toEqual([]);
    },
    60_000,
  );
});

/**
 * The construct, bundling for real: each deliver function's deployed bundle lists its inputs in
 * its source map (`sources`), so the test reads what would be uploaded, not the construct's intent.
 */
describe('LeadPipeline deliver bundles', () => {
  let outdir: string;
  const sourcesByType = new Map<DestinationType, string[]>();

  beforeAll(() => {
    outdir = mkdtempSync(join(tmpdir(), 'leadpipe-cdk-bundles-'));
    const config = exampleConfig();
    const app = new App({ outdir });
    const stack = new Stack(app, 'Bundles', { env: { account: '111122223333', region: 'eu-west-1' } });
    const pipeline = new LeadPipeline(stack, 'Pipeline', { config });
    app.synth();
    for (const [name, { function: fn }] of Object.entries(pipeline.destinations)) {
      const code = stack.resolve((fn.node.defaultChild as CfnFunction).code) as { s3Key: string };
      const assetDir = join(outdir, `asset.${code.s3Key.replace(/\.zip$/, '')}`);
      const map = JSON.parse(readFileSync(join(assetDir, 'index.mjs.map'), 'utf8')) as { sources: string[] };
      const type = config.destinations[name]?.type;
      if (type) sourcesByType.set(type, map.sources);
    }
  }, 120_000);

  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('bundles one deliver function per destination type of the example config', () => {
    // Assess
    expect([...sourcesByType.keys()].sort()).toEqual([...TYPES].sort());
    expect(readdirSync(outdir).some((file) => file.startsWith('asset.'))).toBe(true);
  });

  it.each(cases)(
    'the deployed $type bundle holds its own vendor SDK and no other',
    ({ type, own, others }) => {
      // Prepare
      const sources = sourcesByType.get(type) ?? [];

      // Assess
      for (const marker of own) expect(containing(sources, marker), marker).not.toEqual([]);
      for (const marker of others) expect(containing(sources, marker), marker).toEqual([]);
    },
  );
});
