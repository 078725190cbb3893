/**
 * The canary's settings, defaults and mark: the one module the canary function, the deliver engine
 * and the CDK construct read them from (a leaf: no I/O, no SDK).
 */

import type { LeadpipeConfig } from '../../schemas/generated/config.ts';
import type { Lead } from '../../schemas/generated/lead.ts';
import type { ConfigCheck } from '../config/load.ts';

/** Minutes between canaries when `settings.canary.rateMinutes` is not set. */
export const DEFAULT_CANARY_RATE_MINUTES = 60;

/** The ack→CRM p95 objective when `settings.slo.ackToCrmP95Seconds` is not set. */
export const DEFAULT_ACK_TO_CRM_P95_SECONDS = 30;

/**
 * The canary's address domain. `.invalid` is reserved (RFC 2606): no person has a mailbox there, so
 * a real lead that reached the canary source by mistake is delivered, not swallowed as a canary.
 */
export const CANARY_EMAIL_DOMAIN = 'leadpipe.invalid';

/** The address every canary lead carries. */
export const CANARY_EMAIL = `canary@${CANARY_EMAIL_DOMAIN}`;

export interface CanarySchedule {
  readonly source: string;
  readonly rateMinutes: number;
}

/** The canary as configured, with its defaults; undefined when there is none or it is turned off. */
export function canarySchedule(config: LeadpipeConfig): CanarySchedule | undefined {
  const canary = config.settings?.canary;
  if (!canary || canary.enabled === false) return undefined;
  return { source: canary.source, rateMinutes: canary.rateMinutes ?? DEFAULT_CANARY_RATE_MINUTES };
}

/** The ack→CRM p95 objective, in seconds. */
export function ackToCrmObjectiveSeconds(config: LeadpipeConfig): number {
  return config.settings?.slo?.ackToCrmP95Seconds ?? DEFAULT_ACK_TO_CRM_P95_SECONDS;
}

/**
 * Whether a lead is a canary: from the canary source *and* at the reserved domain. The source
 * cannot be spoofed (only a holder of its signing secret creates leads from it); the domain keeps a
 * real lead sent there by mistake from being counted instead of delivered.
 */
export function isCanaryLead(lead: Pick<Lead, 'source' | 'email'>, canarySource: string): boolean {
  return lead.source === canarySource && lead.email?.endsWith(`@${CANARY_EMAIL_DOMAIN}`) === true;
}

/**
 * The canary's source of a config, for the deliver engine: set even when the schedule is off, so a
 * canary still in a queue when it is turned off is counted, not sent to the vendor.
 */
export function canarySourceOf(config: LeadpipeConfig): string | undefined {
  return config.settings?.canary?.source;
}

/**
 * What a canary source must be: configured, signed (an unsigned one would let anyone keep the
 * canary alarm quiet), and mapped by the generic preset (the payload the canary posts).
 */
export const canaryChecks: ConfigCheck = (config) => {
  const name = config.settings?.canary?.source;
  if (name === undefined) return [];
  const source = config.sources[name];
  if (!source) return [`settings.canary.source: no source named "${name}"`];
  const problems: string[] = [];
  if (source.verify.scheme === 'none') {
    problems.push(
      `settings.canary.source: source "${name}" has scheme none; the canary needs a signed source of its own (anyone could post a canary to an unsigned one and keep its alarm quiet)`,
    );
  }
  if (source.mapping.preset !== 'generic') {
    problems.push(
      `settings.canary.source: source "${name}" must use mapping.preset generic (the canary posts a generic payload)`,
    );
  }
  return problems;
};
