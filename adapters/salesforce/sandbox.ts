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
import { conditionFields, matches, parseQuery, type SimpleQuery } from './sandbox-query.ts';
import {
  apiError,
  commit,
  convertLead,
  createRecords,
  findRecord,
  idSequence,
  parseCollectionBody,
  type SalesforceRecordError,
  type Store,
  type StoredRecord,
  updateRecords,
  upsertRecords,
  type WriteContext,
  type WriteResult,
} from './sandbox-writes.ts';

export type { SalesforceRecordError };

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

interface Counters {
  /** Every authenticated REST call: what the daily allowance counts. */
  apiCalls: number;
  /** Every upsert request received, refused ones included. */
  upsertCalls: number;
  /** Every create (POST …/composite/sobjects) and update (PATCH …/composite/sobjects) request received. */
  createCalls: number;
  updateCalls: number;
  upsertedRecords: number;
  failedRecords: number;
  tokenRequests: number;
  queries: number;
  retrieves: number;
  conversions: number;
}

const DEFAULT_TOKEN_TTL_MS = 2 * 60 * 60 * 1000;
const DEFAULT_API_VERSIONS = Array.from({ length: 15 }, (_, i) => `${50 + i}.0`);
const ORG_ID = recordId('00D', 1);
const USER_ID = recordId('005', 1);

const notFound = (): SandboxResponse => ({
  status: 404,
  body: [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }],
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
  const store: Store = new Map();
  const nextId = idSequence();
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

  const writeContext = (): WriteContext => ({
    schema,
    store,
    recordFault: options.recordFault,
    failRecord: () => sandbox.failRecord(),
    nextId,
    timestamp: salesforceDate(now()),
    userId: USER_ID,
  });

  const save = ({ results, writes }: { results: WriteResult[]; writes: StoredRecord[] }): SandboxResponse => {
    commit(store, writes, schema);
    counters.upsertedRecords += writes.length;
    counters.failedRecords += results.filter((result) => !result.success).length;
    return { status: 200, body: results, headers: limitInfo() };
  };

  /** A field of the object, or of a parent through a relationship (`ConvertedContact.Email`). */
  const knownField = (object: SObjectSchema, field: string): boolean => {
    const [relationship, parentField] = field.split('.');
    if (parentField === undefined) return object.fields.has(field);
    const parent = object.parents.get(relationship ?? '');
    return parent !== undefined && (schema.get(parent.sobject)?.fields.has(parentField) ?? false);
  };

  const parentOf = (record: StoredRecord, relationship: string, object: SObjectSchema) => {
    const parent = object.parents.get(relationship);
    const id = parent ? record[parent.idField] : undefined;
    return parent && typeof id === 'string' ? findRecord(store.get(parent.sobject), id) : undefined;
  };

  const readField = (record: StoredRecord, field: string, object: SObjectSchema): unknown => {
    const [relationship = '', parentField] = field.split('.');
    if (parentField === undefined) return record[field];
    return parentOf(record, relationship, object)?.[parentField];
  };

  /** The selected fields as Salesforce returns them: a parent's fields nested under the relationship name, or null. */
  const selectFields = (
    record: StoredRecord,
    query: SimpleQuery,
    object: SObjectSchema,
    version: string,
  ): Record<string, unknown> => {
    const body: Record<string, unknown> = {
      attributes: {
        type: query.object,
        url: `/services/data/${version}/sobjects/${query.object}/${record.Id}`,
      },
    };
    for (const field of query.fields) {
      const [relationship = '', parentField] = field.split('.');
      if (parentField === undefined) {
        body[field] = record[field] ?? null;
        continue;
      }
      const parent = parentOf(record, relationship, object);
      const sobject = object.parents.get(relationship)?.sobject ?? '';
      if (!parent) {
        body[relationship] = null;
        continue;
      }
      const nested = (body[relationship] as Record<string, unknown> | null | undefined) ?? {
        attributes: { type: sobject, url: `/services/data/${version}/sobjects/${sobject}/${parent.Id}` },
      };
      nested[parentField] = parent[parentField] ?? null;
      body[relationship] = nested;
    }
    return body;
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
      const parsed = parseCollectionBody(request.body, schema, sobject);
      if ('status' in parsed) return parsed;
      return save(
        upsertRecords(
          parsed.records,
          { sobject, externalIdField, allOrNone: parsed.allOrNone },
          writeContext(),
        ),
      );
    },
  );

  sandbox.route('POST', '/services/data/:version/composite/sobjects', (request) => {
    counters.createCalls += 1;
    const refused = admit(request);
    if (refused) return refused;
    const parsed = parseCollectionBody(request.body, schema, undefined);
    if ('status' in parsed) return parsed;
    return save(createRecords(parsed.records, parsed.allOrNone, writeContext()));
  });

  sandbox.route('PATCH', '/services/data/:version/composite/sobjects', (request) => {
    counters.updateCalls += 1;
    const refused = admit(request);
    if (refused) return refused;
    const parsed = parseCollectionBody(request.body, schema, undefined);
    if ('status' in parsed) return parsed;
    return save(updateRecords(parsed.records, parsed.allOrNone, writeContext()));
  });

  // Not Salesforce's API: what a salesperson does with the Convert button, for tests and demos.
  sandbox.route('POST', '/__sandbox/convert', (request) => {
    let input: { leadId?: unknown; contactId?: unknown };
    try {
      input = JSON.parse(request.body.toString('utf8') || '{}');
    } catch {
      return { status: 400, body: { error: 'Body must be JSON, e.g. {"leadId":"00Q…"}' } };
    }
    const answer = convertLead(input, writeContext());
    if (answer.status === 200) counters.conversions += 1;
    return answer;
  });

  sandbox.route('GET', '/services/data/:version/sobjects/:sobject/:id', (request) => {
    const refused = admit(request);
    if (refused) return refused;
    counters.retrieves += 1;
    const { version = '', sobject = '', id = '' } = request.params;
    const record = findRecord(store.get(sobject), id);
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
    const unknown = [...query.fields, ...conditionFields(query.where)].find(
      (field) => !knownField(object, field),
    );
    if (unknown) return unknownField(unknown, query.object);
    const version = request.params.version ?? '';
    const read = (record: StoredRecord) => (field: string) => readField(record, field, object);
    const found = [...(store.get(query.object)?.values() ?? [])]
      .filter((record) => matches(query.where, read(record)))
      .slice(0, query.limit);
    const records = found.map((record) => selectFields(record, query, object, version));
    return { status: 200, body: { totalSize: records.length, done: true, records }, headers: limitInfo() };
  });

  // ── Erasure: sObject Collections DELETE (adapters/salesforce/erase.ts) ──
  /** Ids deleted here: the Recycle Bin, which a second delete answers with ENTITY_IS_DELETED. */
  const recycleBin = new Set<string>();
  /**
   * DELETE /services/data/vXX.X/composite/sobjects?ids=a,b[&allOrNone=true]: up to 200 ids of any
   * objects, one DeleteResult each in the order given, 200 OK when the request is well formed.
   */
  sandbox.route('DELETE', '/services/data/:version/composite/sobjects', (request) => {
    const refused = admit(request);
    if (refused) return refused;
    const ids = (request.query.get('ids') ?? '').split(',').filter(Boolean);
    if (ids.length === 0) return apiError(400, 'MISSING_ARGUMENT', 'ids parameter not specified');
    if (ids.length > 200) {
      return apiError(
        400,
        'EXCEEDED_ID_LIMIT',
        'record limit reached. cannot submit more than 200 records in one call',
      );
    }
    const failure = (statusCode: string, message: string) => ({
      success: false,
      errors: [{ statusCode, message, fields: [] }],
    });
    const plan = ids.map((id) => {
      if (!/^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/.test(id))
        return { id, result: failure('MALFORMED_ID', `malformed id ${id}`) };
      for (const [sobject, records] of store) {
        const record = findRecord(records, id);
        if (record) return { id: record.Id, sobject, result: { id: record.Id, success: true, errors: [] } };
      }
      if ([...recycleBin].some((deleted) => deleted.startsWith(id))) {
        return { id, result: failure('ENTITY_IS_DELETED', 'entity is deleted') };
      }
      return { id, result: failure('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id') };
    });
    const allOrNone = request.query.get('allOrNone') === 'true';
    if (allOrNone && plan.some((step) => !step.result.success)) {
      return {
        status: 200,
        body: plan.map((step) =>
          step.result.success
            ? failure(
                'ALL_OR_NONE_OPERATION_ROLLED_BACK',
                'Record rolled back because not all records were valid and the request was using AllOrNone header',
              )
            : step.result,
        ),
        headers: limitInfo(),
      };
    }
    for (const step of plan) {
      if (!('sobject' in step) || step.sobject === undefined) continue;
      store.get(step.sobject)?.delete(step.id);
      recycleBin.add(step.id);
    }
    return { status: 200, body: plan.map((step) => step.result), headers: limitInfo() };
  });
  // ── end erasure ──

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

function unknownField(field: string, object: string): SandboxResponse {
  if (field.includes('.')) {
    const relationship = field.split('.')[0];
    return apiError(
      400,
      'INVALID_FIELD',
      `Didn't understand relationship '${relationship}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name.`,
    );
  }
  return apiError(400, 'INVALID_FIELD', `No such column '${field}' on entity '${object}'.`);
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
    conversions: 0,
    createCalls: 0,
    updateCalls: 0,
  };
}
