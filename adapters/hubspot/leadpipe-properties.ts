import type { LeadpipeConfig } from '../../schemas/generated/config.ts';
import {
  CONSENT_PROPERTIES,
  DEFAULT_PERSON_ID_PROPERTY,
  FIRST_TOUCH,
  LATEST_TOUCH,
  LEADPIPE_PROPERTY_GROUP,
} from './field-defaults.ts';

/** A contact property as the CRM properties API creates it (the fields leadpipe sets). */
export interface PropertyDefinition {
  name: string;
  label: string;
  description: string;
  groupName: string;
  type: 'string' | 'datetime';
  fieldType: 'text' | 'textarea' | 'date';
  hasUniqueValue?: boolean;
}

export interface PropertyGroupDefinition {
  name: string;
  label: string;
  displayOrder: number;
}

export const LEADPIPE_GROUP: PropertyGroupDefinition = {
  name: LEADPIPE_PROPERTY_GROUP,
  label: 'leadpipe',
  displayOrder: -1,
};

const text = (name: string, label: string, description: string): PropertyDefinition => ({
  name,
  label,
  description,
  groupName: LEADPIPE_PROPERTY_GROUP,
  type: 'string',
  fieldType: 'text',
});
const time = (name: string, label: string, description: string): PropertyDefinition => ({
  ...text(name, label, description),
  type: 'datetime',
  fieldType: 'date',
});

/** Every contact property leadpipe writes beyond HubSpot's own, the person id first (unique). */
export function leadpipeProperties(
  personIdProperty: string = DEFAULT_PERSON_ID_PROPERTY,
): PropertyDefinition[] {
  return [
    {
      ...text(
        personIdProperty,
        'leadpipe person id',
        'One contact per person: the id leadpipe gives every lead of this person.',
      ),
      hasUniqueValue: true,
    },
    text(FIRST_TOUCH.source, 'First source', 'The leadpipe source of the first lead of this person.'),
    text(FIRST_TOUCH.utmSource, 'First UTM source', 'utm_source of the first lead.'),
    text(FIRST_TOUCH.utmMedium, 'First UTM medium', 'utm_medium of the first lead.'),
    text(FIRST_TOUCH.utmCampaign, 'First UTM campaign', 'utm_campaign of the first lead.'),
    time(FIRST_TOUCH.seenAt, 'First seen at', 'When the first lead of this person was submitted.'),
    text(LATEST_TOUCH.source, 'Latest source', 'The leadpipe source of the latest lead of this person.'),
    text(LATEST_TOUCH.utmSource, 'Latest UTM source', 'utm_source of the latest lead.'),
    text(LATEST_TOUCH.utmMedium, 'Latest UTM medium', 'utm_medium of the latest lead.'),
    text(LATEST_TOUCH.utmCampaign, 'Latest UTM campaign', 'utm_campaign of the latest lead.'),
    time(LATEST_TOUCH.seenAt, 'Latest seen at', 'When the latest lead of this person was submitted.'),
    {
      ...text(
        CONSENT_PROPERTIES.text,
        'Consent text',
        'The wording of the latest marketing consent the person gave.',
      ),
      fieldType: 'textarea',
    },
    time(CONSENT_PROPERTIES.at, 'Consent given at', 'When the person gave that marketing consent.'),
  ];
}

/**
 * What `leadpipe setup hubspot` gives a portal for every HubSpot destination of `config`: the local
 * host's sandbox starts with it, so `npm start` delivers with no manual step.
 */
export function setupFor(config: LeadpipeConfig): {
  groups: PropertyGroupDefinition[];
  properties: PropertyDefinition[];
} {
  const names = new Set(
    Object.values(config.destinations).flatMap((destination) =>
      destination.type === 'hubspot' ? [destination.personIdProperty ?? DEFAULT_PERSON_ID_PROPERTY] : [],
    ),
  );
  const byName = new Map<string, PropertyDefinition>();
  for (const name of names)
    for (const property of leadpipeProperties(name)) byName.set(property.name, property);
  return { groups: [LEADPIPE_GROUP], properties: [...byName.values()] };
}
