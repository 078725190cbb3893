import type { HttpRequest, HttpRequestOptions, HttpResponse, StreamPromise } from 'jsforce';
import { Transport } from 'jsforce/lib/transport.js';

/**
 * jsforce's own transport, for one call, with two things jsforce does not offer per call: a
 * timeout (its default is 30 minutes and `Connection.upsert` takes no HTTP options), and the HTTP
 * status of the answer (its errors carry the vendor's errorCode but not the status, and the status
 * is what tells a throttle from a refusal from an outage).
 */
export class ObservedTransport extends Transport {
  /** Status of the last answer; undefined while none arrived (network error, timeout). */
  status: number | undefined;
  private readonly timeoutMs: number;

  constructor(timeoutMs: number) {
    super();
    this.timeoutMs = timeoutMs;
  }

  override httpRequest(req: HttpRequest, options: HttpRequestOptions = {}): StreamPromise<HttpResponse> {
    // No retries inside jsforce: the delivery queue owns retrying, with backoff and a dead-letter queue.
    const pending = super.httpRequest(req, {
      ...options,
      timeout: this.timeoutMs,
      retry: { ...options.retry, maxRetries: 0 },
    });
    pending.then(
      (response) => {
        this.status = response.statusCode;
      },
      () => undefined,
    );
    return pending;
  }
}
