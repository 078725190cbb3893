import { Sandbox, type SandboxOptions, type SandboxRequest, type SandboxResponse } from '../sandbox/kit.ts';
import { LEGAL_BASIS_PROPERTY } from './field-defaults.ts';
import { LEADPIPE_GROUP, leadpipeProperties } from './leadpipe-properties.ts';
import {
  errorResponse,
  type PropertyProblem,
  problemDetails,
  propertyProblemsMessage,
  rateLimited,
  serverError,
  unauthorized,
} from './sandbox-bodies.ts';
import { type InstalledProperties, SandboxProperties } from './sandbox-properties.ts';

export interface HubspotSandboxOptions extends SandboxOptions {
  /** Accepted bearer tokens; default: any non-empty token. */
  accessTokens?: string[];
  /** Rolling limit per token; default { max: 190, intervalMs: 10_000 }. */
  rateLimit?: { max: number; intervalMs: number } | false;
  now?: () => number;
  /**
   * When every input carries an `objectWriteTraceId`, answer per-input problems with 207
   * multi-status as HubSpot documents (default true). False answers them as HubSpot does without
   * trace ids: one 400 VALIDATION_ERROR for the whole batch, nothing written.
   */
  multiStatus?: boolean;
  /** The portal id shown in error details; default '12345678'. */
  portalId?: string;
  /**
   * Property groups and properties the portal has beside HubSpot's own. Default: leadpipe's, with
   * the default person id property, as in a portal where `leadpipe setup hubspot` has run (the
   * state leadpipe runs in; the local host passes those of its config). `{}`: a new portal, which
   * refuses reads and writes keyed by the person id until setup creates it.
   */
  installed?: InstalledProperties;
}

/** What a benchmark or a test reads from GET /__sandbox/records. */
export interface HubspotSandboxCounts {
  /** Every request that reached a HubSpot route (faults included). */
  total: number;
  upsertCalls: number;
  upsertInputs: number;
  /** Batch reads (by id, email or a unique property), creates and updates by id. */
  readCalls: number;
  createCalls: number;
  updateCalls: number;
  /** Calls to the CRM properties API. */
  propertyCalls: number;
  created: number;
  updated: number;
  /** 429s sent because a token went over the rolling limit. */
  rateLimited: number;
  /** 429s sent by the rateLimitRate fault. */
  faultRateLimited: number;
  /** 5xx sent by the serverErrorRate fault. */
  serverErrors: number;
  unauthorized: number;
  /** Whole-batch 400s. */
  validationErrors: number;
  /** Inputs refused one by one (207 errors). */
  recordErrors: number;
}

interface StoredContact {
  id: string;
  properties: Record<string, string>;
  createdAt: string;
  updatedAt: string;
}

interface UpsertInput {
  id?: unknown;
  idProperty?: unknown;
  objectWriteTraceId?: unknown;
  properties?: unknown;
}

export const HUBSPOT_SANDBOX_BATCH_LIMIT = 100;
const LIST_DEFAULT_LIMIT = 10;
const LIST_MAX_LIMIT = 100;
/** What GET /crm/v3/objects/contacts returns when no `properties` are asked for. */
const DEFAULT_LIST_PROPERTIES = [
  'createdate',
  'email',
  'firstname',
  'hs_object_id',
  'lastmodifieddate',
  'lastname',
];
const READ_ONLY_PROPERTIES = new Set([
  'hs_object_id',
  'createdate',
  'lastmodifieddate',
  'hs_createdate',
  'hs_lastmodifieddate',
]);
const PROPERTY_NAME = /^[a-z0-9_]+$/;
const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)*\.[a-z]{2,}$/i;
/** HubSpot contact ids are numeric strings; start somewhere that looks like one. */
const FIRST_CONTACT_ID = 100_001;
/** What a batch read returns beside the properties asked for, as HubSpot does. */
const ALWAYS_READ = ['hs_object_id', 'createdate', 'lastmodifieddate'];

/**
 * A local HubSpot: CRM v3 contacts (batch upsert, read, create and update; list and read one) and
 * the CRM properties API, with HubSpot's errors, unique properties and rate limits.
 */
export function createHubspotSandbox(options: HubspotSandboxOptions = {}): Sandbox {
  const now = options.now ?? Date.now;
  const limit =
    options.rateLimit === false ? undefined : (options.rateLimit ?? { max: 190, intervalMs: 10_000 });
  const tokens = options.accessTokens ? new Set(options.accessTokens) : undefined;
  const multiStatus = options.multiStatus ?? true;
  const portalId = options.portalId ?? '12345678';

  const contacts = new Map<string, StoredContact>();
  const properties = new SandboxProperties(now, options.installed ?? setUpPortal());
  const sentByToken = new Map<string, number[]>();
  let nextId = FIRST_CONTACT_ID;
  let counts = zeroCounts();

  const sandbox = new Sandbox(
    'hubspot',
    {
      renderer: {
        serverError: () => {
          counts.total++;
          counts.serverErrors++;
          return serverError();
        },
        rateLimited: (retryAfterSeconds) => {
          counts.total++;
          counts.faultRateLimited++;
          return rateLimited(portalId, {
            'retry-after': String(retryAfterSeconds),
            ...(limit ? limitHeaders(limit, 0) : {}),
          });
        },
      },
      records: () => ({
        contacts: [...contacts.values()].map((contact) => asListed(contact)),
        requests: { ...counts, propertyCalls: properties.calls },
      }),
      reset: () => {
        contacts.clear();
        contactsChanged();
        properties.reset();
        sentByToken.clear();
        nextId = FIRST_CONTACT_ID;
        counts = zeroCounts();
      },
    },
    options,
  );

  /** Authenticates, applies the per-token rolling limit, and adds HubSpot's rate-limit headers. */
  const api =
    (handler: (request: SandboxRequest) => SandboxResponse) =>
    (request: SandboxRequest): SandboxResponse => {
      counts.total++;
      const token = bearerToken(request.headers.authorization);
      if (!token || (tokens && !tokens.has(token))) {
        counts.unauthorized++;
        return unauthorized();
      }
      if (!limit) return handler(request);
      const at = now();
      const sent = (sentByToken.get(token) ?? []).filter((time) => time > at - limit.intervalMs);
      sentByToken.set(token, sent);
      if (sent.length >= limit.max) {
        counts.rateLimited++;
        // HubSpot documents no Retry-After for its own rolling limit: the headers say the window.
        return rateLimited(portalId, limitHeaders(limit, 0));
      }
      sent.push(at);
      const response = handler(request);
      response.headers = { ...limitHeaders(limit, limit.max - sent.length), ...response.headers };
      return response;
    };

  /**
   * Per property, each value's first contact: built on the first lookup after a write, so a batch
   * read of 100 is not 100 scans of every contact (the sandbox runs in the host's process, and a
   * benchmark's ingest figures would pay for them).
   */
  const byValue = new Map<string, Map<string, StoredContact>>();
  const contactsChanged = () => byValue.clear();

  /** The contact holding `value` in `idProperty` (email case-insensitively, hs_object_id by id). */
  function findBy(idProperty: string, value: string): StoredContact | undefined {
    if (idProperty === 'hs_object_id') return contacts.get(value);
    const fold = (text: string) => (idProperty === 'email' ? text.toLowerCase() : text);
    let index = byValue.get(idProperty);
    if (!index) {
      index = new Map();
      for (const contact of contacts.values()) {
        const held = contact.properties[idProperty];
        if (held !== undefined && !index.has(fold(held))) index.set(fold(held), contact);
      }
      byValue.set(idProperty, index);
    }
    return index.get(fold(value));
  }

  /** HubSpot's refusal of a batch keyed by a property that is not unique (or does not exist). */
  const nonUnique = (idProperty: string, action: string) => {
    counts.validationErrors++;
    return errorResponse(
      400,
      'VALIDATION_ERROR',
      `Unable to perform ${action} by non-unique 0-1 property ${idProperty} in portal ID ${portalId}`,
    );
  };

  /**
   * The first contact other than `self` that already holds one of the values these properties
   * must keep unique (email, and every unique property), or undefined.
   */
  function conflictOf(
    written: Record<string, string>,
    self: StoredContact | undefined,
  ): StoredContact | undefined {
    for (const name of ['email', ...properties.uniqueNames()]) {
      const value = written[name];
      if (value === undefined || value === '') continue;
      const holder = findBy(name, value);
      if (holder && holder !== self) return holder;
    }
    return undefined;
  }

  /** Two inputs of one batch that would give one unique value to two contacts. */
  function sameUniqueValueTwice(all: readonly Record<string, string>[]): boolean {
    for (const name of ['email', ...properties.uniqueNames()]) {
      const values = all.map((props) => props[name]).filter((value): value is string => !!value);
      const keyed = name === 'email' ? values.map((value) => value.toLowerCase()) : values;
      if (new Set(keyed).size !== keyed.length) return true;
    }
    return false;
  }

  function conflict(existing: StoredContact): SandboxResponse {
    counts.validationErrors++;
    return errorResponse(409, 'CONFLICT', `Contact already exists. Existing ID: ${existing.id}`);
  }

  /** Sets properties on a contact, creating it when there is none; email kept lower-cased. */
  function store(existing: StoredContact | undefined, written: Record<string, string>): StoredContact {
    const at = new Date(now()).toISOString();
    const values = { ...written };
    if (values.email !== undefined) values.email = values.email.toLowerCase();
    contactsChanged();
    if (existing) {
      Object.assign(existing.properties, values, { lastmodifieddate: at });
      existing.updatedAt = at;
      counts.updated++;
      return existing;
    }
    const id = String(nextId++);
    const contact: StoredContact = {
      id,
      properties: { ...values, createdate: at, lastmodifieddate: at, hs_object_id: id },
      createdAt: at,
      updatedAt: at,
    };
    contacts.set(id, contact);
    counts.created++;
    return contact;
  }

  /** Parses a batch body: its inputs as objects, or HubSpot's 400 for a malformed or oversized one. */
  function batchInputs(
    request: SandboxRequest,
  ): { inputs: UpsertInput[]; body: Record<string, unknown> } | SandboxResponse {
    const parsed = parseJson(request.body);
    if (!parsed.ok) {
      counts.validationErrors++;
      return errorResponse(
        400,
        'VALIDATION_ERROR',
        `Invalid input JSON on line 1, column 1: ${parsed.problem}`,
      );
    }
    const body = (typeof parsed.value === 'object' && parsed.value !== null ? parsed.value : {}) as Record<
      string,
      unknown
    >;
    if (!Array.isArray(body.inputs)) {
      counts.validationErrors++;
      return errorResponse(
        400,
        'VALIDATION_ERROR',
        'Invalid input JSON: "inputs" must be an array of objects',
      );
    }
    if (body.inputs.length > HUBSPOT_SANDBOX_BATCH_LIMIT) {
      counts.validationErrors++;
      return errorResponse(
        400,
        'VALIDATION_ERROR',
        `The maximum number of inputs supported in a batch request is ${HUBSPOT_SANDBOX_BATCH_LIMIT}. Please reduce the number of items and try again`,
      );
    }
    const inputs = body.inputs.map(
      (input): UpsertInput => (typeof input === 'object' && input !== null ? input : {}),
    );
    return { inputs, body };
  }

  /**
   * Answers a write batch whose inputs were checked: a 400 for the first bad input unless every
   * input is traced (then 207, the bad ones in errors[]), else `apply` writes each good one.
   */
  function writeAnswer(
    checked: { input: UpsertInput; problems: PropertyProblem[]; category?: string }[],
    apply: (input: UpsertInput) => Record<string, unknown>,
    okStatus: number,
  ): SandboxResponse {
    const startedAt = new Date(now()).toISOString();
    const traced =
      checked.length > 0 && checked.every(({ input }) => typeof input.objectWriteTraceId === 'string');
    const firstBad = checked.find((entry) => entry.problems.length > 0);
    if (firstBad && !(multiStatus && traced)) {
      counts.validationErrors++;
      return errorResponse(
        400,
        firstBad.category ?? 'VALIDATION_ERROR',
        propertyProblemsMessage(firstBad.problems, portalId),
        {
          errors: problemDetails(firstBad.problems),
        },
      );
    }
    const results: unknown[] = [];
    const errors: unknown[] = [];
    for (const { input, problems, category } of checked) {
      if (problems.length > 0) {
        counts.recordErrors++;
        errors.push({
          status: 'error',
          category: category ?? 'VALIDATION_ERROR',
          message: propertyProblemsMessage(problems, portalId),
          context: { objectWriteTraceId: [String(input.objectWriteTraceId)] },
        });
        continue;
      }
      results.push({
        ...apply(input),
        ...(typeof input.objectWriteTraceId === 'string'
          ? { objectWriteTraceId: input.objectWriteTraceId }
          : {}),
      });
    }
    const completedAt = new Date(now()).toISOString();
    if (errors.length === 0)
      return { status: okStatus, body: { status: 'COMPLETE', results, startedAt, completedAt } };
    return {
      status: 207,
      body: { status: 'COMPLETE', results, numErrors: errors.length, errors, startedAt, completedAt },
    };
  }

  function upsert(request: SandboxRequest): SandboxResponse {
    counts.upsertCalls++;
    const batch = batchInputs(request);
    if (!('inputs' in batch)) return batch;
    const typed = batch.inputs;
    counts.upsertInputs += typed.length;
    const badKey = typed.find(
      (input) => typeof input.idProperty !== 'string' || !properties.isIdProperty(input.idProperty),
    );
    if (badKey) return nonUnique(String(badKey.idProperty ?? ''), 'update/upsert');
    const duplicates = duplicateIds(typed);
    if (duplicates.length > 0) {
      counts.validationErrors++;
      return errorResponse(
        400,
        'VALIDATION_ERROR',
        `Duplicate IDs found in batch input: [${duplicates.join(', ')}]. IDs must be unique`,
      );
    }
    const checked = typed.map((input) => ({
      input,
      problems: [...keyProblems(input), ...inputProblems(input)],
    }));
    return writeAnswer(
      checked,
      (input) => {
        const idProperty = String(input.idProperty);
        const existing = findBy(idProperty, String(input.id));
        const written = { ...stringProperties(input.properties), [idProperty]: String(input.id) };
        const contact = store(existing, written);
        return { ...asListed(contact), new: !existing };
      },
      200,
    );
  }

  /** An upsert's key: an email must be a valid address. */
  function keyProblems(input: UpsertInput): PropertyProblem[] {
    if (input.idProperty !== 'email') return [];
    const id = typeof input.id === 'string' ? input.id : '';
    return EMAIL.test(id) ? [] : [invalidEmail(id)];
  }

  function create(request: SandboxRequest): SandboxResponse {
    counts.createCalls++;
    const batch = batchInputs(request);
    if (!('inputs' in batch)) return batch;
    const checked = batch.inputs.map((input) => ({ input, problems: inputProblems(input) }));
    const good = checked
      .filter(({ problems }) => problems.length === 0)
      .map(({ input }) => stringProperties(input.properties));
    // HubSpot refuses the whole batch when a contact already holds an email or unique value.
    if (sameUniqueValueTwice(good)) {
      counts.validationErrors++;
      return errorResponse(
        409,
        'CONFLICT',
        'Contact already exists: two inputs of this batch share a unique value',
      );
    }
    for (const written of good) {
      const existing = conflictOf(written, undefined);
      if (existing) return conflict(existing);
    }
    return writeAnswer(
      checked,
      (input) => asListed(store(undefined, stringProperties(input.properties))),
      201,
    );
  }

  function update(request: SandboxRequest): SandboxResponse {
    counts.updateCalls++;
    const batch = batchInputs(request);
    if (!('inputs' in batch)) return batch;
    const badKey = batch.inputs.find(
      (input) => input.idProperty !== undefined && !properties.isIdProperty(String(input.idProperty)),
    );
    if (badKey) return nonUnique(String(badKey.idProperty), 'update/upsert');
    const duplicates = duplicateIds(batch.inputs);
    if (duplicates.length > 0) {
      counts.validationErrors++;
      return errorResponse(
        400,
        'VALIDATION_ERROR',
        `Duplicate IDs found in batch input: [${duplicates.join(', ')}]. IDs must be unique`,
      );
    }
    const target = (input: UpsertInput) =>
      findBy(
        typeof input.idProperty === 'string' ? input.idProperty : 'hs_object_id',
        String(input.id ?? ''),
      );
    const checked = batch.inputs.map((input) => {
      if (!target(input)) {
        return {
          input,
          category: 'OBJECT_NOT_FOUND',
          problems: [
            { error: 'OBJECT_NOT_FOUND', name: 'id', message: `Object not found: ${String(input.id)}` },
          ],
        };
      }
      return { input, problems: inputProblems(input) };
    });
    const good = checked.filter(({ problems }) => problems.length === 0);
    const written = good.map(({ input }) => stringProperties(input.properties));
    if (sameUniqueValueTwice(written)) {
      counts.validationErrors++;
      return errorResponse(
        409,
        'CONFLICT',
        'Contact already exists: two inputs of this batch share a unique value',
      );
    }
    for (const { input } of good) {
      const existing = conflictOf(stringProperties(input.properties), target(input));
      if (existing) return conflict(existing);
    }
    return writeAnswer(
      checked,
      (input) => asListed(store(target(input), stringProperties(input.properties))),
      200,
    );
  }

  /** POST /batch/read: by id, email or a unique property; misses in a 207 OBJECT_NOT_FOUND error. */
  function batchRead(request: SandboxRequest): SandboxResponse {
    counts.readCalls++;
    const batch = batchInputs(request);
    if (!('inputs' in batch)) return batch;
    const idProperty = typeof batch.body.idProperty === 'string' ? batch.body.idProperty : 'hs_object_id';
    if (idProperty !== 'hs_object_id' && !properties.isIdProperty(idProperty))
      return nonUnique(idProperty, 'read');
    const wanted = Array.isArray(batch.body.properties)
      ? batch.body.properties.filter((name): name is string => typeof name === 'string')
      : [];
    const startedAt = new Date(now()).toISOString();
    const results: unknown[] = [];
    const missing: string[] = [];
    for (const input of batch.inputs) {
      const key = String(input.id ?? '');
      const contact = findBy(idProperty, key);
      if (contact) results.push(asListed(contact, [...new Set([...wanted, ...ALWAYS_READ])]));
      else missing.push(key);
    }
    const completedAt = new Date(now()).toISOString();
    if (missing.length === 0)
      return { status: 200, body: { status: 'COMPLETE', results, startedAt, completedAt } };
    return {
      status: 207,
      body: {
        status: 'COMPLETE',
        results,
        numErrors: 1,
        errors: [
          {
            status: 'error',
            category: 'OBJECT_NOT_FOUND',
            message:
              'Could not get some CONTACT objects, they may be deleted or not exist. Check that ids are valid.',
            context: { ids: missing },
          },
        ],
        startedAt,
        completedAt,
      },
    };
  }

  /** Per-input problems HubSpot would refuse: a bad email, a read-only or malformed property, or an injected fault. */
  function inputProblems(input: UpsertInput): PropertyProblem[] {
    const problems: PropertyProblem[] = [];
    if (
      typeof input.properties !== 'object' ||
      input.properties === null ||
      Array.isArray(input.properties)
    ) {
      problems.push({ error: 'INVALID_VALUE', name: 'properties', message: 'properties must be an object' });
      return problems;
    }
    for (const [name, value] of Object.entries(input.properties)) {
      if (!PROPERTY_NAME.test(name)) {
        problems.push({ error: 'PROPERTY_DOESNT_EXIST', name, message: `Property "${name}" does not exist` });
      } else if (READ_ONLY_PROPERTIES.has(name)) {
        problems.push({
          error: 'READ_ONLY_VALUE',
          name,
          message: `"${name}" is a read only property; its value cannot be set.`,
        });
      } else if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
        problems.push({
          error: 'INVALID_VALUE',
          name,
          message: `${String(value)} is not a valid value for ${name}`,
        });
      } else if (name === 'email' && !EMAIL.test(String(value))) {
        problems.push(invalidEmail(String(value)));
      } else {
        problems.push(...optionProblems(name, String(value)));
      }
    }
    if (problems.length === 0 && sandbox.failRecord()) {
      problems.push({
        error: 'INVALID_EMAIL',
        name: 'email',
        message: `Email address ${String(input.id ?? '')} is invalid`,
      });
    }
    return problems;
  }

  /** An enumeration property (hs_legal_basis) takes only its options, several joined by `;`. */
  function optionProblems(name: string, value: string): PropertyProblem[] {
    const property = properties.get(name);
    if (property?.type !== 'enumeration' || value === '') return [];
    const allowed = new Set(property.options.map((option) => option.value));
    const bad = value.split(';').find((part) => !allowed.has(part));
    if (bad === undefined) return [];
    const message =
      name === LEGAL_BASIS_PROPERTY
        ? `${bad} was not one of the allowed options: ${[...allowed].join(', ')}`
        : `${bad} was not one of the allowed options`;
    return [{ error: 'INVALID_OPTION', name, message }];
  }

  function list(request: SandboxRequest): SandboxResponse {
    const limitParam = Number(request.query.get('limit') ?? LIST_DEFAULT_LIMIT);
    const pageSize =
      Number.isInteger(limitParam) && limitParam > 0
        ? Math.min(limitParam, LIST_MAX_LIMIT)
        : LIST_DEFAULT_LIMIT;
    const after = Number(request.query.get('after') ?? 0);
    const wanted = requestedProperties(request.query);
    const ordered = [...contacts.values()]
      .filter((contact) => !Number.isFinite(after) || Number(contact.id) >= after)
      .sort((a, b) => Number(a.id) - Number(b.id));
    const page = ordered.slice(0, pageSize);
    const next = ordered[pageSize];
    const body: Record<string, unknown> = { results: page.map((contact) => asListed(contact, wanted)) };
    if (next) {
      const query = new URLSearchParams({ limit: String(pageSize), after: next.id });
      body.paging = { next: { after: next.id, link: `/crm/v3/objects/contacts?${query}` } };
    }
    return { status: 200, body };
  }

  function read(request: SandboxRequest): SandboxResponse {
    const key = request.params.contactId ?? '';
    const idProperty = request.query.get('idProperty') ?? 'hs_object_id';
    if (idProperty !== 'hs_object_id' && !properties.isIdProperty(idProperty))
      return nonUnique(idProperty, 'read');
    const contact = findBy(idProperty, key);
    if (!contact) {
      return errorResponse(404, 'OBJECT_NOT_FOUND', 'Object not found.  objectId are usually numeric.', {
        context: { id: [idProperty === 'email' ? '<email>' : key] },
      });
    }
    return { status: 200, body: asListed(contact, requestedProperties(request.query)) };
  }

  sandbox.route('POST', '/crm/v3/objects/contacts/batch/upsert', api(upsert));
  sandbox.route('POST', '/crm/v3/objects/contacts/batch/read', api(batchRead));
  sandbox.route('POST', '/crm/v3/objects/contacts/batch/create', api(create));
  sandbox.route('POST', '/crm/v3/objects/contacts/batch/update', api(update));
  sandbox.route('GET', '/crm/v3/objects/contacts', api(list));
  sandbox.route('GET', '/crm/v3/objects/contacts/:contactId', api(read));

  // ── GDPR delete (erasure, adapters/hubspot/erase.ts) ──
  /**
   * POST /crm/v3/objects/contacts/gdpr-delete `{ objectId, idProperty? }`: removes the contact
   * (by id, or by email with idProperty "email") and answers 204 with no body. An email that holds
   * no contact is also answered 204 (HubSpot blocklists it for its UI and imports, which the sandbox
   * does not have; the API may create it again); an unknown id is a 404.
   */
  function gdprDelete(request: SandboxRequest): SandboxResponse {
    const parsed = parseJson(request.body);
    const input = parsed.ok ? (parsed.value as { objectId?: unknown; idProperty?: unknown } | null) : null;
    if (!input || typeof input.objectId !== 'string' || input.objectId === '') {
      counts.validationErrors++;
      return errorResponse(400, 'VALIDATION_ERROR', 'Invalid input JSON: objectId is required', {
        errors: [{ message: 'objectId is required', code: 'REQUIRED_FIELD', in: 'objectId' }],
      });
    }
    const idProperty = typeof input.idProperty === 'string' ? input.idProperty : 'hs_object_id';
    if (idProperty !== 'hs_object_id' && idProperty !== 'email') return nonUnique(idProperty, 'GDPR delete');
    const contact = findBy(idProperty, input.objectId);
    if (!contact) {
      if (idProperty === 'email') return { status: 204 };
      return errorResponse(404, 'OBJECT_NOT_FOUND', 'Object not found.  objectId are usually numeric.', {
        context: { id: [input.objectId] },
      });
    }
    contacts.delete(contact.id);
    contactsChanged();
    return { status: 204 };
  }
  sandbox.route('POST', '/crm/v3/objects/contacts/gdpr-delete', api(gdprDelete));
  // ── end GDPR delete ──
  for (const [method, path, handler] of properties.routes()) sandbox.route(method, path, api(handler));
  return sandbox;
}

/** What `leadpipe setup hubspot` leaves in a portal, with the default person id property. */
function setUpPortal(): InstalledProperties {
  return { groups: [LEADPIPE_GROUP], properties: leadpipeProperties() };
}

function zeroCounts(): HubspotSandboxCounts {
  return {
    total: 0,
    upsertCalls: 0,
    upsertInputs: 0,
    readCalls: 0,
    createCalls: 0,
    updateCalls: 0,
    propertyCalls: 0,
    created: 0,
    updated: 0,
    rateLimited: 0,
    faultRateLimited: 0,
    serverErrors: 0,
    unauthorized: 0,
    validationErrors: 0,
    recordErrors: 0,
  };
}

function limitHeaders(limit: { max: number; intervalMs: number }, remaining: number): Record<string, string> {
  return {
    'x-hubspot-ratelimit-max': String(limit.max),
    'x-hubspot-ratelimit-remaining': String(Math.max(0, remaining)),
    'x-hubspot-ratelimit-interval-milliseconds': String(limit.intervalMs),
  };
}

function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return match?.[1];
}

function parseJson(body: Buffer): { ok: true; value: unknown } | { ok: false; problem: string } {
  try {
    return { ok: true, value: JSON.parse(body.toString('utf8')) };
  } catch (error) {
    return { ok: false, problem: error instanceof Error ? error.message : 'unreadable JSON' };
  }
}

function duplicateIds(inputs: readonly UpsertInput[]): string[] {
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const input of inputs) {
    if (typeof input.id !== 'string') continue;
    const key = input.id.toLowerCase();
    if (seen.has(key)) duplicates.add(input.id);
    seen.add(key);
  }
  return [...duplicates];
}

function invalidEmail(value: string): PropertyProblem {
  return { error: 'INVALID_EMAIL', name: 'email', message: `Email address ${value} is invalid` };
}

function stringProperties(properties: unknown): Record<string, string> {
  const strings: Record<string, string> = {};
  for (const [name, value] of Object.entries(properties as Record<string, unknown>))
    strings[name] = String(value);
  return strings;
}

function requestedProperties(query: URLSearchParams): string[] {
  const asked = query
    .getAll('properties')
    .flatMap((value) => value.split(','))
    .map((name) => name.trim())
    .filter(Boolean);
  return asked.length > 0 ? asked : DEFAULT_LIST_PROPERTIES;
}

/** A contact as HubSpot lists it; a property without a value is left out, as HubSpot documents. */
function asListed(contact: StoredContact, wanted?: readonly string[]) {
  const properties: Record<string, string> = {};
  for (const name of wanted ?? Object.keys(contact.properties)) {
    const value = contact.properties[name];
    if (value !== undefined) properties[name] = value;
  }
  return {
    id: contact.id,
    properties,
    createdAt: contact.createdAt,
    updatedAt: contact.updatedAt,
    archived: false,
  };
}
