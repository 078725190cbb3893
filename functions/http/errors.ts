/**
 * An error that becomes an HTTP answer. `expose` errors show their code and message to the
 * caller; anything else becomes a generic 500, so no internal detail ever leaks into a response.
 */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  readonly statusCode: number;
  readonly code: string;
  readonly expose: boolean;
  readonly headers: Record<string, string>;
  constructor(
    statusCode: number,
    code: string,
    message: string,
    options: { cause?: unknown; headers?: Record<string, string>; expose?: boolean } = {},
  ) {
    super(message, { cause: options.cause });
    this.statusCode = statusCode;
    this.code = code;
    this.expose = options.expose ?? (statusCode < 500 || statusCode === 503);
    this.headers = options.headers ?? {};
  }
}

export interface ErrorBody {
  error: { code: string; message: string };
}

export const internalError: ErrorBody = {
  error: {
    code: 'internal_error',
    message: 'Something went wrong on our side. Nothing was stored; please retry.',
  },
};
