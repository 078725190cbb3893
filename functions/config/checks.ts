import type { LeadpipeConfig } from '../../schemas/generated/config.ts';
import { checkMapping } from '../mapping/index.ts';
import { HmacSchemeConfigError, schemeFor } from '../verify/index.ts';
import { type ConfigCheck, loadConfig } from './load.ts';

/** Mappings that cannot run (a JSONata syntax error, say) are config errors, found at start, not at the first lead. */
const mappingsRun: ConfigCheck = (config: LeadpipeConfig) =>
  Object.entries(config.sources).flatMap(([name, source]) =>
    checkMapping(source.mapping).map((problem) => `sources.${name}.mapping: ${problem}`),
  );

/** Every source's scheme must be buildable, including a generic hmac scheme's template. */
const schemesBuild: ConfigCheck = (config: LeadpipeConfig) =>
  Object.entries(config.sources).flatMap(([name, source]) => {
    try {
      schemeFor(source.verify);
      return [];
    } catch (error) {
      if (error instanceof HmacSchemeConfigError) return [`sources.${name}.verify.hmac: ${error.message}`];
      throw error;
    }
  });

export const pipelineChecks: readonly ConfigCheck[] = [mappingsRun, schemesBuild];

/** Loads a config file and checks it as the pipeline will run it. */
export function loadPipelineConfig(path: string): Promise<LeadpipeConfig> {
  return loadConfig(path, pipelineChecks);
}

/** Sources that accept unsigned webhooks: said loudly at every start. */
export function unsignedSources(config: LeadpipeConfig): string[] {
  return Object.entries(config.sources)
    .filter(([, source]) => source.verify.scheme === 'none')
    .map(([name]) => name);
}
