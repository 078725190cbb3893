import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type FaultRenderer,
  Sandbox,
  type SandboxOptions,
  type SandboxRequest,
  type SandboxResponse,
} from '../sandbox/kit.ts';
import { DEFAULT_CUSTOM_FIELDS, recordId, type SObjectSchema, sandboxSchema } from './sandbox-objects.ts';
import { parseQuery } from './sandbox-query.ts';

/** A per-record error as sObject Collections reports it. */
export interface SalesforceRecordError {
  statusCode: string;
  message: string;
  fields?: string[];
}

export interface SalesforceSandboxOptions extends SandboxOptions {
  /** Accepted client credentials; default: any non-empty pair. */
  clients?: { clientId: string; clientSecret: string }[];
  /** Default: '50.0'..'64.0'. */
  apiVersions?: string[];
  /** Lead's required fields; default ['LastName', 'Company']. */
  requiredFields?: string[];
  /** REST calls allowed before REQUEST_LIMIT_EXCEEDED (TotalRequests); default unlimited. */
  dailyRequestLimit?: number;
  /** Lifetime of issued tokens, so that refresh on 401 can be exercised; default 2 h. */
  tokenTtlMs?: number;
  /** Bearer tokens accepted without being issued here; default: any token this sandbox did not issue. */
  accessTokens?: string[];
  /** Custom fields the org has on Lead and Contact; default Email_Key__c (External ID, Unique), UTM_*__c, Lead_Score__c. */
  customFields?: string[];
  /** A per-record error to answer for a record (e.g. UNABLE_TO_LOCK_ROW on the first try); a test hook. */
  recordFault?: (
    record: Readonly<Record<string, unknown>>,
    sobject: string,
  ) => SalesforceRecordError | undefined;
  /** Clock for token expiry and record dates. */
  now?: () => number;
}

type StoredRecord = Record<string, unknown> & { Id: string };

interface Counters {
  /** Every authenticated REST call: what the daily allowance counts. */
  apiCalls: number;
  /** Every upsert request received, refused ones included. */
  upsertCalls: number;
  upsertedRecords: number;
  failedRecords: number;
  tokenRequests: number;
  queries: number;
  retrieves: number;
}

const MAX_RECORDS = 200;
const DEFAULT_TOKEN_TTL_MS = 2 * 60 * 60 * 1000;
const DEFAULT_API_VERSIONS = Array.from({ length: 15 }, (_, i) => `${50 + i}.0`);
/** Fields nobody writes: the platform maintains them. */
const READ_ONLY_FIELDS = new Set([
  'Id',
  'Name',
  'IsDeleted',
  'CreatedDate',
  'LastModifiedDate',
  'SystemModstamp',
]);
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const ORG_ID = recordId('00D', 1);
const USER_ID = recordId('005', 1);

const notFound = (): SandboxResponse => ({
  status: 404,
  body: [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }],
});
const apiError = (status: number, errorCode: string, message: string): SandboxResponse => ({
  status,
  body: [{ message, errorCode }],
});

/**
 * A Salesforce org in a box: the OAuth client-credentials token endpoint, sObject Collections
 * upsert by external id, record retrieval, a small SOQL subset and /limits, speaking Salesforce's
 * own status codes and error bodies. Serve it alone with `.listen(0)` or mount it (e.g. under
 * '/sandbox/salesforce'); the instance_url it hands out follows the Host header and the mount path.
 */
export function createSalesforceSandbox(options: SalesforceSandboxOptions = {}): Sandbox {
  const now = options.now ?? Date.now;
  const ttl = options.tokenTtlMs ?? DEFAULT_TOKEN_TTL_MS;
  const versions = new Set(options.apiVersions ?? DEFAULT_API_VERSIONS);
  const schema = sandboxSchema({
    customFields: options.customFields ?? DEFAULT_CUSTOM_FIELDS,
    leadRequiredFields: options.requiredFields ?? ['LastName', 'Company'],
  });
  const fixedTokens = options.accessTokens ? new Set(options.accessTokens) : undefined;
  const issued = new Map<string, { expiresAt: number }>();
  const store = new Map<string, Map<string, StoredRecord>>();
  let sequence = 0;
  let errorIds = 0;
  const counters = emptyCounters();

  const renderer: FaultRenderer = {
    serverError: () =>
      apiError(
        500,
        'UNKNOWN_EXCEPTION',
        `An unexpected error occurred. Please include this ErrorId if you contact support: ${++errorIds}-${1000 + errorIds} (-${2000 + errorIds})`,
      ),
    // Salesforce has no 429: a throttled REST call gets 403 REQUEST_LIMIT_EXCEEDED, and the
    // short-lived kind is the concurrent long-running request limit. It sends no Retry-After.
    rateLimited: () => apiError(403, 'REQUEST_LIMIT_EXCEEDED', 'ConcurrentPerOrgLongTxn Limit exceeded.'),
  };

  const sandbox = new SalesforceSandbox(
    'salesforce',
    {
      renderer,
      records: () => ({
        records: Object.fromEntries([...store].map(([name, records]) => [name, [...records.values()]])),
        requests: { ...counters },
      }),
      reset: () => {
        store.clear();
        Object.assign(counters, emptyCounters());
      },
    },
    options,
  );

  /** Checks the bearer token, the version and the daily allowance, as every REST call does. */
  const admit = (request: SandboxRequest): SandboxResponse | undefined => {
    const token = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
    if (!token || !tokenValid(token))
      return apiError(401, 'INVALID_SESSION_ID', 'Session expired or invalid');
    const version = request.params.version ?? '';
    if (!version.startsWith('v') || !versions.has(version.slice(1))) return notFound();
    if (options.dailyRequestLimit !== undefined && counters.apiCalls >= options.dailyRequestLimit) {
      return apiError(403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.');
    }
    counters.apiCalls += 1;
    return undefined;
  };

  const tokenValid = (token: string): boolean => {
    const session = issued.get(token);
    if (session) return session.expiresAt > now();
    return fixedTokens ? fixedTokens.has(token) : true;
  };

  const limitInfo = (): Record<string, string> => ({
    'sforce-limit-info': `api-usage=${counters.apiCalls}/${options.dailyRequestLimit ?? 15000}`,
  });

  sandbox.route('POST', '/services/oauth2/token', (request) => {
    counters.tokenRequests += 1;
    const form = new URLSearchParams(request.body.toString('utf8'));
    if (form.get('grant_type') !== 'client_credentials') {
      return {
        status: 400,
        body: { error: 'unsupported_grant_type', error_description: 'grant type not supported' },
      };
    }
    const credentials = clientCredentials(request, form);
    const refusal = checkClient(credentials, options.clients);
    if (refusal) return { status: 400, body: refusal };
    const issuedAt = String(now());
    const accessToken = `${ORG_ID.slice(0, 15)}!${randomBytes(48).toString('base64url')}`;
    issued.set(accessToken, { expiresAt: now() + ttl });
    const base = ownUrl(request);
    const id = `${base}/id/${ORG_ID}/${USER_ID}`;
    return {
      status: 200,
      body: {
        access_token: accessToken,
        signature: createHmac('sha256', credentials.clientSecret)
          .update(id + issuedAt)
          .digest('base64'),
        scope: 'api',
        instance_url: base,
        id,
        token_type: 'Bearer',
        issued_at: issuedAt,
      },
    };
  });

  sandbox.route('GET', '/services/data', () => ({
    status: 200,
    body: [...versions].map((version) => ({
      label: `v${version}`,
      url: `/services/data/v${version}`,
      version,
    })),
  }));

  sandbox.route(
    'PATCH',
    '/services/data/:version/composite/sobjects/:sobject/:externalIdField',
    (request) => {
      counters.upsertCalls += 1;
      const refused = admit(request);
      if (refused) return refused;
      const { sobject = '', externalIdField = '' } = request.params;
      const object = schema.get(sobject);
      if (!object) return notFound();
      if (!object.fields.has(externalIdField)) {
        return apiError(
          404,
          'NOT_FOUND',
          `Provided external ID field does not exist or is not accessible: ${externalIdField}`,
        );
      }
      if (!object.externalIdFields.has(externalIdField) || externalIdField === 'Id') {
        return apiError(
          400,
          'INVALID_FIELD',
          `Field name provided, ${externalIdField} is not an External ID or indexed field for ${sobject}`,
        );
      }
      const parsed = parseUpsertBody(request.body, sobject, object);
      if ('status' in parsed) return parsed;
      const stored = store.get(sobject) ?? new Map<string, StoredRecord>();
      const { results, writes } = upsertRecords(parsed.records, {
        sobject,
        object,
        externalIdField,
        stored,
        allOrNone: parsed.allOrNone,
        recordFault: options.recordFault,
        failRecord: () => sandbox.failRecord(),
        nextId: () => recordId(object.prefix, ++sequence),
        timestamp: salesforceDate(now()),
      });
      for (const record of writes) stored.set(record.Id, record);
      store.set(sobject, stored);
      counters.upsertedRecords += writes.length;
      counters.failedRecords += results.filter((result) => !result.success).length;
      return { status: 200, body: results, headers: limitInfo() };
    },
  );

  sandbox.route('GET', '/services/data/:version/sobjects/:sobject/:id', (request) => {
    const refused = admit(request);
    if (refused) return refused;
    counters.retrieves += 1;
    const { version = '', sobject = '', id = '' } = request.params;
    const record = store.get(sobject)?.get(id) ?? findBy15(store.get(sobject), id);
    if (!record) return notFound();
    return { status: 200, body: withAttributes(record, sobject, version), headers: limitInfo() };
  });

  sandbox.route('GET', '/services/data/:version/query', (request) => {
    const refused = admit(request);
    if (refused) return refused;
    counters.queries += 1;
    const query = parseQuery(request.query.get('q') ?? '');
    if (typeof query === 'string') return apiError(400, 'MALFORMED_QUERY', query);
    const object = schema.get(query.object);
    if (!object) {
      return apiError(
        400,
        'INVALID_TYPE',
        `sObject type '${query.object}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name.`,
      );
    }
    const unknown = [...query.fields, ...query.where.map((condition) => condition.field)].find(
      (field) => !object.fields.has(field),
    );
    if (unknown)
      return apiError(400, 'INVALID_FIELD', `No such column '${unknown}' on entity '${query.object}'.`);
    const version = request.params.version ?? '';
    const matches = [...(store.get(query.object)?.values() ?? [])]
      .filter((record) => query.where.every(({ field, value }) => sameValue(record[field], value)))
      .slice(0, query.limit);
    const records = matches.map((record) => {
      const picked: Record<string, unknown> = {};
      for (const field of query.fields) picked[field] = record[field] ?? null;
      return withAttributes({ ...picked, Id: record.Id }, query.object, version, query.fields);
    });
    return { status: 200, body: { totalSize: records.length, done: true, records }, headers: limitInfo() };
  });

  sandbox.route('GET', '/services/data/:version/limits', (request) => {
    const refused = admit(request);
    if (refused) return refused;
    const max = options.dailyRequestLimit ?? 15000;
    return {
      status: 200,
      body: { DailyApiRequests: { Max: max, Remaining: Math.max(0, max - counters.apiCalls) } },
      headers: limitInfo(),
    };
  });

  return sandbox;
}

/**
 * Passes the mount path on to the routes: Salesforce's token answer carries the instance URL, and
 * a mounted sandbox is only reachable under its prefix. X-Forwarded-Prefix is how a proxy says it.
 */
class SalesforceSandbox extends Sandbox {
  override handle(req: IncomingMessage, res: ServerResponse, basePath = ''): Promise<void> {
    if (basePath) req.headers['x-forwarded-prefix'] = basePath;
    return super.handle(req, res, basePath);
  }
}

function ownUrl(request: SandboxRequest): string {
  const proto = request.headers['x-forwarded-proto'] ?? 'http';
  const host = request.headers['x-forwarded-host'] ?? request.headers.host ?? '127.0.0.1';
  const prefix = (request.headers['x-forwarded-prefix'] ?? '').replace(/\/+$/, '');
  return `${proto}://${host}${prefix}`;
}

function clientCredentials(
  request: SandboxRequest,
  form: URLSearchParams,
): { clientId: string; clientSecret: string } {
  // Salesforce takes the client in the form or as HTTP Basic.
  const basic = /^Basic\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
  if (basic) {
    const decoded = Buffer.from(basic, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) return { clientId: decoded.slice(0, colon), clientSecret: decoded.slice(colon + 1) };
  }
  return { clientId: form.get('client_id') ?? '', clientSecret: form.get('client_secret') ?? '' };
}

function checkClient(
  credentials: { clientId: string; clientSecret: string },
  clients: SalesforceSandboxOptions['clients'],
): { error: string; error_description: string } | undefined {
  const unknownClient = { error: 'invalid_client_id', error_description: 'client identifier invalid' };
  const badSecret = { error: 'invalid_client', error_description: 'invalid client credentials' };
  if (!credentials.clientId) return unknownClient;
  if (!clients) return credentials.clientSecret ? undefined : badSecret;
  const client = clients.find((candidate) => candidate.clientId === credentials.clientId);
  if (!client) return unknownClient;
  return sameSecret(client.clientSecret, credentials.clientSecret) ? undefined : badSecret;
}

function sameSecret(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

type ParsedBody = { allOrNone: boolean; records: Record<string, unknown>[] };

/** Request-wide checks: the ones Salesforce answers with one 400 for the whole call. */
function parseUpsertBody(body: Buffer, sobject: string, object: SObjectSchema): ParsedBody | SandboxResponse {
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
    if (type !== sobject) {
      return apiError(
        400,
        'INVALID_TYPE',
        `Each record must have attributes.type "${sobject}", the sObject in the request URI`,
      );
    }
    for (const [field, value] of Object.entries(record)) {
      if (field === 'attributes') continue;
      if (!object.fields.has(field)) {
        return apiError(400, 'INVALID_FIELD', `No such column '${field}' on sobject of type ${sobject}`);
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

type UpsertResult =
  | { id: string; success: true; errors: []; created: boolean }
  | { success: false; errors: Required<SalesforceRecordError>[] };

interface UpsertContext {
  sobject: string;
  object: SObjectSchema;
  externalIdField: string;
  stored: ReadonlyMap<string, StoredRecord>;
  allOrNone: boolean;
  recordFault: SalesforceSandboxOptions['recordFault'];
  failRecord: () => boolean;
  nextId: () => string;
  timestamp: string;
}

/** Per-record processing, in request order; results come back in the same order. */
function upsertRecords(
  records: Record<string, unknown>[],
  context: UpsertContext,
): { results: UpsertResult[]; writes: StoredRecord[] } {
  const { object, externalIdField, stored } = context;
  const keyOf = (record: Record<string, unknown>) => {
    const value = record[externalIdField];
    return value === undefined || value === null || value === '' ? undefined : String(value).toLowerCase();
  };
  const occurrences = new Map<string, number>();
  for (const record of records) {
    const key = keyOf(record);
    if (key !== undefined) occurrences.set(key, (occurrences.get(key) ?? 0) + 1);
  }

  const results: UpsertResult[] = [];
  const writes: StoredRecord[] = [];
  for (const record of records) {
    const key = keyOf(record);
    const fail = (statusCode: string, message: string, fields: string[] = []) =>
      results.push({ success: false, errors: [{ statusCode, message, fields }] });
    if (key === undefined) {
      fail('MISSING_ARGUMENT', `${externalIdField} not specified`, [externalIdField]);
      continue;
    }
    if ((occurrences.get(key) ?? 0) > 1) {
      fail('DUPLICATE_VALUE', `Duplicate external id specified: ${String(record[externalIdField])}`, [
        externalIdField,
      ]);
      continue;
    }
    const matches = [...stored.values()].filter(
      (existing) => String(existing[externalIdField] ?? '').toLowerCase() === key,
    );
    if (matches.length > 1) {
      fail(
        'DUPLICATE_EXTERNAL_ID',
        `${externalIdField}: more than one record found for external id field: [${matches.map((m) => m.Id).join(', ')}]`,
        [externalIdField],
      );
      continue;
    }
    const readOnly = Object.keys(record).filter((field) => READ_ONLY_FIELDS.has(field));
    if (readOnly.length > 0) {
      fail(
        'INVALID_FIELD_FOR_INSERT_UPDATE',
        `Unable to create/update fields: ${readOnly.join(', ')}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
        readOnly,
      );
      continue;
    }
    const existing = matches[0];
    const { attributes: _attributes, ...values } = record;
    const merged: Record<string, unknown> = { ...existing, ...values };
    const missing = object.required.filter((field) => {
      const value = merged[field];
      return value === undefined || value === null || String(value).trim() === '';
    });
    if (missing.length > 0) {
      fail('REQUIRED_FIELD_MISSING', `Required fields are missing: [${missing.join(', ')}]`, missing);
      continue;
    }
    if (typeof merged.Email === 'string' && merged.Email !== '' && !EMAIL.test(merged.Email)) {
      fail('INVALID_EMAIL_ADDRESS', `Email: invalid email address: ${merged.Email}`, ['Email']);
      continue;
    }
    const injected = context.recordFault?.(record, context.sobject);
    if (injected) {
      fail(injected.statusCode, injected.message, injected.fields ?? []);
      continue;
    }
    if (context.failRecord()) {
      fail(
        'FIELD_CUSTOM_VALIDATION_EXCEPTION',
        'This lead does not meet the sandbox validation rule (injected by recordErrorRate)',
      );
      continue;
    }
    const id = existing?.Id ?? context.nextId();
    const saved: StoredRecord = {
      ...(existing ? {} : { CreatedDate: context.timestamp, OwnerId: USER_ID, IsDeleted: false }),
      ...(existing ? {} : context.sobject === 'Lead' ? { Status: 'Open - Not Contacted' } : {}),
      ...merged,
      Id: id,
      LastModifiedDate: context.timestamp,
      SystemModstamp: context.timestamp,
    };
    const name = [saved.FirstName, saved.LastName]
      .filter((part) => typeof part === 'string' && part)
      .join(' ');
    if (name) saved.Name = name;
    writes.push(saved);
    results.push({ id, success: true, errors: [], created: existing === undefined });
  }

  if (context.allOrNone && results.some((result) => !result.success)) {
    // All or none: nothing is kept, and the valid records say why they were not saved.
    const rolledBack = results.map(
      (result): UpsertResult =>
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

function withAttributes(
  record: Record<string, unknown>,
  sobject: string,
  version: string,
  fields?: readonly string[],
): Record<string, unknown> {
  const id = String(record.Id);
  const body: Record<string, unknown> = {
    attributes: { type: sobject, url: `/services/data/${version}/sobjects/${sobject}/${id}` },
  };
  for (const [field, value] of Object.entries(record)) {
    if (!fields || fields.includes(field)) body[field] = value;
  }
  return body;
}

/** Salesforce accepts the 15-character id as well as the 18-character one. */
function findBy15(
  records: ReadonlyMap<string, StoredRecord> | undefined,
  id: string,
): StoredRecord | undefined {
  if (!records || id.length !== 15) return undefined;
  return [...records.values()].find((record) => record.Id.startsWith(id));
}

function sameValue(stored: unknown, wanted: string | number | boolean | null): boolean {
  if (wanted === null) return stored === undefined || stored === null;
  if (typeof wanted === 'string' && typeof stored === 'string')
    return stored.toLowerCase() === wanted.toLowerCase();
  return stored === wanted;
}

/** Salesforce's datetime format: 2026-11-21T10:00:00.000+0000. */
function salesforceDate(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

function emptyCounters(): Counters {
  return {
    apiCalls: 0,
    upsertCalls: 0,
    upsertedRecords: 0,
    failedRecords: 0,
    tokenRequests: 0,
    queries: 0,
    retrieves: 0,
  };
}
