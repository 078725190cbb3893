import type { LeadpipeConfig } from '../schemas/generated/config.ts';

/**
 * What the ingest function is built with: the sources, the settings, and the destinations, whose
 * filters it applies to write each lead's `routed` step in the ledger (functions/routing/route-decision.ts,
 * the very patterns the bus's rules are made of). Destinations hold secret references only, and the
 * ingest function may read none of their secrets.
 */
export function ingestConfig(config: LeadpipeConfig): LeadpipeConfig {
  return {
    ...(config.settings ? { settings: config.settings } : {}),
    sources: config.sources,
    destinations: config.destinations,
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
