import type { LeadpipeConfig } from '../../schemas/generated/config.ts';
import { describeDeadLetter } from '../deliver/dead-letter.ts';
import { HttpError } from '../http/errors.ts';
import { LedgerQueryError, normaliseQuery, queryFromText } from '../ledger/search-terms.ts';
import type { DeliveryQueue, LeadLedger, LedgerQuery, QuarantineStore, RedriveResult } from '../ports.ts';
import type { ReplayResult } from '../quarantine/replay.ts';
import { summarise } from '../quarantine/summary.ts';
import { destinationOverview } from './activity.ts';
import type {
  DeadLettersPage,
  FeedPage,
  Overview,
  QuarantineEntryView,
  QuarantinePage,
  RedriveAnswer,
  SourceCatalogEntry,
} from './types.ts';

export interface ConsoleDependencies {
  /** The live config: the host rebuilds the API when it changes. */
  config: LeadpipeConfig;
  configVersion: { version: string; loadedAt: string };
  host: 'local' | 'aws';
  /** Where senders reach this host, for the catalog's webhook URLs. */
  baseUrl: string;
  ledger: LeadLedger;
  queues: Readonly<Record<string, DeliveryQueue>>;
  quarantine: QuarantineStore;
  /** Replays one quarantined payload with the live config; `by` is who asked. */
  replay: (leadId: string, by: string) => Promise<ReplayResult>;
  /** Moves dead letters back (all, or those ids) and writes their `redriven` steps; `by` is who asked. */
  redrive: (destination: string, options: { messageIds?: string[] }, by: string) => Promise<RedriveResult>;
  now?: () => number;
}

export interface ConsoleRequest {
  method: string;
  /** The path after /ops/api, e.g. `/leads/lead_…`. */
  path: string;
  query: URLSearchParams;
  /** Lower-cased names. */
  headers: Readonly<Record<string, string | undefined>>;
  /** The raw body, for POSTs. */
  body?: string;
  /** Who is asking (the local console's token holder, or the JWT subject on AWS), for the ledger. */
  actor: string;
}

export interface ConsoleResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

type Handler = (request: ConsoleRequest, params: string[]) => Promise<unknown>;

interface Route {
  pattern: RegExp;
  methods: Partial<Record<'GET' | 'POST', Handler>>;
}

/**
 * The console's JSON API (the contract is functions/console/types.ts), on the ports alone: the
 * local host serves it under its token, AWS behind the HTTP API's JWT authorizer. Every refusal
 * is `{"error":{"code","message"}}`; actions are POSTs with a JSON body, same-origin only.
 */
export function createConsoleApi(
  deps: ConsoleDependencies,
): (request: ConsoleRequest) => Promise<ConsoleResponse> {
  const now = deps.now ?? Date.now;
  const phoneRegion = deps.config.settings?.phoneRegion ?? 'US';
  const destination = (name: string): DeliveryQueue => {
    const queue = Object.hasOwn(deps.queues, name) ? deps.queues[name] : undefined;
    if (!queue) {
      throw new HttpError(
        404,
        'not_found',
        `There is no destination "${name}". Destinations: ${Object.keys(deps.queues).join(', ')}.`,
      );
    }
    return queue;
  };

  const routes: Route[] = [
    { pattern: /^\/overview$/, methods: { GET: () => overview() } },
    {
      pattern: /^\/leads$/,
      methods: { GET: (request) => deps.ledger.search(leadQuery(request.query, phoneRegion)) },
    },
    {
      pattern: /^\/leads\/([^/]+)$/,
      methods: {
        GET: async (_request, [leadId = '']) => {
          const timeline = await deps.ledger.timeline(leadId);
          if (!timeline)
            throw new HttpError(
              404,
              'not_found',
              `The ledger has no lead ${leadId} (it may be older than the retention).`,
            );
          return timeline;
        },
      },
    },
    {
      pattern: /^\/feed$/,
      methods: {
        GET: async (request): Promise<FeedPage> => {
          const since = timeParameter(request.query, 'since') ?? new Date(now() - 5 * 60_000).toISOString();
          const events = await deps.ledger.recent({ since, limit: pageSize(request.query, 500, 5000) });
          return { events, next: events.at(-1)?.at ?? since };
        },
      },
    },
    {
      pattern: /^\/destinations\/([^/]+)\/dead-letters$/,
      methods: {
        GET: async (request, [name = '']): Promise<DeadLettersPage> => {
          const stored = await destination(name).peekDeadLetters(pageSize(request.query, 50, 200));
          return { destination: name, deadLetters: stored.map(describeDeadLetter) };
        },
      },
    },
    {
      pattern: /^\/destinations\/([^/]+)\/redrive$/,
      methods: {
        POST: async (request, [name = '']): Promise<RedriveAnswer> => {
          destination(name);
          const body = jsonBody(request) as { messageIds?: unknown };
          const messageIds = body.messageIds;
          if (
            messageIds !== undefined &&
            !(Array.isArray(messageIds) && messageIds.every((id) => typeof id === 'string'))
          ) {
            throw new HttpError(
              400,
              'invalid_body',
              'messageIds must be a list of dead-letter message ids, or left out to redrive all.',
            );
          }
          const result = await deps.redrive(name, messageIds ? { messageIds } : {}, request.actor);
          return { destination: name, ...result };
        },
      },
    },
    {
      pattern: /^\/quarantine$/,
      methods: {
        GET: async (): Promise<QuarantinePage> => ({
          entries: (await deps.quarantine.list()).map((entry) => {
            const { headers: _headers, ...listed } = summarise(entry);
            return listed;
          }),
        }),
      },
    },
    {
      pattern: /^\/quarantine\/([^/]+)$/,
      methods: {
        GET: async (_request, [leadId = '']): Promise<QuarantineEntryView> => {
          const entry = await deps.quarantine.get(leadId);
          if (!entry)
            throw new HttpError(
              404,
              'not_found',
              `Nothing is quarantined as ${leadId} (replayed, expired, or a wrong id).`,
            );
          const { headers = {}, ...listed } = summarise(entry);
          return { ...listed, headers, body: bodyView(entry.body) };
        },
      },
    },
    {
      pattern: /^\/quarantine\/([^/]+)\/replay$/,
      methods: {
        POST: async (request, [leadId = '']) => {
          jsonBody(request);
          return deps.replay(leadId, request.actor);
        },
      },
    },
  ];

  async function overview(): Promise<Overview> {
    const since = now() - 3_600_000;
    const [recent, quarantined, destinations] = await Promise.all([
      deps.ledger.recent({ since: new Date(since).toISOString(), limit: 5000 }),
      deps.quarantine.list(),
      Promise.all(
        Object.entries(deps.queues).map(async ([name, queue]) => ({ name, depth: await queue.depth() })),
      ),
    ]);
    return {
      config: deps.configVersion,
      host: deps.host,
      sources: catalog(deps.config, deps.baseUrl),
      destinations: destinations.map(({ name, depth }) =>
        destinationOverview({
          name,
          type: deps.config.destinations[name]?.type ?? 'unknown',
          depth,
          events: recent,
          since,
          now: now(),
        }),
      ),
      quarantine: { count: quarantined.length },
      liveFeed: deps.host === 'local' ? 'sse' : 'poll',
    };
  }

  return async (request) => {
    try {
      const route = routes.find(({ pattern }) => pattern.test(request.path));
      if (!route) throw new HttpError(404, 'not_found', `The console API has no ${request.path}.`);
      const method = request.method.toUpperCase() as 'GET' | 'POST';
      const handler = route.methods[method];
      if (!handler) {
        const allow = Object.keys(route.methods).join(', ');
        throw new HttpError(
          405,
          'method_not_allowed',
          `${request.path} takes ${allow}, not ${request.method}.`,
          {
            headers: { allow },
          },
        );
      }
      if (method === 'POST') refuseCrossOrigin(request);
      const params = (route.pattern.exec(request.path) ?? []).slice(1).map(decodeSegment);
      return { status: 200, body: await handler(request, params) };
    } catch (error) {
      if (error instanceof HttpError && error.expose) {
        return {
          status: error.statusCode,
          body: { error: { code: error.code, message: error.message } },
          headers: error.headers,
        };
      }
      if (error instanceof LedgerQueryError) {
        return { status: 400, body: { error: { code: 'invalid_query', message: error.message } } };
      }
      // Anything else is ours: the host answers the generic 500 and logs it.
      throw error;
    }
  };
}

/** The catalog of sources: where each posts, how it is verified and mapped, who owns it, what it holds. */
export function catalog(config: LeadpipeConfig, baseUrl: string): SourceCatalogEntry[] {
  return Object.entries(config.sources).map(([name, source]) => ({
    name,
    webhookUrl: `${baseUrl}/webhooks/${encodeURIComponent(name)}`,
    scheme: source.verify.scheme,
    mapping: source.mapping.preset ?? 'jsonata',
    ...(source.description ? { description: source.description } : {}),
    ...(source.owner ? { owner: source.owner } : {}),
    dataClass: source.dataClass ?? 'personal',
  }));
}

/** The search: the one box (`q`), and the explicit criteria beside it. */
function leadQuery(query: URLSearchParams, phoneRegion: string): LedgerQuery {
  const combined: LedgerQuery = queryFromText(query.get('q') ?? '', phoneRegion);
  for (const key of [
    'leadId',
    'email',
    'phone',
    'correlationId',
    'source',
    'since',
    'until',
    'cursor',
  ] as const) {
    const value = query.get(key);
    if (value) combined[key] = value;
  }
  const limit = query.get('limit');
  if (limit) combined.limit = Number(limit) || undefined;
  return normaliseQuery(combined, phoneRegion);
}

function pageSize(query: URLSearchParams, fallback: number, max: number): number {
  const value = Number(query.get('limit') ?? fallback);
  return Number.isFinite(value) ? Math.min(max, Math.max(1, Math.trunc(value))) : fallback;
}

function timeParameter(query: URLSearchParams, key: string): string | undefined {
  const value = query.get(key);
  if (!value) return undefined;
  const time = Date.parse(value);
  if (Number.isNaN(time))
    throw new HttpError(400, 'invalid_query', `${key} "${value}" is not a date or time (ISO 8601).`);
  return new Date(time).toISOString();
}

function jsonBody(request: ConsoleRequest): unknown {
  const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') {
    throw new HttpError(
      415,
      'unsupported_media_type',
      'Actions take a JSON body: send content-type: application/json (an empty object will do).',
    );
  }
  if (!request.body) return {};
  try {
    const parsed: unknown = JSON.parse(request.body);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed;
  } catch {}
  throw new HttpError(400, 'invalid_body', 'The body is not a JSON object.');
}

/**
 * Actions come from the console's own page only. A browser names where a request comes from
 * (Origin; Sec-Fetch-Site on every modern one); a script with the token, like the CLI, sends neither.
 */
function refuseCrossOrigin(request: ConsoleRequest): void {
  const site = request.headers['sec-fetch-site'];
  const origin = request.headers.origin;
  const host = request.headers.host;
  let sameOrigin = site === undefined || site === 'same-origin';
  if (origin !== undefined) {
    try {
      sameOrigin &&= host !== undefined && new URL(origin).host === host;
    } catch {
      sameOrigin = false;
    }
  }
  if (!sameOrigin) {
    throw new HttpError(
      403,
      'cross_origin',
      'Console actions are taken from the console page itself, not from another site.',
    );
  }
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, 'malformed_path', 'The path is not valid percent-encoding.');
  }
}

/** A body as text when it is UTF-8 (what people can read), else base64. */
function bodyView(base64: string): QuarantineEntryView['body'] {
  const bytes = Buffer.from(base64, 'base64');
  const text = bytes.toString('utf8');
  return Buffer.from(text, 'utf8').equals(bytes)
    ? { encoding: 'utf8', text }
    : { encoding: 'base64', text: base64 };
}
