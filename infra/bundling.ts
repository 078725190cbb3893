import { fileURLToPath } from 'node:url';
import type { ICommandHooks } from 'aws-cdk-lib/aws-lambda-nodejs';
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
  console: 'adapters/aws/lambda/console.lambda.ts',
  enrich: 'adapters/aws/lambda/enrich.lambda.ts',
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

/** The console page's folder (index.html, its scripts and styles), relative to the project root. */
export const OPS_PAGE_DIR = 'ops';

/**
 * The console function's bundle gets the page's files beside index.mjs (`ops/`), copied after
 * esbuild has run: they are served as they are, never bundled, and changing one changes the asset
 * hash, so a deploy ships it. Synth fails, naming the file, when the page is not there.
 */
export function opsPageCommandHooks(): ICommandHooks {
  return {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (inputDir, outputDir) => copyOpsPageCommands(inputDir, outputDir),
  };
}

/** The shell commands that copy ops/*.html, *.js and *.css into a bundle's output folder. */
export function copyOpsPageCommands(inputDir: string, outputDir: string): string[] {
  const from = shellQuote(`${inputDir}/${OPS_PAGE_DIR}`);
  const to = shellQuote(`${outputDir}/${OPS_PAGE_DIR}`);
  const index = shellQuote(`${inputDir}/${OPS_PAGE_DIR}/index.html`);
  return [
    `test -f ${index} || { echo "The console page ${OPS_PAGE_DIR}/index.html is missing: it ships with leadpipe, in ${OPS_PAGE_DIR}/" >&2; exit 1; }`,
    `mkdir -p ${to}`,
    `find ${from} -maxdepth 1 -type f \\( -name '*.html' -o -name '*.js' -o -name '*.css' \\) -exec cp {} ${to}/ \\;`,
  ];
}

/** One POSIX shell word: single-quoted, with any single quote closed, escaped and reopened. */
function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}
