import type { LeadpipeConfig } from '../../../schemas/generated/config.ts';

/**
 * The config, checked at synth and written into each bundle by esbuild's `define` as a plain
 * object literal: no YAML parsing and no schema compilation at cold start, and no 4 KB
 * environment variable limit. Each function gets only the part it needs (see infra/function-config.ts).
 */
declare const __LEADPIPE_CONFIG__: LeadpipeConfig | undefined;

/** The identifier esbuild replaces; infra/bundling.ts sets it. */
export const CONFIG_DEFINE = '__LEADPIPE_CONFIG__';

export class EmbeddedConfigError extends Error {
  override readonly name = 'EmbeddedConfigError';
}

/** The config this bundle was built with. Unbundled code (tests) passes its config in instead. */
export function embeddedConfig(): LeadpipeConfig {
  if (typeof __LEADPIPE_CONFIG__ === 'undefined' || __LEADPIPE_CONFIG__ === null) {
    throw new EmbeddedConfigError(
      `No config was embedded in this bundle: build it with the LeadPipeline construct (define ${CONFIG_DEFINE})`,
    );
  }
  return __LEADPIPE_CONFIG__;
}
