import {
  type HttpLibrary,
  type RequestContext,
  ResponseContext,
  wrapHttpLibrary,
} from '@hubspot/api-client/lib/codegen/crm/contacts/index.js';

/** What HubSpot answered, kept raw: the SDK's models drop fields such as a 429's `policyName`. */
export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  text: string;
}

/** HubSpot did not answer within the adapter's timeout. */
export class HubspotTimeoutError extends Error {
  override readonly name = 'HubspotTimeoutError';
  constructor(timeoutMs: number, options?: { cause?: unknown }) {
    super(`HubSpot did not answer within ${timeoutMs} ms`, options);
  }
}

/**
 * One HTTP exchange for the generated SDK: global fetch with a timeout (the SDK's own transport
 * has none) that also keeps the raw answer, so the caller can read what the SDK's models drop.
 */
export function recordingHttp(timeoutMs: number): { httpApi: HttpLibrary; answer(): RawAnswer | undefined } {
  let answer: RawAnswer | undefined;
  const httpApi = wrapHttpLibrary({
    async send(request: RequestContext): Promise<ResponseContext> {
      let response: Response;
      let text: string;
      const signal = AbortSignal.timeout(timeoutMs);
      try {
        const body = request.getBody();
        response = await fetch(request.getUrl(), {
          method: request.getHttpMethod(),
          headers: request.getHeaders(),
          body: typeof body === 'string' ? body : undefined,
          signal,
        });
        text = await response.text();
      } catch (error) {
        if (signal.aborted) throw new HubspotTimeoutError(timeoutMs, { cause: error });
        throw error;
      }
      const headers: Record<string, string> = {};
      response.headers.forEach((value, name) => {
        headers[name] = value;
      });
      answer = { status: response.status, headers, text };
      const bytes = Buffer.from(text, 'utf8');
      return new ResponseContext(response.status, headers, {
        text: async () => text,
        binary: async () => bytes,
      });
    },
  });
  return { httpApi, answer: () => answer };
}
