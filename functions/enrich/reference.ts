import type { LeadpipeConfig, SourceConfig } from '../../schemas/generated/config.ts';
import type { LeadReferenceEvent as GeneratedLeadReferenceEvent } from '../../schemas/generated/lead-reference-event.ts';
import { validateLeadReference } from '../../schemas/generated/validators.js';
import { describeErrors } from '../../schemas/validate.ts';
import { MappingError } from '../mapping/types.ts';
import { EVENT_SOURCE, type RoutingRule } from '../routing/rules.ts';
import type { ReferenceSender, SenderReference } from './types.ts';

/** EventBridge detail-type of a reference-only webhook accepted for enrichment. */
export const LEAD_REFERENCE = 'lead.reference';

/**
 * A preset's verdict on a payload that names a person without their data (a Meta leadgen change,
 * a HubSpot contact.creation): `no_contact` as before, so a source with no `enrich` settings
 * quarantines it, plus the reference an enrichment stage fetches.
 */
export class ReferenceOnlyError extends MappingError {
  readonly reference: SenderReference;
  constructor(
    message: string,
    reference: SenderReference,
    partial: NonNullable<ConstructorParameters<typeof MappingError>[2]>['partial'],
  ) {
    super('no_contact', message, partial ? { partial } : undefined);
    this.reference = reference;
  }
}

/**
 * The lead.reference event detail: what the stage needs to fetch, map and publish the lead ingest
 * answered for. Generated from schemas/lead-reference.event.schema.json.
 */
export type LeadReferenceEvent = GeneratedLeadReferenceEvent;

/** The enrichment stage's queue of a sender: `enrich:meta`, `enrich:hubspot`. */
export const stageName = (sender: ReferenceSender): string => `enrich:${sender}`;

/** The sender a source fetches from, when it has `enrich` settings and a preset that sends references. */
export function referenceSenderOf(source: SourceConfig): ReferenceSender | undefined {
  if (!source.enrich) return undefined;
  const preset = source.mapping.preset;
  return preset === 'meta' || preset === 'hubspot' ? preset : undefined;
}

/** The senders some source of `config` enriches from: one stage (queue, DLQ, consumer) each. */
export function enrichedSenders(config: LeadpipeConfig): ReferenceSender[] {
  const senders = Object.values(config.sources).map(referenceSenderOf);
  return [...new Set(senders.filter((sender): sender is ReferenceSender => sender !== undefined))].sort();
}

/**
 * One rule per enrichment stage: lead.reference events of its sender go to its queue. Generated
 * from config like the destinations' rules, so the CDK stack and the local bus cannot drift.
 */
export function referenceRules(config: LeadpipeConfig): RoutingRule[] {
  return enrichedSenders(config).map((sender) => ({
    name: `enrich-${sender}-references`,
    destination: stageName(sender),
    eventPattern: {
      source: [EVENT_SOURCE],
      'detail-type': [LEAD_REFERENCE],
      detail: { reference: { sender: [sender] } },
    },
  }));
}

/**
 * The stage event's shape, checked against its schema before anything is fetched: every problem
 * as `detail.<path>: <what is wrong>`, one per line, or undefined when the event is valid.
 */
export function referenceEventProblem(detail: unknown): string | undefined {
  if (validateLeadReference(detail)) return undefined;
  return describeErrors(validateLeadReference.errors, 'detail').join('; ');
}
