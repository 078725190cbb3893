import {
  type CurrentValues,
  type FieldPolicy,
  type MergeRules,
  mergeForWrite,
} from '../../functions/crm/field-policy.ts';
import type { Lead } from '../../schemas/generated/lead.ts';
import { contactProperties, DEFAULT_CONTACT_PROPERTIES } from './contact-inputs.ts';
import {
  CONSENT_LEGAL_BASIS,
  CONSENT_PROPERTIES,
  FIRST_TOUCH,
  HUBSPOT_FALLBACK_POLICY,
  HUBSPOT_FIELD_DEFAULTS,
  LATEST_TOUCH,
  LEGAL_BASIS_PROPERTY,
} from './field-defaults.ts';

/** One person's leads in a batch, folded into the values one contact write may send. */
export interface PersonInput {
  personId: string;
  /** Lower-cased; absent for a phone-only person. */
  email?: string;
  /** Sent as `objectWriteTraceId`: the first lead's id (never PII). */
  traceId: string;
  /** Ids of every lead folded into this input, in arrival order. */
  leadIds: string[];
  /** The leads' property values, folded by the merge rules, before the contact's own are known. */
  properties: Record<string, string>;
}

/** The merge rules for HubSpot: the defaults, with the destination's `fieldPolicy` over them. */
export function hubspotMergeRules(fieldPolicy: Readonly<Record<string, FieldPolicy>> = {}): MergeRules {
  return { policy: { ...HUBSPOT_FIELD_DEFAULTS, ...fieldPolicy }, fallback: HUBSPOT_FALLBACK_POLICY };
}

/** When the person submitted: the sender's time if it gave one, else when leadpipe received it. */
function seenAt(lead: Lead): string {
  return lead.submittedAt ?? lead.receivedAt;
}

/**
 * One lead's property values: the mapped fields, first and latest touch (the same values: which one
 * a write keeps is the merge rules' business), and consent. The legal basis and the consent
 * text/time are set only when the person ticked marketing consent (`consent.marketing === true`):
 * never a marketing opt-in the person did not give.
 */
export function leadProperties(
  lead: Lead,
  mapping: Readonly<Record<string, string>>,
): Record<string, string> {
  const properties = contactProperties(lead, mapping);
  if (properties.email) properties.email = properties.email.trim().toLowerCase();
  const at = seenAt(lead);
  const touch = (names: typeof FIRST_TOUCH | typeof LATEST_TOUCH) => {
    properties[names.source] = lead.source;
    if (lead.utm?.source?.trim()) properties[names.utmSource] = lead.utm.source;
    if (lead.utm?.medium?.trim()) properties[names.utmMedium] = lead.utm.medium;
    if (lead.utm?.campaign?.trim()) properties[names.utmCampaign] = lead.utm.campaign;
    properties[names.seenAt] = at;
  };
  touch(FIRST_TOUCH);
  touch(LATEST_TOUCH);
  if (lead.consent?.marketing === true) {
    properties[LEGAL_BASIS_PROPERTY] = CONSENT_LEGAL_BASIS;
    properties[CONSENT_PROPERTIES.at] = at;
    if (lead.consent.text?.trim()) properties[CONSENT_PROPERTIES.text] = lead.consent.text;
  }
  return properties;
}

/**
 * Groups leads by person id, one input per person (HubSpot refuses a batch naming one contact
 * twice). A person's leads are folded oldest first by the same rules a write to an existing contact
 * follows, so first touch comes from the earliest lead and latest touch from the newest.
 */
export function groupLeadsByPerson(
  leads: readonly Lead[],
  extraProperties: Readonly<Record<string, string>>,
  rules: MergeRules,
): PersonInput[] {
  const mapping = { ...DEFAULT_CONTACT_PROPERTIES, ...extraProperties };
  const byPerson = new Map<string, Lead[]>();
  for (const lead of leads) {
    if (!lead.personId) continue;
    const same = byPerson.get(lead.personId);
    if (same) same.push(lead);
    else byPerson.set(lead.personId, [lead]);
  }
  return [...byPerson].map(([personId, group]) => {
    const ordered = [...group].sort((a, b) => seenAt(a).localeCompare(seenAt(b)));
    let folded: Record<string, string> = {};
    for (const [index, lead] of ordered.entries()) {
      const values = leadProperties(lead, mapping);
      folded = { ...folded, ...stringsOf(mergeForWrite(values, index === 0 ? undefined : folded, rules)) };
    }
    const first = group[0] as Lead;
    return {
      personId,
      ...(folded.email ? { email: folded.email } : {}),
      traceId: first.id,
      leadIds: group.map((lead) => lead.id),
      properties: folded,
    };
  });
}

/**
 * What one write sends to the person's contact: `current` is the contact's properties (undefined:
 * the write creates it). The person id is always written where the contact lacks it (an adopted
 * contact takes it), whatever `fieldPolicy` says. hs_legal_basis is a multiple-checkbox property:
 * the consent basis is added to the bases the contact has, none is ever removed.
 */
export function contactWrite(
  input: PersonInput,
  current: CurrentValues | undefined,
  rules: MergeRules,
  personIdProperty: string,
): Record<string, string> {
  const incoming: Record<string, string> = { ...input.properties };
  const basis = incoming[LEGAL_BASIS_PROPERTY];
  if (basis && current) incoming[LEGAL_BASIS_PROPERTY] = withBasis(current[LEGAL_BASIS_PROPERTY], basis);
  const write = stringsOf(mergeForWrite(incoming, current, rules));
  if (current?.[personIdProperty] !== input.personId) write[personIdProperty] = input.personId;
  return write;
}

/** The bases a contact has (`a;b`) with `basis` added, in HubSpot's `;`-joined form. */
function withBasis(current: CurrentValues[string], basis: string): string {
  const bases = typeof current === 'string' ? current.split(';').filter((value) => value.trim() !== '') : [];
  return bases.includes(basis) ? bases.join(';') : [...bases, basis].join(';');
}

function stringsOf(values: Record<string, string | number | boolean>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([name, value]) => [name, String(value)]));
}

/** Every property a person write may send, so a read fetches what the merge needs to know. */
export function mergedPropertyNames(
  extraProperties: Readonly<Record<string, string>>,
  personIdProperty: string,
): string[] {
  return [
    ...new Set([
      personIdProperty,
      ...Object.values(DEFAULT_CONTACT_PROPERTIES),
      ...Object.values(extraProperties),
      ...Object.values(FIRST_TOUCH),
      ...Object.values(LATEST_TOUCH),
      ...Object.values(CONSENT_PROPERTIES),
      LEGAL_BASIS_PROPERTY,
    ]),
  ];
}
