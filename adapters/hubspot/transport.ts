import { AsyncLocalStorage } from 'node:async_hooks';
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

export interface RecordingHttp {
  /** Give this to the SDK configuration (the generated API ignores a per-call httpApi). */
  httpApi: HttpLibrary;
  /**
   * Runs one SDK call and returns the raw answer it got, if any, beside its result or error;
   * `timeoutMs` replaces the default timeout for this call's requests (a deadline is near).
   */
  record<T>(
    call: () => Promise<T>,
    options?: { timeoutMs?: number },
  ): Promise<{ value?: T; error?: unknown; answer?: RawAnswer }>;
}

/**
 * The SDK's HTTP layer: global fetch with a timeout (the SDK's own transport has none) that also
 * keeps each raw answer for the call that made it. Calls may overlap, so the answer travels in
 * AsyncLocalStorage rather than in a shared variable.
 */
export function recordingHttp(timeoutMs: number): RecordingHttp {
  const current = new AsyncLocalStorage<{ answer?: RawAnswer; timeoutMs?: number }>();
  const httpApi = wrapHttpLibrary({
    async send(request: RequestContext): Promise<ResponseContext> {
      let response: Response;
      let text: string;
      const slot = current.getStore();
      const callTimeoutMs = slot?.timeoutMs ?? timeoutMs;
      const signal = AbortSignal.timeout(callTimeoutMs);
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
        if (signal.aborted) throw new HubspotTimeoutError(callTimeoutMs, { cause: error });
        throw error;
      }
      const headers: Record<string, string> = {};
      response.headers.forEach((value, name) => {
        headers[name] = value;
      });
      if (slot) slot.answer = { status: response.status, headers, text };
      const bytes = Buffer.from(text, 'utf8');
      return new ResponseContext(response.status, headers, {
        text: async () => text,
        binary: async () => bytes,
      });
    },
  });
  return {
    httpApi,
    async record(call, options) {
      const slot: { answer?: RawAnswer; timeoutMs?: number } = {};
      if (options?.timeoutMs !== undefined) slot.timeoutMs = options.timeoutMs;
      try {
        const value = await current.run(slot, call);
        return { value, answer: slot.answer };
      } catch (error) {
        return { error, answer: slot.answer };
      }
    },
  };
}
