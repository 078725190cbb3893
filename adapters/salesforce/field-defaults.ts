/**
 * The Salesforce fields leadpipe writes for a person, and how a later submission of the same
 * person may change each one: a leaf module (no SDK), read by the adapter and by the docs. Why each
 * default is what it is: adapters/salesforce/README.md, "Merges that lose nothing".
 */
import type { FieldPolicy } from '../../schemas/generated/config.ts';

/** A unique External ID text field holding `lead.personId`: one Lead per person. */
export const DEFAULT_PERSON_ID_FIELD = 'Leadpipe_Person_Id__c';

/** The first touch leadpipe saw for the person; written once, when the record has none yet. */
export const FIRST_TOUCH_FIELDS = {
  source: 'Leadpipe_First_Source__c',
  utmSource: 'Leadpipe_First_UTM_Source__c',
  utmMedium: 'Leadpipe_First_UTM_Medium__c',
  utmCampaign: 'Leadpipe_First_UTM_Campaign__c',
  seen: 'Leadpipe_First_Seen__c',
} as const;

/** The latest touch: replaced as a whole by every submission. */
export const LATEST_TOUCH_FIELDS = {
  source: 'Leadpipe_Latest_Source__c',
  utmSource: 'Leadpipe_Latest_UTM_Source__c',
  utmMedium: 'Leadpipe_Latest_UTM_Medium__c',
  utmCampaign: 'Leadpipe_Latest_UTM_Campaign__c',
  seen: 'Leadpipe_Latest_Seen__c',
} as const;

/** Standard opt-out checkbox plus the wording and time of the consent statement the person answered. */
export const CONSENT_FIELDS = {
  optedOut: 'HasOptedOutOfEmail',
  text: 'Leadpipe_Consent_Text__c',
  at: 'Leadpipe_Consent_At__c',
} as const;

/** Every custom field the person flow writes on Lead, for setup docs and the sandbox org. */
export const PERSON_CUSTOM_FIELDS: readonly string[] = [
  DEFAULT_PERSON_ID_FIELD,
  ...Object.values(FIRST_TOUCH_FIELDS),
  ...Object.values(LATEST_TOUCH_FIELDS),
  CONSENT_FIELDS.text,
  CONSENT_FIELDS.at,
];

/**
 * Lead fields that a converted Lead's Contact gets too. Contact has no Company (that went to the
 * Account) and no first touch (the Lead keeps it); the rest is what a salesperson reads on the Contact.
 */
export const CONTACT_FIELDS: readonly string[] = [
  'FirstName',
  'LastName',
  'Email',
  'Phone',
  ...Object.values(LATEST_TOUCH_FIELDS),
  ...Object.values(CONSENT_FIELDS),
];

/** How a later submission may change each field; fields not named here are `always`. */
export const DEFAULT_FIELD_POLICY: Readonly<Record<string, FieldPolicy>> = {
  // What the person told us first stays: a salesperson may have corrected it since.
  FirstName: 'ifEmpty',
  LastName: 'ifEmpty',
  Company: 'ifEmpty',
  Email: 'ifEmpty',
  Phone: 'ifEmpty',
  // Lead Source is the channel that brought the person in: first touch.
  LeadSource: 'ifEmpty',
  // The latest message is what the person wants now.
  Description: 'always',
  [FIRST_TOUCH_FIELDS.source]: 'ifEmpty',
  [FIRST_TOUCH_FIELDS.utmSource]: 'ifEmpty',
  [FIRST_TOUCH_FIELDS.utmMedium]: 'ifEmpty',
  [FIRST_TOUCH_FIELDS.utmCampaign]: 'ifEmpty',
  [FIRST_TOUCH_FIELDS.seen]: 'ifEmpty',
  [LATEST_TOUCH_FIELDS.source]: 'always',
  [LATEST_TOUCH_FIELDS.utmSource]: 'always',
  [LATEST_TOUCH_FIELDS.utmMedium]: 'always',
  [LATEST_TOUCH_FIELDS.utmCampaign]: 'always',
  [LATEST_TOUCH_FIELDS.seen]: 'always',
  // The latest answer to the consent question is the one that holds.
  [CONSENT_FIELDS.optedOut]: 'always',
  [CONSENT_FIELDS.text]: 'always',
  [CONSENT_FIELDS.at]: 'always',
};

/** For fields no policy names (the configured `fields`, the lead id field): the latest value wins. */
export const DEFAULT_FALLBACK_POLICY: FieldPolicy = 'always';
