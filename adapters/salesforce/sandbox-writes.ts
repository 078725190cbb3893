import type { SandboxResponse } from '../sandbox/kit.ts';
import { recordId, type SObjectSchema } from './sandbox-objects.ts';

/** A per-record error as sObject Collections reports it. */
export interface SalesforceRecordError {
  statusCode: string;
  message: string;
  fields?: string[];
}

export type StoredRecord = Record<string, unknown> & { Id: string };
export type Store = Map<string, Map<string, StoredRecord>>;

export type WriteResult =
  | { id: string; success: true; errors: []; created?: boolean }
  | { success: false; errors: Required<SalesforceRecordError>[] };

export interface WriteContext {
  schema: ReadonlyMap<string, SObjectSchema>;
  store: Store;
  recordFault:
    | ((record: Readonly<Record<string, unknown>>, sobject: string) => SalesforceRecordError | undefined)
    | undefined;
  failRecord: () => boolean;
  nextId: (prefix: string) => string;
  timestamp: string;
  userId: string;
}

export const MAX_RECORDS = 200;

/** Fields nobody writes: the platform maintains them (conversion sets the Converted* ones). */
const READ_ONLY_FIELDS = new Set([
  'Id',
  'Name',
  'IsDeleted',
  'CreatedDate',
  'LastModifiedDate',
  'SystemModstamp',
  'IsConverted',
  'ConvertedContactId',
  'ConvertedAccountId',
  'ConvertedDate',
]);
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export const apiError = (status: number, errorCode: string, message: string): SandboxResponse => ({
  status,
  body: [{ message, errorCode }],
});

export type ParsedBody = { allOrNone: boolean; records: Record<string, unknown>[] };

/**
 * Request-wide checks: the ones Salesforce answers with one 400 for the whole call. `sobject` is
 * the type the URI names (upsert); without it (create, update) each record names its own type.
 */
export function parseCollectionBody(
  body: Buffer,
  schema: ReadonlyMap<string, SObjectSchema>,
  sobject: string | undefined,
): ParsedBody | SandboxResponse {
  let input: unknown;
  try {
    input = JSON.parse(body.toString('utf8'));
  } catch (error) {
    const detail = error instanceof SyntaxError ? error.message : 'malformed JSON';
    return apiError(400, 'JSON_PARSER_ERROR', `Unexpected character: ${detail}`);
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return apiError(
      400,
      'JSON_PARSER_ERROR',
      'Cannot deserialize instance of SObjectCollection from START_ARRAY',
    );
  }
  const { records, allOrNone } = input as { records?: unknown; allOrNone?: unknown };
  if (!Array.isArray(records) || records.length === 0) {
    return apiError(400, 'INVALID_FIELD', 'records: the request must contain at least one record');
  }
  if (records.length > MAX_RECORDS) {
    return apiError(
      400,
      'EXCEEDED_ID_LIMIT',
      `record limit reached. cannot submit more than ${MAX_RECORDS} records into this call`,
    );
  }
  for (const record of records) {
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      return apiError(
        400,
        'JSON_PARSER_ERROR',
        'Cannot deserialize instance of SObject from a non-object value',
      );
    }
    const type = (record as { attributes?: { type?: unknown } }).attributes?.type;
    if (sobject !== undefined && type !== sobject) {
      return apiError(
        400,
        'INVALID_TYPE',
        `Each record must have attributes.type "${sobject}", the sObject in the request URI`,
      );
    }
    const object = typeof type === 'string' ? schema.get(type) : undefined;
    if (!object) {
      return apiError(400, 'INVALID_TYPE', `sObject type '${String(type)}' is not supported.`);
    }
    for (const [field, value] of Object.entries(record)) {
      if (field === 'attributes') continue;
      if (!object.fields.has(field)) {
        return apiError(400, 'INVALID_FIELD', `No such column '${field}' on sobject of type ${String(type)}`);
      }
      if (value !== null && typeof value === 'object') {
        return apiError(
          400,
          'JSON_PARSER_ERROR',
          `Cannot deserialize instance of ${field} from ${Array.isArray(value) ? 'START_ARRAY' : 'START_OBJECT'} value`,
        );
      }
    }
  }
  return { allOrNone: allOrNone === true, records: records as Record<string, unknown>[] };
}

/** One record's write, checked as Salesforce checks it; `writes` holds this call's earlier writes. */
function saveOne(
  sobject: string,
  values: Record<string, unknown>,
  existing: StoredRecord | undefined,
  context: WriteContext,
  writes: readonly StoredRecord[],
  raw: Record<string, unknown>,
): { saved: StoredRecord } | { error: Required<SalesforceRecordError> } {
  const object = context.schema.get(sobject) as SObjectSchema;
  const error = (statusCode: string, message: string, fields: string[] = []) => ({
    error: { statusCode, message, fields },
  });
  const readOnly = Object.keys(values).filter((field) => READ_ONLY_FIELDS.has(field));
  if (readOnly.length > 0) {
    return error(
      'INVALID_FIELD_FOR_INSERT_UPDATE',
      `Unable to create/update fields: ${readOnly.join(', ')}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
      readOnly,
    );
  }
  if (existing?.IsConverted === true)
    return error('CANNOT_UPDATE_CONVERTED_LEAD', 'cannot reference converted lead');
  const merged: Record<string, unknown> = { ...existing, ...values };
  const missing = object.required.filter((field) => {
    const value = merged[field];
    return value === undefined || value === null || String(value).trim() === '';
  });
  if (missing.length > 0) {
    return error('REQUIRED_FIELD_MISSING', `Required fields are missing: [${missing.join(', ')}]`, missing);
  }
  if (typeof merged.Email === 'string' && merged.Email !== '' && !EMAIL.test(merged.Email)) {
    return error('INVALID_EMAIL_ADDRESS', `Email: invalid email address: ${merged.Email}`, ['Email']);
  }
  for (const field of object.uniqueFields) {
    const value = merged[field];
    if (value === undefined || value === null || value === '') continue;
    const wanted = String(value).toLowerCase();
    const others = [...(context.store.get(sobject)?.values() ?? []), ...writes];
    const clash = others.find(
      (other) => other.Id !== existing?.Id && String(other[field] ?? '').toLowerCase() === wanted,
    );
    if (clash) {
      return error(
        'DUPLICATE_VALUE',
        `duplicate value found: ${field} duplicates value on record with id: ${clash.Id}`,
        [field],
      );
    }
  }
  const injected = context.recordFault?.(raw, sobject);
  if (injected) return error(injected.statusCode, injected.message, injected.fields ?? []);
  if (context.failRecord()) {
    return error(
      'FIELD_CUSTOM_VALIDATION_EXCEPTION',
      'This lead does not meet the sandbox validation rule (injected by recordErrorRate)',
    );
  }
  const saved: StoredRecord = {
    ...(existing
      ? {}
      : {
          CreatedDate: context.timestamp,
          OwnerId: context.userId,
          IsDeleted: false,
          ...(sobject === 'Lead' ? { Status: 'Open - Not Contacted', IsConverted: false } : {}),
        }),
    ...merged,
    Id: existing?.Id ?? context.nextId(object.prefix),
    LastModifiedDate: context.timestamp,
    SystemModstamp: context.timestamp,
  };
  // JSON null blanks a field.
  for (const [field, value] of Object.entries(saved)) if (value === null) delete saved[field];
  const name = [saved.FirstName, saved.LastName].filter((part) => typeof part === 'string' && part).join(' ');
  if (name) saved.Name = name;
  return { saved };
}

type Plan = (
  record: Record<string, unknown>,
) =>
  | { sobject: string; values: Record<string, unknown>; existing: StoredRecord | undefined }
  | Required<SalesforceRecordError>;

/** Runs each record through `plan` then `saveOne`, in order; all-or-none rolls everything back. */
function writeAll(
  records: Record<string, unknown>[],
  allOrNone: boolean,
  context: WriteContext,
  plan: Plan,
  reportCreated: boolean,
): { results: WriteResult[]; writes: StoredRecord[] } {
  const results: WriteResult[] = [];
  const writes: StoredRecord[] = [];
  for (const record of records) {
    const planned = plan(record);
    if ('statusCode' in planned) {
      results.push({ success: false, errors: [planned] });
      continue;
    }
    const outcome = saveOne(planned.sobject, planned.values, planned.existing, context, writes, record);
    if ('error' in outcome) {
      results.push({ success: false, errors: [outcome.error] });
      continue;
    }
    const { saved } = outcome;
    // A record written twice in one call keeps its latest state.
    const earlier = writes.findIndex((write) => write.Id === saved.Id);
    if (earlier >= 0) writes.splice(earlier, 1);
    writes.push(saved);
    results.push({
      id: saved.Id,
      success: true,
      errors: [],
      ...(reportCreated ? { created: planned.existing === undefined } : {}),
    });
  }
  if (allOrNone && results.some((result) => !result.success)) {
    // All or none: nothing is kept, and the valid records say why they were not saved.
    const rolledBack = results.map(
      (result): WriteResult =>
        result.success
          ? {
              success: false,
              errors: [
                {
                  statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
                  message:
                    'Record rolled back because not all records were valid and the request was using AllOrNone header',
                  fields: [],
                },
              ],
            }
          : result,
    );
    return { results: rolledBack, writes: [] };
  }
  return { results, writes };
}

const withoutAttributes = (record: Record<string, unknown>) => {
  const { attributes: _attributes, ...values } = record;
  return values;
};

/** sObject Collections upsert by external id: `PATCH …/composite/sobjects/{sobject}/{field}`. */
export function upsertRecords(
  records: Record<string, unknown>[],
  options: { sobject: string; externalIdField: string; allOrNone: boolean },
  context: WriteContext,
): { results: WriteResult[]; writes: StoredRecord[] } {
  const { sobject, externalIdField } = options;
  const stored = context.store.get(sobject) ?? new Map<string, StoredRecord>();
  const keyOf = (record: Record<string, unknown>) => {
    const value = record[externalIdField];
    return value === undefined || value === null || value === '' ? undefined : String(value).toLowerCase();
  };
  const occurrences = new Map<string, number>();
  for (const record of records) {
    const key = keyOf(record);
    if (key !== undefined) occurrences.set(key, (occurrences.get(key) ?? 0) + 1);
  }
  return writeAll(
    records,
    options.allOrNone,
    context,
    (record) => {
      const key = keyOf(record);
      if (key === undefined) {
        return {
          statusCode: 'MISSING_ARGUMENT',
          message: `${externalIdField} not specified`,
          fields: [externalIdField],
        };
      }
      if ((occurrences.get(key) ?? 0) > 1) {
        return {
          statusCode: 'DUPLICATE_VALUE',
          message: `Duplicate external id specified: ${String(record[externalIdField])}`,
          fields: [externalIdField],
        };
      }
      const matches = [...stored.values()].filter(
        (existing) => String(existing[externalIdField] ?? '').toLowerCase() === key,
      );
      if (matches.length > 1) {
        return {
          statusCode: 'DUPLICATE_EXTERNAL_ID',
          message: `${externalIdField}: more than one record found for external id field: [${matches.map((m) => m.Id).join(', ')}]`,
          fields: [externalIdField],
        };
      }
      return { sobject, values: withoutAttributes(record), existing: matches[0] };
    },
    true,
  );
}

/** sObject Collections create: `POST …/composite/sobjects`; records of any types, none with an Id. */
export function createRecords(
  records: Record<string, unknown>[],
  allOrNone: boolean,
  context: WriteContext,
): { results: WriteResult[]; writes: StoredRecord[] } {
  return writeAll(
    records,
    allOrNone,
    context,
    (record) => {
      const sobject = String((record.attributes as { type: string }).type);
      // The Id check comes first: saveOne would call it a read-only field.
      if (record.Id !== undefined && record.Id !== null) {
        return {
          statusCode: 'INVALID_FIELD',
          message: 'cannot specify Id in an insert call',
          fields: ['Id'],
        };
      }
      const { Id: _id, ...values } = withoutAttributes(record);
      return { sobject, values, existing: undefined };
    },
    false,
  );
}

/** sObject Collections update: `PATCH …/composite/sobjects`; each record names its type and Id. */
export function updateRecords(
  records: Record<string, unknown>[],
  allOrNone: boolean,
  context: WriteContext,
): { results: WriteResult[]; writes: StoredRecord[] } {
  return writeAll(
    records,
    allOrNone,
    context,
    (record) => {
      const sobject = String((record.attributes as { type: string }).type);
      const id = record.Id;
      if (typeof id !== 'string' || id === '') {
        return {
          statusCode: 'MISSING_ARGUMENT',
          message: 'Id not specified in an update call',
          fields: ['Id'],
        };
      }
      const prefix = context.schema.get(sobject)?.prefix ?? '';
      if (!/^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/.test(id) || !id.startsWith(prefix)) {
        return {
          statusCode: 'MALFORMED_ID',
          message: `${sobject} ID: id value of incorrect type: ${id}`,
          fields: ['Id'],
        };
      }
      const existing = findRecord(context.store.get(sobject), id);
      if (!existing) {
        return { statusCode: 'ENTITY_IS_DELETED', message: 'entity is deleted', fields: [] };
      }
      const { Id: _id, ...values } = withoutAttributes(record);
      return { sobject, values, existing };
    },
    false,
  );
}

/** Stores what a call wrote. */
export function commit(
  store: Store,
  writes: readonly StoredRecord[],
  schema: ReadonlyMap<string, SObjectSchema>,
): void {
  for (const record of writes) {
    const sobject = [...schema].find(([, object]) => record.Id.startsWith(object.prefix))?.[0];
    if (!sobject) continue;
    const records = store.get(sobject) ?? new Map<string, StoredRecord>();
    records.set(record.Id, record);
    store.set(sobject, records);
  }
}

/** By 18-character id, or by the 15-character one Salesforce accepts too. */
export function findRecord(
  records: ReadonlyMap<string, StoredRecord> | undefined,
  id: string,
): StoredRecord | undefined {
  if (!records) return undefined;
  const exact = records.get(id);
  if (exact || id.length !== 15) return exact;
  return [...records.values()].find((record) => record.Id.startsWith(id));
}

/** Lead fields a conversion copies to the Contact when the Contact has no value (standard mapping). */
const CONVERTED_FIELDS = [
  'FirstName',
  'LastName',
  'Email',
  'Phone',
  'MobilePhone',
  'Title',
  'LeadSource',
  'HasOptedOutOfEmail',
  'DoNotCall',
  'Description',
];

/**
 * Converts a Lead as a salesperson would (Lightning's Convert, `Database.convertLead`): a new
 * Contact, or the given one, gets the Lead's values where it has none (custom fields by the same
 * API name, as an admin maps them); the Lead becomes read-only with IsConverted and ConvertedContactId.
 */
export function convertLead(
  input: { leadId?: unknown; contactId?: unknown },
  context: WriteContext,
): SandboxResponse {
  const leadId = typeof input.leadId === 'string' ? input.leadId : '';
  const lead = findRecord(context.store.get('Lead'), leadId);
  if (!lead) return { status: 404, body: { error: `No Lead ${leadId}` } };
  if (lead.IsConverted === true)
    return apiError(400, 'CANNOT_UPDATE_CONVERTED_LEAD', 'cannot reference converted lead');
  const contactSchema = context.schema.get('Contact') as SObjectSchema;
  const contacts = context.store.get('Contact') ?? new Map<string, StoredRecord>();
  const target = typeof input.contactId === 'string' ? findRecord(contacts, input.contactId) : undefined;
  if (typeof input.contactId === 'string' && !target)
    return { status: 404, body: { error: `No Contact ${input.contactId}` } };
  const copied = [...CONVERTED_FIELDS, ...[...contactSchema.fields].filter((field) => field.endsWith('__c'))];
  const contact: StoredRecord = target ?? {
    Id: context.nextId(contactSchema.prefix),
    CreatedDate: context.timestamp,
    OwnerId: context.userId,
    IsDeleted: false,
  };
  for (const field of copied) {
    const value = lead[field];
    const empty = contact[field] === undefined || contact[field] === null || contact[field] === '';
    if (empty && value !== undefined && value !== null && contactSchema.fields.has(field))
      contact[field] = value;
  }
  contact.Name = [contact.FirstName, contact.LastName].filter(Boolean).join(' ');
  contact.LastModifiedDate = context.timestamp;
  contacts.set(contact.Id, contact);
  context.store.set('Contact', contacts);
  Object.assign(lead, {
    IsConverted: true,
    ConvertedContactId: contact.Id,
    ConvertedDate: context.timestamp.slice(0, 10),
    Status: 'Closed - Converted',
    LastModifiedDate: context.timestamp,
  });
  return { status: 200, body: { leadId: lead.Id, contactId: contact.Id, success: true } };
}

/** A sequence-based id generator for one sandbox. */
export function idSequence(): (prefix: string) => string {
  let sequence = 0;
  return (prefix) => recordId(prefix, ++sequence);
}
