import type { LeadpipeConfig } from '../schemas/generated/config.ts';

/** What the ingest function is built with: the sources and settings, and no destination details. */
export function ingestConfig(config: LeadpipeConfig): LeadpipeConfig {
  return {
    ...(config.settings ? { settings: config.settings } : {}),
    sources: config.sources,
    destinations: {},
  };
}

/** What one deliver function is built with: its own destination and the settings (alerts), nothing else. */
export function deliverConfig(config: LeadpipeConfig, destination: string): LeadpipeConfig {
  const own = config.destinations[destination];
  return {
    ...(config.settings ? { settings: config.settings } : {}),
    sources: {},
    destinations: own ? { [destination]: own } : {},
  };
}
