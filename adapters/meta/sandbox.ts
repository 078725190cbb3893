import { Sandbox, type SandboxOptions, type SandboxRequest, type SandboxResponse } from '../sandbox/kit.ts';
import { KNOWN_LEAD_FIELDS } from './limits.ts';
import {
  errorFor,
  expiredToken,
  invalidToken,
  noToken,
  rateLimited,
  serviceError,
  unknownField,
  unknownObject,
  unknownPath,
} from './sandbox-errors.ts';

/** A lead as the Graph API keeps it (LeadgenInfo); `page_id` is the sandbox's own, for usage headers. */
export interface MetaSandboxLead {
  id: string;
  created_time: string;
  form_id: string;
  field_data: { name: string; values: string[] }[];
  ad_id?: string;
  adset_id?: string;
  campaign_id?: string;
  is_organic?: boolean;
  platform?: string;
  page_id?: string;
}

export interface MetaSandboxOptions extends SandboxOptions {
  /** Accepted access tokens; default any token that starts with "EAA", as Meta's do. */
  accessTokens?: string[];
  /** Tokens answered as expired (190 / 463) until `__sandbox/tokens` says otherwise. */
  expiredTokens?: string[];
  /** Minutes a throttled Page is told to wait (estimated_time_to_regain_access). Default 0. */
  regainAccessMinutes?: number;
  now?: () => number;
}

/** What GET /__sandbox/records answers. */
export interface MetaSandboxRecords {
  leads: MetaSandboxLead[];
  requests: {
    /** Every call to a Graph route (faults included). */
    total: number;
    /** Leads answered with their fields. */
    served: number;
    /** Graph errors sent, by code. */
    errors: Record<string, number>;
  };
}

/** An injected Graph error: `code` (and `subcode`) for the next `count` Graph calls. */
interface GraphFault {
  code: number;
  subcode?: number;
  remaining: number;
}

const VERSION = /^v\d+\.\d+$/;

/**
 * A local Meta Graph API for lead ads: `GET /v{version}/{leadgen-id}?access_token=…&fields=…`
 * answering the lead's `field_data`, with Meta's error bodies (190 invalid and 190/463 expired
 * tokens, 100 unknown objects and fields, 4/17/32/613 throttling with usage headers, 2 service
 * errors). Leads are seeded with `POST /__sandbox/leads`; `POST /__sandbox/tokens` expires or
 * restores tokens; `POST /__sandbox/graph-faults` answers the next N calls with a given code.
 */
export function createMetaSandbox(options: MetaSandboxOptions = {}): Sandbox {
  const now = options.now ?? Date.now;
  const accepted = options.accessTokens ? new Set(options.accessTokens) : undefined;
  const state = {
    leads: new Map<string, MetaSandboxLead>(),
    expired: new Set(options.expiredTokens ?? []),
    faults: [] as GraphFault[],
    requests: { total: 0, served: 0, errors: {} as Record<string, number> },
  };
  const counted = (response: SandboxResponse): SandboxResponse => {
    const code = (response.body as { error?: { code?: number } } | undefined)?.error?.code;
    if (code !== undefined) state.requests.errors[code] = (state.requests.errors[code] ?? 0) + 1;
    return response;
  };

  const sandbox = new Sandbox(
    'meta',
    {
      renderer: {
        serverError: () => {
          state.requests.total += 1;
          return counted(serviceError());
        },
        // Meta has no 429: a throttled app gets code 4 (Retry-After is not sent).
        rateLimited: () => {
          state.requests.total += 1;
          return counted(rateLimited(4, '0', options.regainAccessMinutes ?? 0));
        },
      },
      records: (): MetaSandboxRecords => ({
        leads: structuredClone([...state.leads.values()]),
        requests: structuredClone(state.requests),
      }),
      reset: () => {
        state.leads.clear();
        state.expired = new Set(options.expiredTokens ?? []);
        state.faults = [];
        state.requests = { total: 0, served: 0, errors: {} };
      },
    },
    options,
  );

  const read = (request: SandboxRequest): SandboxResponse => {
    state.requests.total += 1;
    const { version = '', id = '' } = request.params;
    if (!VERSION.test(version)) return counted(unknownPath(`/${version}/${id}`));
    const token = tokenOf(request);
    if (!token) return counted(noToken());
    const lead = state.leads.get(id);
    const fault = state.faults[0];
    if (fault) {
      fault.remaining -= 1;
      if (fault.remaining <= 0) state.faults.shift();
      return counted(
        errorFor(fault.code, fault.subcode, {
          now: new Date(now()),
          id,
          pageId: lead?.page_id ?? '0',
          regainMinutes: options.regainAccessMinutes ?? 0,
        }),
      );
    }
    if (state.expired.has(token)) return counted(expiredToken(new Date(now())));
    if (accepted ? !accepted.has(token) : !token.startsWith('EAA')) return counted(invalidToken());
    if (!lead) return counted(unknownObject(id));
    const fields = requestedFields(request.query.get('fields'));
    const unknown = fields.find((field) => !KNOWN_LEAD_FIELDS.has(field));
    if (unknown !== undefined) return counted(unknownField(unknown));
    state.requests.served += 1;
    return { status: 200, body: pick(lead, fields) };
  };

  sandbox.route('GET', '/:version/:id', read);
  sandbox.route('POST', '/__sandbox/leads', (request) => seedLeads(state.leads, request.body));
  sandbox.route('POST', '/__sandbox/tokens', (request) => setTokens(state.expired, request.body));
  sandbox.route('POST', '/__sandbox/graph-faults', (request) => {
    const parsed = parseFault(request.body);
    if (typeof parsed === 'string') return { status: 400, body: { error: parsed } };
    state.faults.push(parsed);
    return {
      status: 200,
      body: { pending: state.faults.map(({ code, subcode, remaining }) => ({ code, subcode, remaining })) },
    };
  });
  sandbox.route('DELETE', '/__sandbox/graph-faults', () => {
    state.faults = [];
    return { status: 204 };
  });
  return sandbox;
}

/** The token from `access_token` or an `Authorization: Bearer|OAuth` header, as the Graph API takes both. */
function tokenOf(request: SandboxRequest): string | undefined {
  const query = request.query.get('access_token');
  if (query) return query;
  const header = /^(?:Bearer|OAuth)\s+(\S+)$/i.exec(request.headers.authorization ?? '');
  return header?.[1];
}

/** Without `fields` a lead node answers id, created_time and field_data (the Graph API's default set). */
function requestedFields(fields: string | null): string[] {
  if (!fields) return ['created_time', 'id', 'field_data'];
  return fields
    .split(',')
    .map((field) => field.trim())
    .filter(Boolean);
}

/** The asked-for fields the lead has; `id` always, as every Graph node answers it. */
function pick(lead: MetaSandboxLead, fields: readonly string[]): Record<string, unknown> {
  const body: Record<string, unknown> = { id: lead.id };
  for (const field of fields) {
    if (field === 'page_id') continue;
    const value = (lead as unknown as Record<string, unknown>)[field];
    if (value !== undefined) body[field] = value;
  }
  return body;
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** `{ leads: [lead, …] }` or one lead: each needs id, form_id and field_data [{ name, values[] }]. */
export function seedLeads(leads: Map<string, MetaSandboxLead>, body: Buffer): SandboxResponse {
  const input = parseJson(body);
  const list = isObject(input) && Array.isArray(input.leads) ? input.leads : [input];
  const problems: string[] = [];
  const valid: MetaSandboxLead[] = [];
  list.forEach((item, index) => {
    const problem = leadProblem(item);
    if (problem) problems.push(`leads[${index}]: ${problem}`);
    else valid.push(item as MetaSandboxLead);
  });
  if (problems.length > 0) return { status: 400, body: { error: problems.join('; ') } };
  for (const lead of valid)
    leads.set(lead.id, { ...lead, created_time: lead.created_time ?? new Date().toISOString() });
  return { status: 201, body: { stored: valid.map((lead) => lead.id) } };
}

function leadProblem(item: unknown): string | undefined {
  if (!isObject(item)) return 'must be a lead object';
  if (typeof item.id !== 'string' || !/^\d+$/.test(item.id)) return 'id must be a string of digits';
  if (typeof item.form_id !== 'string') return 'form_id must be a string';
  if (!Array.isArray(item.field_data)) return 'field_data must be an array of { name, values }';
  const bad = item.field_data.findIndex(
    (entry) =>
      !isObject(entry) ||
      typeof entry.name !== 'string' ||
      !Array.isArray(entry.values) ||
      !entry.values.every((value) => typeof value === 'string'),
  );
  return bad < 0 ? undefined : `field_data[${bad}] must be { name: string, values: string[] }`;
}

/** `{ expired: [token…] }` expires tokens; `{ valid: [token…] }` makes them good again. */
function setTokens(expired: Set<string>, body: Buffer): SandboxResponse {
  const input = parseJson(body);
  if (!isObject(input))
    return { status: 400, body: { error: 'Body must be { expired?: string[], valid?: string[] }' } };
  for (const token of asStrings(input.expired)) expired.add(token);
  for (const token of asStrings(input.valid)) expired.delete(token);
  return { status: 200, body: { expired: expired.size } };
}

function parseFault(body: Buffer): GraphFault | string {
  const input = parseJson(body);
  if (!isObject(input) || !Number.isInteger(input.code))
    return 'Body must be { code: number, count?: number, subcode?: number }, e.g. {"code":190,"subcode":463,"count":2}';
  const count = input.count === undefined ? 1 : input.count;
  if (!Number.isInteger(count) || (count as number) < 1) return 'count must be a whole number >= 1';
  if (input.subcode !== undefined && !Number.isInteger(input.subcode))
    return 'subcode must be a whole number';
  return {
    code: input.code as number,
    remaining: count as number,
    ...(input.subcode !== undefined ? { subcode: input.subcode as number } : {}),
  };
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const asStrings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
