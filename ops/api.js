// The console's JSON API (functions/console/types.ts), with the token as a bearer header. The
// token arrives once in the address bar (/ops#token=…), is kept in sessionStorage for this tab
// only, and is taken out of the address bar at once so it is not bookmarked, shared or logged.

export const API = '/ops/api';
const TOKEN_KEY = 'leadpipe.console.token';

/** A refusal of the API (`{"error":{"code","message"}}`), or the host not answering (status 0). */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

/** The hash's parts: `#token=abc&lead=lead_…` or a bare view name (`#quarantine`). */
export function parseHash(hash) {
  const params = new Map();
  for (const part of hash.replace(/^#/, '').split('&')) {
    if (part === '') continue;
    const at = part.indexOf('=');
    const key = at === -1 ? part : part.slice(0, at);
    const value = at === -1 ? '' : part.slice(at + 1);
    try {
      params.set(decodeURIComponent(key), decodeURIComponent(value));
    } catch {
      params.set(key, value);
    }
  }
  return params;
}

/** The hash without its token, for history.replaceState. */
export function hashWithout(params, dropped) {
  const parts = [];
  for (const [key, value] of params) {
    if (key === dropped) continue;
    parts.push(
      value === '' ? encodeURIComponent(key) : `${encodeURIComponent(key)}=${encodeURIComponent(value)}`,
    );
  }
  return parts.length ? `#${parts.join('&')}` : '';
}

/**
 * Moves a token in the address bar into sessionStorage and rewrites the address without it (no
 * new history entry). True when there was one.
 */
export function takeTokenFromAddress() {
  const params = parseHash(location.hash);
  const token = params.get('token');
  if (token === undefined) return false;
  if (token.trim() !== '') setToken(token.trim());
  history.replaceState(
    history.state,
    '',
    `${location.pathname}${location.search}${hashWithout(params, 'token')}`,
  );
  return true;
}

export const getToken = () => sessionStorage.getItem(TOKEN_KEY) ?? '';
export const setToken = (token) => sessionStorage.setItem(TOKEN_KEY, token);
export const forgetToken = () => sessionStorage.removeItem(TOKEN_KEY);

let unauthorizedHandler = () => undefined;

/** Called with the server's message whenever the API answers 401. */
export function onUnauthorized(handler) {
  unauthorizedHandler = handler;
}

/** The headers every call sends. */
export function authHeaders(extra = {}) {
  return { authorization: `Bearer ${getToken()}`, accept: 'application/json', ...extra };
}

/** A query string from the given parameters, leaving out empty ones. */
export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** Reads a refusal's `{"error":{"code","message"}}`, or says what came instead. */
export async function refusal(response) {
  let code = `http_${response.status}`;
  let message = `The host answered ${response.status} ${response.statusText}.`.replace(' .', '.');
  try {
    const body = await response.json();
    if (body && typeof body.error === 'object' && body.error) {
      if (typeof body.error.code === 'string') code = body.error.code;
      if (typeof body.error.message === 'string') message = body.error.message;
    }
  } catch {
    // Not JSON: keep the status line.
  }
  return new ApiError(response.status, code, message);
}

/** Calls the API; resolves to the JSON answer, rejects with an ApiError carrying the server's message. */
export async function api(path, { method = 'GET', body, signal } = {}) {
  let response;
  try {
    response = await fetch(`${API}${path}`, {
      method,
      headers: authHeaders(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      cache: 'no-store',
      credentials: 'omit',
      signal,
    });
  } catch (error) {
    if (error?.name === 'AbortError') throw error;
    throw new ApiError(0, 'unreachable', 'The leadpipe host does not answer. Is it running?');
  }
  if (!response.ok) {
    const error = await refusal(response);
    if (response.status === 401) unauthorizedHandler(error.message);
    throw error;
  }
  return response.json();
}
