import { Sandbox, type SandboxOptions, type SandboxRequest, type SandboxResponse } from '../sandbox/kit.ts';
import {
  errorResponse,
  type PropertyProblem,
  problemDetails,
  propertyProblemsMessage,
  rateLimited,
  serverError,
  unauthorized,
} from './sandbox-bodies.ts';

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
}

/** What a benchmark or a test reads from GET /__sandbox/records. */
export interface HubspotSandboxCounts {
  /** Every request that reached a HubSpot route (faults included). */
  total: number;
  upsertCalls: number;
  upsertInputs: number;
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

/** A local HubSpot: CRM v3 contacts batch upsert, list and read, with HubSpot's errors and rate limits. */
export function createHubspotSandbox(options: HubspotSandboxOptions = {}): Sandbox {
  const now = options.now ?? Date.now;
  const limit =
    options.rateLimit === false ? undefined : (options.rateLimit ?? { max: 190, intervalMs: 10_000 });
  const tokens = options.accessTokens ? new Set(options.accessTokens) : undefined;
  const multiStatus = options.multiStatus ?? true;
  const portalId = options.portalId ?? '12345678';

  const contacts = new Map<string, StoredContact>();
  const idsByEmail = new Map<string, string>();
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
        requests: { ...counts },
      }),
      reset: () => {
        contacts.clear();
        idsByEmail.clear();
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

  function upsert(request: SandboxRequest): SandboxResponse {
    counts.upsertCalls++;
    const startedAt = new Date(now()).toISOString();
    const parsed = parseJson(request.body);
    if (!parsed.ok) {
      counts.validationErrors++;
      return errorResponse(
        400,
        'VALIDATION_ERROR',
        `Invalid input JSON on line 1, column 1: ${parsed.problem}`,
      );
    }
    const inputs = (parsed.value as { inputs?: unknown } | null)?.inputs;
    if (!Array.isArray(inputs)) {
      counts.validationErrors++;
      return errorResponse(
        400,
        'VALIDATION_ERROR',
        'Invalid input JSON: "inputs" must be an array of objects',
      );
    }
    if (inputs.length > HUBSPOT_SANDBOX_BATCH_LIMIT) {
      counts.validationErrors++;
      return errorResponse(
        400,
        'VALIDATION_ERROR',
        `The maximum number of inputs supported in a batch request is ${HUBSPOT_SANDBOX_BATCH_LIMIT}. Please reduce the number of items and try again`,
      );
    }
    counts.upsertInputs += inputs.length;
    const typed = inputs.map(
      (input): UpsertInput => (typeof input === 'object' && input !== null ? input : {}),
    );
    const duplicates = duplicateIds(typed);
    if (duplicates.length > 0) {
      counts.validationErrors++;
      return errorResponse(
        400,
        'VALIDATION_ERROR',
        `Duplicate IDs found in batch input: [${duplicates.join(', ')}]. IDs must be unique`,
      );
    }

    const checked = typed.map((input) => ({ input, problems: inputProblems(input) }));
    const traced = typed.length > 0 && typed.every((input) => typeof input.objectWriteTraceId === 'string');
    const firstBad = checked.find((entry) => entry.problems.length > 0);
    if (firstBad && !(multiStatus && traced)) {
      counts.validationErrors++;
      return errorResponse(400, 'VALIDATION_ERROR', propertyProblemsMessage(firstBad.problems, portalId), {
        errors: problemDetails(firstBad.problems),
      });
    }

    const results: unknown[] = [];
    const errors: unknown[] = [];
    for (const { input, problems } of checked) {
      if (problems.length > 0) {
        counts.recordErrors++;
        errors.push({
          status: 'error',
          category: 'VALIDATION_ERROR',
          message: propertyProblemsMessage(problems, portalId),
          context: { objectWriteTraceId: [String(input.objectWriteTraceId)] },
        });
        continue;
      }
      const { contact, created } = write(String(input.id), stringProperties(input.properties));
      results.push({
        ...asListed(contact),
        new: created,
        ...(typeof input.objectWriteTraceId === 'string'
          ? { objectWriteTraceId: input.objectWriteTraceId }
          : {}),
      });
    }
    const completedAt = new Date(now()).toISOString();
    if (errors.length === 0)
      return { status: 200, body: { status: 'COMPLETE', results, startedAt, completedAt } };
    return {
      status: 207,
      body: { status: 'COMPLETE', results, numErrors: errors.length, errors, startedAt, completedAt },
    };
  }

  /** Per-input problems HubSpot would refuse: a bad email, a read-only or malformed property, or an injected fault. */
  function inputProblems(input: UpsertInput): PropertyProblem[] {
    const problems: PropertyProblem[] = [];
    if (input.idProperty !== 'email') {
      problems.push({
        error: 'INVALID_ID_PROPERTY',
        name: String(input.idProperty ?? 'idProperty'),
        message: 'The sandbox upserts contacts by email only: set idProperty to "email"',
      });
    }
    const id = typeof input.id === 'string' ? input.id : '';
    if (!EMAIL.test(id)) problems.push(invalidEmail(id));
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
      }
    }
    if (problems.length === 0 && sandbox.failRecord()) {
      problems.push({ error: 'INVALID_EMAIL', name: 'email', message: `Email address ${id} is invalid` });
    }
    return problems;
  }

  /** Upsert by email, case-insensitively: update the existing contact, else create one. */
  function write(
    email: string,
    properties: Record<string, string>,
  ): { contact: StoredContact; created: boolean } {
    const key = email.toLowerCase();
    const at = new Date(now()).toISOString();
    const existingId = idsByEmail.get(key);
    const existing = existingId ? contacts.get(existingId) : undefined;
    if (existing) {
      Object.assign(existing.properties, properties, { email: key, lastmodifieddate: at });
      existing.updatedAt = at;
      counts.updated++;
      return { contact: existing, created: false };
    }
    const id = String(nextId++);
    const contact: StoredContact = {
      id,
      properties: { ...properties, email: key, createdate: at, lastmodifieddate: at, hs_object_id: id },
      createdAt: at,
      updatedAt: at,
    };
    contacts.set(id, contact);
    idsByEmail.set(key, id);
    counts.created++;
    return { contact, created: true };
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
    const byEmail = request.query.get('idProperty') === 'email';
    const id = byEmail ? idsByEmail.get(key.toLowerCase()) : key;
    const contact = id ? contacts.get(id) : undefined;
    if (!contact) {
      return errorResponse(404, 'OBJECT_NOT_FOUND', 'Object not found.  objectId are usually numeric.', {
        context: { id: [byEmail ? '<email>' : key] },
      });
    }
    return { status: 200, body: asListed(contact, requestedProperties(request.query)) };
  }

  sandbox.route('POST', '/crm/v3/objects/contacts/batch/upsert', api(upsert));
  sandbox.route('GET', '/crm/v3/objects/contacts', api(list));
  sandbox.route('GET', '/crm/v3/objects/contacts/:contactId', api(read));
  return sandbox;
}

function zeroCounts(): HubspotSandboxCounts {
  return {
    total: 0,
    upsertCalls: 0,
    upsertInputs: 0,
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
