import type { DraftLead } from '../types.ts';

/** Where a recognised field name goes in a draft lead. */
export type LeadField =
  | 'email'
  | 'phone'
  | 'firstName'
  | 'lastName'
  | 'name'
  | 'company'
  | 'message'
  | 'score'
  | 'submittedAt'
  | 'deliveryId'
  | 'consent.marketing'
  | 'consent.terms'
  | 'consent.text'
  | 'utm.source'
  | 'utm.medium'
  | 'utm.campaign'
  | 'utm.term'
  | 'utm.content'
  | 'attribution.referrer'
  | 'attribution.landingPage'
  | 'attribution.formId'
  | 'attribution.formName';

const ALIASES: Record<LeadField, readonly string[]> = {
  email: ['email', 'emailaddress', 'youremail', 'mail', 'workemail', 'businessemail', 'contactemail'],
  phone: [
    'phone',
    'tel',
    'telephone',
    'mobile',
    'phonenumber',
    'mobilephone',
    'mobilenumber',
    'cell',
    'cellphone',
    'phoneno',
    'yourphone',
    'telephonenumber',
  ],
  firstName: ['firstname', 'fname', 'givenname', 'forename', 'yourfirstname'],
  lastName: ['lastname', 'lname', 'surname', 'familyname', 'yourlastname'],
  name: ['name', 'fullname', 'yourname', 'contactname'],
  company: [
    'company',
    'companyname',
    'organisation',
    'organization',
    'organisationname',
    'organizationname',
    'business',
  ],
  message: ['message', 'comments', 'comment', 'notes', 'note', 'yourmessage', 'enquiry', 'inquiry'],
  score: ['score', 'leadscore'],
  submittedAt: ['submittedat', 'submissiondate', 'submittedon'],
  deliveryId: ['eventid', 'deliveryid', 'submissionid', 'idempotencykey'],
  'consent.marketing': ['consent', 'marketingconsent', 'gdpr', 'gdprconsent', 'optin', 'marketingoptin'],
  'consent.terms': [
    'terms',
    'acceptterms',
    'termsaccepted',
    'termsandconditions',
    'privacypolicy',
    'privacy',
  ],
  'consent.text': ['consenttext'],
  'utm.source': ['utmsource'],
  'utm.medium': ['utmmedium'],
  'utm.campaign': ['utmcampaign'],
  'utm.term': ['utmterm'],
  'utm.content': ['utmcontent'],
  'attribution.referrer': ['referrer', 'referer', 'httpreferer'],
  'attribution.landingPage': ['landingpage', 'pageurl', 'pageuri', 'landingpageurl'],
  'attribution.formId': ['formid'],
  'attribution.formName': ['formname'],
};

const BY_KEY = new Map<string, LeadField>(
  (Object.entries(ALIASES) as [LeadField, readonly string[]][]).flatMap(([field, keys]) =>
    keys.map((key) => [key, field] as const),
  ),
);

/** "Email Address", "e-mail", "email_address" → "emailaddress" / "email": case and separators do not count. */
export function fieldKey(name: string): string {
  return name.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
}

/** The lead field a sender's field name stands for, if it is a common one. */
export function leadFieldFor(name: string): LeadField | undefined {
  return BY_KEY.get(fieldKey(name));
}

/** Sets a lead field on a draft unless an earlier field already set it (the first answer wins). */
export function assign(draft: DraftLead, field: LeadField, value: unknown): boolean {
  const dot = field.indexOf('.');
  if (dot === -1) {
    const key = field as Exclude<LeadField, `${string}.${string}`>;
    if (draft[key] !== undefined) return false;
    draft[key] = value;
    return true;
  }
  const group = field.slice(0, dot) as 'consent' | 'utm' | 'attribution';
  const leaf = field.slice(dot + 1);
  const target = (draft[group] ?? {}) as Record<string, unknown>;
  if (target[leaf] !== undefined) return false;
  target[leaf] = value;
  draft[group] = target;
  return true;
}

/** Puts a value in draft.custom under a name, keeping the first value a name gets. */
export function addCustom(draft: DraftLead, name: string, value: unknown): void {
  if (value === undefined || value === null) return;
  const custom = draft.custom ?? {};
  if (!Object.hasOwn(custom, name)) {
    Object.defineProperty(custom, name, { value, enumerable: true, writable: true, configurable: true });
  }
  draft.custom = custom;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Scalars and arrays of scalars (repeated form fields): what can be a lead field or a custom value. */
export function isScalarish(value: unknown): boolean {
  if (Array.isArray(value))
    return value.length > 0 && value.every((item) => isScalarish(item) && !Array.isArray(item));
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

/** What a value is, for error messages that must not quote it. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}
