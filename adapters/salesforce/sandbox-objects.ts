import { DEFAULT_PERSON_ID_FIELD, PERSON_CUSTOM_FIELDS } from './field-defaults.ts';

/** What the Salesforce sandbox knows about the sObjects it serves. */
export interface SObjectSchema {
  /** The 3-character key prefix of record ids (00Q for Lead). */
  prefix: string;
  /** Field API names the object has (Id and system fields included). */
  fields: ReadonlySet<string>;
  /** Fields an upsert can match on: External ID fields and idLookup fields such as Email. */
  externalIdFields: ReadonlySet<string>;
  /** External ID fields marked Unique: at most one record holds a value. */
  uniqueFields: ReadonlySet<string>;
  required: readonly string[];
  /** Parent relationships a query can follow (`ConvertedContact.Email`): name → id field and sObject. */
  parents: ReadonlyMap<string, { idField: string; sobject: string }>;
}

const SYSTEM_FIELDS = ['Id', 'IsDeleted', 'CreatedDate', 'LastModifiedDate', 'SystemModstamp', 'OwnerId'];

/** Lead's standard fields that a web-to-lead integration plausibly writes. */
const LEAD_FIELDS = [
  'Salutation',
  'FirstName',
  'LastName',
  'Name',
  'Title',
  'Company',
  'Email',
  'Phone',
  'MobilePhone',
  'Website',
  'Description',
  'LeadSource',
  'Status',
  'Industry',
  'Rating',
  'AnnualRevenue',
  'NumberOfEmployees',
  'Street',
  'City',
  'State',
  'PostalCode',
  'Country',
  'HasOptedOutOfEmail',
  'DoNotCall',
  // Set by conversion only; read-only through the API.
  'IsConverted',
  'ConvertedContactId',
  'ConvertedAccountId',
  'ConvertedDate',
];

const CONTACT_FIELDS = [
  'Salutation',
  'FirstName',
  'LastName',
  'Name',
  'Title',
  'Email',
  'Phone',
  'MobilePhone',
  'Description',
  'LeadSource',
  'AccountId',
  'HasOptedOutOfEmail',
  'DoNotCall',
];

/** Custom fields the sandbox org has by default, as the adapter's README suggests creating them. */
export const DEFAULT_CUSTOM_FIELDS = [
  'Email_Key__c',
  'UTM_Source__c',
  'UTM_Medium__c',
  'UTM_Campaign__c',
  'UTM_Term__c',
  'UTM_Content__c',
  'Lead_Score__c',
  ...PERSON_CUSTOM_FIELDS,
];

/** Custom fields created External ID + Unique (see the README): at most one record holds a value. */
const UNIQUE_CUSTOM_FIELDS = ['Email_Key__c', DEFAULT_PERSON_ID_FIELD];

/** Builds the sandbox org's schema: Lead and Contact, each with the given custom fields. */
export function sandboxSchema(options: {
  customFields: readonly string[];
  leadRequiredFields: readonly string[];
}): ReadonlyMap<string, SObjectSchema> {
  // Email_Key__c and Leadpipe_Person_Id__c are created External ID + Unique (see the README); Email is only idLookup.
  const uniqueFields = new Set(UNIQUE_CUSTOM_FIELDS.filter((field) => options.customFields.includes(field)));
  const externalIdFields = new Set(['Id', 'Email', ...uniqueFields]);
  return new Map<string, SObjectSchema>([
    [
      'Lead',
      {
        prefix: '00Q',
        fields: new Set([...SYSTEM_FIELDS, ...LEAD_FIELDS, ...options.customFields]),
        externalIdFields,
        uniqueFields,
        required: options.leadRequiredFields,
        parents: new Map([['ConvertedContact', { idField: 'ConvertedContactId', sobject: 'Contact' }]]),
      },
    ],
    [
      'Contact',
      {
        prefix: '003',
        fields: new Set([...SYSTEM_FIELDS, ...CONTACT_FIELDS, ...options.customFields]),
        externalIdFields,
        uniqueFields,
        required: ['LastName'],
        parents: new Map(),
      },
    ],
  ]);
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SUFFIX = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';

/**
 * An 18-character record id the way Salesforce builds them: key prefix, a 15-character
 * case-sensitive id, then the 3-character case-safe suffix (one character per 5, encoding which of
 * them are upper-case).
 */
export function recordId(prefix: string, sequence: number): string {
  let body = '';
  let rest = sequence;
  for (let i = 0; i < 9; i++) {
    body = BASE62[rest % 62] + body;
    rest = Math.floor(rest / 62);
  }
  const id15 = `${prefix}S${'0'.repeat(2)}${body}`.slice(0, 15);
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const char = id15[chunk * 5 + i] ?? '';
      if (char >= 'A' && char <= 'Z') bits |= 1 << i;
    }
    suffix += SUFFIX[bits];
  }
  return id15 + suffix;
}
