import { randomBytes } from 'node:crypto';
import type { SandboxResponse } from '../sandbox/kit.ts';
import { TOKEN_EXPIRED_SUBCODE, TOKEN_INVALID_CODE, UNKNOWN_OBJECT_CODE } from './limits.ts';

/** The Graph API's error body: `{ error: { message, type, code, error_subcode?, fbtrace_id } }`. */
export interface GraphError {
  message: string;
  type: string;
  code: number;
  error_subcode?: number;
  is_transient?: boolean;
  fbtrace_id: string;
}

/** fbtrace_id: an opaque id Meta support asks for, 11 characters of base64url in Meta's answers. */
const traceId = () => randomBytes(8).toString('base64url').slice(0, 11);

/** A Graph error answer; the Graph API answers application errors with HTTP 400 unless noted. */
export function graphError(
  error: Omit<GraphError, 'fbtrace_id'>,
  status = 400,
  headers: Record<string, string> = {},
): SandboxResponse {
  return {
    status,
    headers: {
      'www-authenticate': `OAuth "Facebook Platform" "${wwwAuthenticateCode(error.code)}" "${error.message}"`,
      ...headers,
    },
    body: { error: { ...error, fbtrace_id: traceId() } },
  };
}

function wwwAuthenticateCode(code: number): string {
  return code === TOKEN_INVALID_CODE ? 'invalid_token' : 'invalid_request';
}

export const noToken = (): SandboxResponse =>
  graphError({
    message: 'An access token is required to request this resource.',
    type: 'OAuthException',
    code: 104,
  });

export const invalidToken = (): SandboxResponse =>
  graphError({
    message: 'Invalid OAuth access token - Cannot parse access token',
    type: 'OAuthException',
    code: TOKEN_INVALID_CODE,
  });

/** 190 / 463, Meta's words for an expired session, with the times it names. */
export function expiredToken(now: Date): SandboxResponse {
  const expiredAt = new Date(now.getTime() - 3_600_000);
  return graphError({
    message: `Error validating access token: Session has expired on ${graphDate(expiredAt)}. The current time is ${graphDate(now)}.`,
    type: 'OAuthException',
    code: TOKEN_INVALID_CODE,
    error_subcode: TOKEN_EXPIRED_SUBCODE,
  });
}

/** Meta writes "Tuesday, 01-Dec-26 17:00:00 PST"; the sandbox writes the same instant in UTC. */
function graphDate(at: Date): string {
  const weekday = at.toLocaleDateString('en-US', { weekday: 'long', timeZone: 'UTC' });
  const month = at.toLocaleDateString('en-US', { month: 'short', timeZone: 'UTC' });
  const iso = at.toISOString();
  return `${weekday}, ${iso.slice(8, 10)}-${month}-${iso.slice(2, 4)} ${iso.slice(11, 19)} UTC`;
}

export const unknownObject = (id: string): SandboxResponse =>
  graphError({
    message: `Unsupported get request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api`,
    type: 'GraphMethodException',
    code: UNKNOWN_OBJECT_CODE,
    error_subcode: 33,
  });

export const unknownField = (field: string): SandboxResponse =>
  graphError({
    message: `(#100) Tried accessing nonexisting field (${field}) on node type (LeadgenInfo)`,
    type: 'OAuthException',
    code: UNKNOWN_OBJECT_CODE,
  });

export const unknownPath = (path: string): SandboxResponse =>
  graphError({ message: `Unknown path components: ${path}`, type: 'OAuthException', code: 2500 });

const RATE_LIMIT_MESSAGES: Record<number, string> = {
  4: '(#4) Application request limit reached',
  17: '(#17) User request limit reached',
  32: '(#32) Page request limit reached',
  613: '(#613) Calls to this api have exceeded the rate limit.',
};

/**
 * A throttled call: HTTP 400 (403 for code 4, as Meta answers app-level throttling), the code's
 * message, is_transient, and the usage header Meta sends with it: X-App-Usage for app and user
 * limits, X-Business-Use-Case-Usage (with estimated_time_to_regain_access, minutes) for a Page's.
 */
export function rateLimited(code: number, pageId: string, regainMinutes: number): SandboxResponse {
  const usage = { call_count: 100, total_cputime: 28, total_time: 41 };
  const headers: Record<string, string> =
    code === 32 || code === 613
      ? {
          'x-business-use-case-usage': JSON.stringify({
            [pageId]: [{ type: 'pages', ...usage, estimated_time_to_regain_access: regainMinutes }],
          }),
        }
      : { 'x-app-usage': JSON.stringify(usage) };
  return graphError(
    {
      message: RATE_LIMIT_MESSAGES[code] ?? `(#${code}) Request limit reached`,
      type: 'OAuthException',
      code,
      is_transient: true,
    },
    code === 4 ? 403 : 400,
    headers,
  );
}

/** Meta's passing failure: code 2, "An unexpected error has occurred", HTTP 500. */
export const serviceError = (): SandboxResponse =>
  graphError(
    {
      message: 'An unexpected error has occurred. Please retry your request later.',
      type: 'OAuthException',
      code: 2,
      is_transient: true,
    },
    500,
  );

/** Any Graph error by code, for the `__sandbox/graph-faults` injection. */
export function errorFor(
  code: number,
  subcode: number | undefined,
  context: { now: Date; id: string; pageId: string; regainMinutes: number },
): SandboxResponse {
  if (code === TOKEN_INVALID_CODE)
    return subcode === TOKEN_EXPIRED_SUBCODE ? expiredToken(context.now) : invalidToken();
  if (code in RATE_LIMIT_MESSAGES) return rateLimited(code, context.pageId, context.regainMinutes);
  if (code === UNKNOWN_OBJECT_CODE) return unknownObject(context.id);
  if (code === 1 || code === 2) return serviceError();
  return graphError({
    message: `(#${code}) Injected by the sandbox`,
    type: 'OAuthException',
    code,
    ...(subcode !== undefined ? { error_subcode: subcode } : {}),
  });
}
