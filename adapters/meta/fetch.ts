/**
 * Fetches a Meta lead ad's answers from the Graph API: `GET /{version}/{leadgen-id}?fields=…`.
 *
 * Plain `fetch`, not an SDK: Meta's only Node package (facebook-nodejs-business-sdk) is a large,
 * untyped wrapper around the Marketing API whose lead reads are this one GET; it adds no retry or
 * error model leadpipe would use, and its global `FacebookAdsApi.init(token)` cannot hold one token
 * per source.
 */
import type { FetchOutcome, ReferenceFetcher, SenderReference } from '../../functions/enrich/types.ts';
import {
  GRAPH_API_BASE_URL,
  GRAPH_API_VERSION,
  GRAPH_TIMEOUT_MS,
  isPermissionCode,
  LEAD_FIELDS,
  RATE_LIMIT_CODES,
  TOKEN_EXPIRED_SUBCODE,
  TOKEN_INVALID_CODE,
  TRANSIENT_CODES,
  UNKNOWN_OBJECT_CODE,
} from './limits.ts';

export interface MetaFetcherOptions {
  /** The Page access token, resolved per call so that a replaced secret is used at the next attempt. */
  accessToken: () => Promise<string>;
  /** @default GRAPH_API_BASE_URL */
  baseUrl?: string;
  /** @default GRAPH_API_VERSION */
  version?: string;
  /** @default GRAPH_TIMEOUT_MS */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** The Graph API client of one Meta source. */
export function createMetaFetcher(options: MetaFetcherOptions): ReferenceFetcher {
  const base = (options.baseUrl ?? GRAPH_API_BASE_URL).replace(/\/$/, '');
  const version = options.version ?? GRAPH_API_VERSION;
  const call = options.fetch ?? fetch;
  return {
    async fetch(reference: SenderReference, fetchOptions = {}): Promise<FetchOutcome> {
      if (!/^\d+$/.test(reference.id))
        return { status: 'rejected', reason: 'the leadgen id is not a Graph id (digits)' };
      let token: string;
      try {
        token = await options.accessToken();
      } catch (error) {
        return {
          status: 'blocked',
          reason: `the Page access token could not be resolved (${(error as Error).name})`,
        };
      }
      const url = `${base}/${version}/${reference.id}?fields=${LEAD_FIELDS.join(',')}`;
      const timeoutMs = Math.max(
        1,
        Math.min(
          options.timeoutMs ?? GRAPH_TIMEOUT_MS,
          (fetchOptions.deadline ?? Number.POSITIVE_INFINITY) - Date.now(),
        ),
      );
      let response: Response;
      let body: unknown;
      try {
        // The token goes in the Authorization header, which the Graph API accepts like access_token:
        // a URL is what proxies and access logs keep.
        response = await call(url, {
          headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
          signal: AbortSignal.timeout(timeoutMs),
        });
        body = await response.json().catch(() => undefined);
      } catch (error) {
        return { status: 'retry', reason: `Graph API unreachable (${(error as Error).name})` };
      }
      return classifyGraphAnswer(response.status, body, response.headers);
    },
  };
}

interface GraphErrorBody {
  message?: unknown;
  type?: unknown;
  code?: unknown;
  error_subcode?: unknown;
  fbtrace_id?: unknown;
}

/**
 * What a Graph API answer means for the lead, by Meta's error codes (the HTTP status says little:
 * most errors are 400). Rate limits 4/17/32/613 and transient codes: retry, no sooner than a
 * Page's estimated_time_to_regain_access. 190 (token expired or invalid) and permission codes:
 * blocked until an operator fixes the token. 100 (no such lead, or not visible to this token):
 * rejected. Reasons name codes and fbtrace_id, never the message (which may quote an id or a name).
 */
export function classifyGraphAnswer(status: number, body: unknown, headers: Headers): FetchOutcome {
  const error = isObject(body) && isObject(body.error) ? (body.error as GraphErrorBody) : undefined;
  if (status >= 200 && status < 300 && !error) {
    if (isObject(body) && Array.isArray(body.field_data)) return { status: 'fetched', payload: body };
    return { status: 'retry', reason: `Graph API answered ${status} without field_data` };
  }
  if (!error || typeof error.code !== 'number') {
    return status >= 500 || status === 429
      ? { status: 'retry', reason: `Graph API answered ${status}` }
      : { status: 'rejected', reason: `Graph API answered ${status} without a Graph error body` };
  }
  const { code } = error;
  const subcode = typeof error.error_subcode === 'number' ? error.error_subcode : undefined;
  const trace = typeof error.fbtrace_id === 'string' ? `, fbtrace_id ${error.fbtrace_id.slice(0, 40)}` : '';
  const named = `Graph error ${code}${subcode !== undefined ? `/${subcode}` : ''} (${String(error.type ?? 'unknown type').slice(0, 40)}${trace})`;
  if (RATE_LIMIT_CODES.has(code)) {
    const regainMs = regainAccessMs(headers);
    return {
      status: 'retry',
      reason: `${named}: rate limited`,
      ...(regainMs !== undefined ? { retryAfterMs: regainMs } : {}),
    };
  }
  if (code === TOKEN_INVALID_CODE) {
    const what =
      subcode === TOKEN_EXPIRED_SUBCODE
        ? 'the Page access token has expired'
        : 'the Page access token is invalid or revoked';
    return {
      status: 'blocked',
      reason: `${named}: ${what}; replace the secret the source's enrich.accessToken names`,
    };
  }
  if (isPermissionCode(code))
    return {
      status: 'blocked',
      reason: `${named}: the token lacks a permission (leads_retrieval, Page access)`,
    };
  if (TRANSIENT_CODES.has(code) || status >= 500) return { status: 'retry', reason: `${named}: temporary` };
  if (code === UNKNOWN_OBJECT_CODE)
    return { status: 'rejected', reason: `${named}: no such lead, or the token's Page cannot see it` };
  return { status: 'rejected', reason: named };
}

/**
 * The wait a throttled Page is told: the largest estimated_time_to_regain_access (minutes) in
 * X-Business-Use-Case-Usage. Meta sends no Retry-After; without the header the backoff decides.
 */
export function regainAccessMs(headers: Headers): number | undefined {
  const raw = headers.get('x-business-use-case-usage');
  if (!raw) return undefined;
  let usage: unknown;
  try {
    usage = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (!isObject(usage)) return undefined;
  let minutes = 0;
  for (const entries of Object.values(usage)) {
    for (const entry of Array.isArray(entries) ? entries : []) {
      const value = isObject(entry) ? entry.estimated_time_to_regain_access : undefined;
      if (typeof value === 'number' && value > minutes) minutes = value;
    }
  }
  return minutes > 0 ? minutes * 60_000 : undefined;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
