import type { LeadFilter, LeadpipeConfig } from '../../schemas/generated/config.ts';

/** EventBridge `source` of every leadpipe event. */
export const EVENT_SOURCE = 'leadpipe';
export const LEAD_RECEIVED = 'lead.received';
export const OPS_ALERT = 'ops.alert';

export type EventPattern = { [key: string]: EventPattern | readonly unknown[] };

export interface RoutingRule {
  /** Unique per config, usable in resource names: `<destination>-leads` or `<destination>-alerts`. */
  name: string;
  destination: string;
  /** Valid EventBridge event pattern; the CDK stack and the local bus both use it as is. */
  eventPattern: EventPattern;
}

/** A rule whose target is the ops topic (SNS on AWS; ERROR on stderr locally), not a destination's queue. */
export interface TopicRule {
  /** Unique per config, usable in resource names: `<alerts destination>-alerts-topic`. */
  name: string;
  /** The destination whose own alerts this rule catches. */
  about: string;
  eventPattern: EventPattern;
}

/**
 * The routing rules, generated from config: one per destination for the leads its filter lets
 * through, and one sending ops alerts to the destination named in settings.alerts, except the
 * alerts about that destination itself (which would queue behind the very failure they report;
 * see opsTopicRules). The CDK stack turns each into an EventBridge rule and the local host applies
 * the very same patterns.
 */
export function routingRules(config: LeadpipeConfig): RoutingRule[] {
  const rules: RoutingRule[] = Object.entries(config.destinations).map(([destination, settings]) => ({
    name: `${destination}-leads`,
    destination,
    eventPattern: leadPattern(settings.filter),
  }));
  const alerts = config.settings?.alerts;
  if (alerts) {
    rules.push({
      name: `${alerts.destination}-alerts`,
      destination: alerts.destination,
      eventPattern: {
        source: [EVENT_SOURCE],
        'detail-type': [OPS_ALERT],
        // Alerts about no destination (quarantined, drift, alarms) or about another one.
        detail: { destination: [{ 'anything-but': [alerts.destination] }, { exists: false }] },
      },
    });
  }
  return rules;
}

/**
 * The ops alerts that must not depend on the alerts destination: those about it (its credentials
 * refused, its leads dead-lettered). On AWS they go to the SNS alarm topic; the local host, which
 * has no SNS, logs them at ERROR on stderr. Exactly the alerts routingRules keeps off its queue.
 */
export function opsTopicRules(config: LeadpipeConfig): TopicRule[] {
  const alerts = config.settings?.alerts;
  if (!alerts) return [];
  return [
    {
      name: `${alerts.destination}-alerts-topic`,
      about: alerts.destination,
      eventPattern: {
        source: [EVENT_SOURCE],
        'detail-type': [OPS_ALERT],
        detail: { destination: [alerts.destination] },
      },
    },
  ];
}

/** The pattern of the lead.received events a destination's filter lets through (all of them without one). */
export function leadPattern(filter: LeadFilter | undefined): EventPattern {
  const eventPattern: EventPattern = { source: [EVENT_SOURCE], 'detail-type': [LEAD_RECEIVED] };
  if (filter) eventPattern.detail = { lead: nestFilter(filter) };
  return eventPattern;
}

/** Dotted filter keys ("utm.campaign") become the nested objects EventBridge patterns use. */
function nestFilter(filter: LeadFilter): EventPattern {
  const nested: EventPattern = {};
  for (const [path, values] of Object.entries(filter)) {
    const keys = path.split('.');
    let node = nested;
    keys.forEach((key, index) => {
      if (index === keys.length - 1) node[key] = values;
      else {
        const next = node[key];
        node[key] = next && !Array.isArray(next) ? next : {};
        node = node[key] as EventPattern;
      }
    });
  }
  return nested;
}
