import type { FieldPolicy } from '../../functions/crm/field-policy.ts';

/**
 * HubSpot's merge defaults, in one leaf module: the adapter, the setup command, the sandbox and
 * the README read them from here. A destination's `fieldPolicy` overrides any of them.
 */

/** The unique contact property that keys one contact per person (`personIdProperty` in config). */
export const DEFAULT_PERSON_ID_PROPERTY = 'leadpipe_person_id';
/** The property group `leadpipe setup hubspot` creates for leadpipe's own properties. */
export const LEADPIPE_PROPERTY_GROUP = 'leadpipe';

/** First touch: written once, when the contact has none. */
export const FIRST_TOUCH = {
  source: 'leadpipe_first_source',
  utmSource: 'leadpipe_first_utm_source',
  utmMedium: 'leadpipe_first_utm_medium',
  utmCampaign: 'leadpipe_first_utm_campaign',
  seenAt: 'leadpipe_first_seen_at',
} as const;

/** Latest touch: every submission updates it. */
export const LATEST_TOUCH = {
  source: 'leadpipe_latest_source',
  utmSource: 'leadpipe_latest_utm_source',
  utmMedium: 'leadpipe_latest_utm_medium',
  utmCampaign: 'leadpipe_latest_utm_campaign',
  seenAt: 'leadpipe_latest_seen_at',
} as const;

/** The wording and time of the latest marketing consent the person gave. */
export const CONSENT_PROPERTIES = {
  text: 'leadpipe_consent_text',
  at: 'leadpipe_consent_at',
} as const;

/** HubSpot's own GDPR property (multiple checkboxes, values joined by `;`). */
export const LEGAL_BASIS_PROPERTY = 'hs_legal_basis';
/** The only basis leadpipe ever sets, and only when the person ticked marketing consent. */
export const CONSENT_LEGAL_BASIS = 'Freely given consent from contact';
/** hs_legal_basis's options, as HubSpot defines them (en dashes in the first two are HubSpot's). */
export const LEGAL_BASIS_OPTIONS = [
  'Legitimate interest – prospect/lead',
  'Legitimate interest – existing customer',
  'Legitimate interest - other',
  'Performance of a contract',
  'Freely given consent from contact',
  'Not applicable',
] as const;

/**
 * How a later submission of a known person may change each property. Why:
 * - email `ifEmpty`: a phone-only contact gains the email; a second address never replaces the one
 *   HubSpot knows the person by (it is their login to forms, emails and the contact's identity);
 * - names, company, phone `ifEmpty`: sales correct them by hand, and forms are typed in a hurry; a
 *   later form must not undo a correction (the lead itself keeps what was typed, in the ledger);
 * - message `always`: each submission's message is the news; HubSpot keeps the property's history;
 * - first touch `ifEmpty`, latest touch `always`, consent text/time `always` (the latest consent);
 * - the person id `always`: a contact adopted by email takes the lead's person id.
 * Properties not named here (the destination's `properties` map, `leadIdProperty`) are `always`,
 * as they were before per-field policies.
 */
export const HUBSPOT_FIELD_DEFAULTS: Readonly<Record<string, FieldPolicy>> = {
  email: 'ifEmpty',
  firstname: 'ifEmpty',
  lastname: 'ifEmpty',
  company: 'ifEmpty',
  phone: 'ifEmpty',
  message: 'always',
  ...Object.fromEntries(Object.values(FIRST_TOUCH).map((name) => [name, 'ifEmpty' as const])),
  ...Object.fromEntries(Object.values(LATEST_TOUCH).map((name) => [name, 'always' as const])),
  [CONSENT_PROPERTIES.text]: 'always',
  [CONSENT_PROPERTIES.at]: 'always',
  [LEGAL_BASIS_PROPERTY]: 'always',
};

/** For properties HUBSPOT_FIELD_DEFAULTS and the config do not name. */
export const HUBSPOT_FALLBACK_POLICY: FieldPolicy = 'always';
