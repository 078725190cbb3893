import type { Logger } from '@aws-lambda-powertools/logger';
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { type ErrorBody, HttpError, internalError } from './errors.ts';

export type HttpResult = APIGatewayProxyStructuredResultV2;

/** A JSON answer with the headers every leadpipe response carries. */
export function jsonResponse(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): HttpResult {
  return {
    statusCode,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
    body: JSON.stringify(body),
  };
}

/**
 * The one place errors become responses: an exposed HttpError answers with its status, code and
 * message; anything else is logged and answers a generic 500 that reveals nothing.
 */
export function httpErrorResponses(logger: Logger): MiddlewareObj<APIGatewayProxyEventV2, HttpResult> {
  return {
    onError: async (request) => {
      const { error } = request;
      if (error instanceof HttpError && error.expose) {
        if (error.statusCode >= 500) logger.error('Request failed', { code: error.code, error });
        const body: ErrorBody = { error: { code: error.code, message: error.message } };
        request.response = jsonResponse(error.statusCode, body, error.headers);
        return;
      }
      logger.error('Unhandled error', { error: error as Error });
      request.response = jsonResponse(500, internalError);
    },
  };
}
