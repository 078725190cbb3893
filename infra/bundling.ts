import { fileURLToPath } from 'node:url';
import { CONFIG_DEFINE } from '../adapters/aws/lambda/embedded-config.ts';
import type { DestinationConfig, LeadpipeConfig } from '../schemas/generated/config.ts';

/** The project root: NodejsFunction's projectRoot, and where the lambda entries live. */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * Each function's entry, relative to the project root. A deliver function has one entry per
 * vendor, importing only that vendor's adapter, so esbuild leaves the other vendors' SDKs out
 * (jsforce alone is ~1.7 MB minified).
 */
export const ENTRIES = {
  ingest: 'adapters/aws/lambda/ingest.lambda.ts',
  'deliver-hubspot': 'adapters/aws/lambda/deliver-hubspot.lambda.ts',
  'deliver-salesforce': 'adapters/aws/lambda/deliver-salesforce.lambda.ts',
  'deliver-slack': 'adapters/aws/lambda/deliver-slack.lambda.ts',
  alarm: 'adapters/aws/lambda/alarm.lambda.ts',
  canary: 'adapters/aws/lambda/canary.lambda.ts',
} as const satisfies Record<string, string> & Record<`deliver-${DestinationConfig['type']}`, string>;

export type FunctionKind = keyof typeof ENTRIES;

/** The kind of function that delivers to a destination of this type. */
export function deliverFunctionKind(type: DestinationConfig['type']): FunctionKind {
  return `deliver-${type}`;
}

/**
 * ESM bundles that contain CommonJS dependencies (jsforce, the HubSpot SDK) call `require` for
 * Node built-ins; ESM has no `require`, so the banner makes one.
 */
export const REQUIRE_BANNER =
  "import { createRequire as __leadpipeCreateRequire } from 'node:module'; const require = __leadpipeCreateRequire(import.meta.url);";

/** The Lambda Node.js 24 runtime ships AWS SDK v3: bundles leave it out. */
export const EXTERNAL_MODULES = ['@aws-sdk/*'];

/**
 * JSONata (~80 KB minified) is only ever called for a source mapped with a `jsonata` expression
 * (functions/mapping loads it on first use); a bundle whose embedded config has none leaves it out.
 */
export function externalModules(config: LeadpipeConfig): string[] {
  const usesJsonata = Object.values(config.sources).some((source) => source.mapping.jsonata !== undefined);
  return usesJsonata ? [...EXTERNAL_MODULES] : [...EXTERNAL_MODULES, 'jsonata'];
}

/**
 * The esbuild settings every leadpipe function is built with, shared by the CDK construct and
 * `npm run bench:bundle` so the benchmark measures what is deployed.
 */
export function bundleSettings(config: LeadpipeConfig) {
  return {
    format: 'esm' as const,
    platform: 'node' as const,
    target: 'node24',
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    mainFields: ['module', 'main'],
    banner: REQUIRE_BANNER,
    external: externalModules(config),
    // The config as an object literal: no parsing at cold start (see adapters/aws/lambda/embedded-config.ts).
    define: { [CONFIG_DEFINE]: JSON.stringify(config) },
  };
}
