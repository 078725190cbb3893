import type { LeadpipeConfig } from '../../schemas/generated/config.ts';
import type { Lead } from '../../schemas/generated/lead.ts';
import { matchesPattern } from './event-pattern.ts';
import { EVENT_SOURCE, LEAD_RECEIVED, leadPattern } from './rules.ts';

/** Which destinations a lead goes to, and for each other one why not. */
export interface RouteDecision {
  matched: string[];
  unmatched: { destination: string; why: string }[];
}

/**
 * The routing rules' verdict on one lead, from the very patterns the bus applies (EventBridge on
 * AWS, the embedded bus locally): what the ledger's `routed` step records. A destination left out
 * names each filter key the lead did not satisfy, with the value the lead had.
 */
export function decideRoutes(config: LeadpipeConfig): (lead: Lead) => RouteDecision {
  const destinations = Object.entries(config.destinations).map(([name, settings]) => ({
    name,
    pattern: leadPattern(settings.filter),
    keys: Object.entries(settings.filter ?? {}).map(([path, values]) => ({
      path,
      values,
      pattern: leadPattern({ [path]: values }),
    })),
  }));
  return (lead) => {
    const event = { source: EVENT_SOURCE, 'detail-type': LEAD_RECEIVED, detail: { lead } };
    const decision: RouteDecision = { matched: [], unmatched: [] };
    for (const destination of destinations) {
      if (matchesPattern(destination.pattern, event)) {
        decision.matched.push(destination.name);
        continue;
      }
      const failed = destination.keys.filter((key) => !matchesPattern(key.pattern, event));
      decision.unmatched.push({
        destination: destination.name,
        why: failed
          .map(
            (key) =>
              `filter ${key.path}: the lead has ${valueAt(lead, key.path)}, not ${JSON.stringify(key.values)}`,
          )
          .join('; '),
      });
    }
    return decision;
  };
}

function valueAt(lead: Lead, path: string): string {
  let value: unknown = lead;
  for (const key of path.split('.')) value = (value as Record<string, unknown> | undefined)?.[key];
  return value === undefined ? 'none' : JSON.stringify(value);
}
