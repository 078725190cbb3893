import { OAuth2 } from 'jsforce';
import { ObservedTransport } from './transport.ts';

/** What every REST call needs: a bearer token and the org's instance URL. */
export interface Session {
  accessToken: string;
  instanceUrl: string;
}

/** The token endpoint refused or failed; `status` is its HTTP status, undefined when none came back. */
export class SalesforceTokenError extends Error {
  override readonly name = 'SalesforceTokenError';
  readonly status: number | undefined;
  /** OAuth error (`invalid_client`, `invalid_grant`, …) or a transport error name. */
  readonly errorCode: string;

  constructor(message: string, details: { status: number | undefined; errorCode: string; cause?: unknown }) {
    super(message, { cause: details.cause });
    this.status = details.status;
    this.errorCode = details.errorCode;
  }

  /** The credentials themselves were refused: retrying will not help until someone fixes them. */
  get refused(): boolean {
    return this.status !== undefined && this.status >= 400 && this.status < 500 && this.status !== 429;
  }
}

/** Where sessions come from: a fixed token, or the client-credentials flow. */
export interface SessionSource {
  current(): Promise<Session>;
  /** A session to use after `stale` was refused with 401; undefined when this kind of auth cannot refresh. */
  refresh(stale: Session): Promise<Session> | undefined;
}

/** A token someone else issued: used as is, never refreshed. */
export function fixedSession(session: Session): SessionSource {
  return { current: () => Promise.resolve(session), refresh: () => undefined };
}

export interface ClientCredentialsOptions {
  clientId: string;
  clientSecret: string;
  loginUrl: string;
  timeoutMs: number;
  /** Runs before each token request (the rate limiter's acquire). */
  beforeRequest?: () => Promise<void>;
}

/**
 * OAuth 2.0 client credentials (`POST {loginUrl}/services/oauth2/token`,
 * grant_type=client_credentials): fetched on first use, cached, and fetched again only when a call
 * reports the cached token invalid. Concurrent callers share one token request.
 */
export function clientCredentialsSession(options: ClientCredentialsOptions): SessionSource {
  let latest: Session | undefined;
  let pending: Promise<Session> | undefined;

  const fetchSession = (): Promise<Session> => {
    const request = requestToken(options).then((session) => {
      latest = session;
      return session;
    });
    pending = request;
    const settle = () => {
      if (pending === request) pending = undefined;
    };
    request.then(settle, settle);
    return request;
  };

  return {
    current: () => (latest ? Promise.resolve(latest) : (pending ?? fetchSession())),
    refresh: (stale) => {
      if (pending) return pending;
      // Another caller already replaced the refused token.
      if (latest && latest.accessToken !== stale.accessToken) return Promise.resolve(latest);
      latest = undefined;
      return fetchSession();
    },
  };
}

async function requestToken(options: ClientCredentialsOptions): Promise<Session> {
  const transport = new ObservedTransport(options.timeoutMs);
  const oauth2 = new OAuth2({
    loginUrl: options.loginUrl,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
  });
  // OAuth2 has no per-request options; its transport is the only way to bound the wait.
  oauth2._transport = transport;
  await options.beforeRequest?.();
  let response: { access_token?: string; instance_url?: string };
  try {
    response = await oauth2.requestToken({ grant_type: 'client_credentials' });
  } catch (error) {
    // jsforce names the error after the OAuth `error` field and leaves it undefined when the
    // body is not an OAuth error (a 5xx page, a JSON array).
    const named =
      error instanceof Error && typeof error.name === 'string' && error.name ? error.name : undefined;
    const errorCode = named ?? (transport.status === undefined ? 'Error' : `ERROR_HTTP_${transport.status}`);
    // The message is the endpoint's error_description; it never holds the secret.
    const message = error instanceof Error ? error.message : String(error);
    const detail = (message || 'no error description').slice(0, 200);
    const what = transport.status === undefined ? 'failed' : `answered ${transport.status}`;
    // Our own timeout aborts the fetch; jsforce's text for that speaks of its 30-minute default.
    const text =
      errorCode === 'AbortError' && transport.status === undefined
        ? `Salesforce token endpoint did not answer within ${options.timeoutMs} ms`
        : `Salesforce token request ${what}: ${errorCode}: ${detail}`;
    throw new SalesforceTokenError(text, {
      status: transport.status,
      errorCode,
      cause: error,
    });
  }
  if (!response.access_token || !response.instance_url) {
    throw new SalesforceTokenError('Salesforce token response lacks access_token or instance_url', {
      status: undefined,
      errorCode: 'INVALID_TOKEN_RESPONSE',
    });
  }
  return { accessToken: response.access_token, instanceUrl: response.instance_url };
}
