/** The fields of HubSpot's error body (`{status:"error", message, correlationId, category, ...}`) that matter here. */
export interface HubspotErrorBody {
  message?: string;
  category?: string;
  correlationId?: string;
  policyName?: string;
  errorType?: string;
  context?: Record<string, unknown>;
  errors?: { message?: string; code?: string; context?: Record<string, unknown> }[];
}

/** HubSpot's own rolling-window length, used when a 429 names the ten-secondly policy without headers. */
export const HUBSPOT_ROLLING_WINDOW_MS = 10_000;
/** A daily limit resets at midnight in the portal's time zone, which the adapter cannot know: look again in an hour. */
export const DAILY_LIMIT_RETRY_MS = 3_600_000;
/** HubSpot asks for at least 2 s between calls after a 423 Locked. */
export const LOCKED_RETRY_MS = 2_000;

const EMAIL_PATTERN = /[^\s"'\\<>()[\]{},;:]+@[^\s"'\\<>()[\]{},;:]+/g;

/** Removes anything that looks like an email address: HubSpot quotes the invalid value in its messages. */
export function redactEmails(text: string): string {
  return text.replace(EMAIL_PATTERN, '<email>');
}

/** Parses an error body; anything that is not a JSON object yields an empty body. */
export function parseErrorBody(text: string): HubspotErrorBody {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as HubspotErrorBody)
      : {};
  } catch {
    return {};
  }
}

/** A reason for an outcome: HubSpot's category and message, emails removed, never the token. */
export function describeError(status: number, body: HubspotErrorBody): string {
  const category = body.category ?? body.errorType;
  const message = body.message ? redactEmails(body.message) : 'no message';
  return `HubSpot ${status}${category ? ` ${category}` : ''}: ${message}`;
}

/**
 * How long to wait after a 429: Retry-After when HubSpot (or a proxy) sends it; for the
 * ten-secondly policy the rolling window from X-HubSpot-RateLimit-Interval-Milliseconds;
 * for the daily policy an hour.
 */
export function rateLimitWait(headers: Readonly<Record<string, string>>, body: HubspotErrorBody): number {
  const retryAfter = retryAfterMs(headers['retry-after']);
  if (retryAfter !== undefined) return retryAfter;
  if (body.policyName === 'DAILY') return DAILY_LIMIT_RETRY_MS;
  const interval = Number(headers['x-hubspot-ratelimit-interval-milliseconds']);
  return Number.isFinite(interval) && interval > 0 ? interval : HUBSPOT_ROLLING_WINDOW_MS;
}

/** Reads Retry-After as seconds or an HTTP date. */
export function retryAfterMs(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** True when a 400 says a property itself is wrong (e.g. a mapping to a property the portal lacks): splitting cannot help. */
export function isWholeBatchPropertyError(body: HubspotErrorBody): boolean {
  if (body.errors?.some((error) => error.code === 'PROPERTY_DOESNT_EXIST')) return true;
  return body.message?.includes('PROPERTY_DOESNT_EXIST') ?? false;
}

/**
 * True when HubSpot refused a read or write keyed by `idProperty` because no unique property of
 * that name exists ("Unable to perform update/upsert by non-unique 0-1 property <name> ..."): the
 * portal lacks `leadpipe setup hubspot`, which no retry can fix.
 */
export function isMissingIdProperty(body: HubspotErrorBody, idProperty: string): boolean {
  const message = body.message ?? '';
  return /by non-unique/.test(message) && new RegExp(`property ${idProperty}\\b`).test(message);
}
