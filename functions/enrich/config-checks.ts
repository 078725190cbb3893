import type { LeadpipeConfig } from '../../schemas/generated/config.ts';

/**
 * `enrich` only where a preset sends references (meta, hubspot), and its baseUrl only where
 * leadpipe may send a token (`urlProblem`: the destinations' rule, https: or loopback http:).
 */
export function enrichProblems(
  config: LeadpipeConfig,
  urlProblem: (url: string) => string | undefined,
): string[] {
  return Object.entries(config.sources).flatMap(([name, source]) => {
    if (!source.enrich) return [];
    const at = `sources.${name}.enrich`;
    const preset = source.mapping.preset;
    if (preset !== 'meta' && preset !== 'hubspot') {
      const mapping = preset ? `preset "${preset}"` : 'a JSONata mapping';
      return [
        `${at}: only the meta and hubspot presets send references to fetch (Meta leadgen, HubSpot contact.creation); this source uses ${mapping}. Remove enrich, or use one of those presets.`,
      ];
    }
    const problem = source.enrich.baseUrl === undefined ? undefined : urlProblem(source.enrich.baseUrl);
    return problem ? [`${at}.baseUrl: ${problem}`] : [];
  });
}
