import { randomUUID } from 'node:crypto';
import type { SandboxResponse } from '../sandbox/kit.ts';

/** HubSpot's error envelope: `{status:"error", message, correlationId, category, ...}`. */
export function errorResponse(
  status: number,
  category: string,
  message: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): SandboxResponse {
  return {
    status,
    headers: { 'x-hubspot-correlation-id': randomUUID(), ...headers },
    body: { status: 'error', message, correlationId: randomUUID(), ...extra, category },
  };
}

export const AUTH_MESSAGE =
  'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview';

export function unauthorized(): SandboxResponse {
  return errorResponse(401, 'INVALID_AUTHENTICATION', AUTH_MESSAGE);
}

export function serverError(): SandboxResponse {
  return errorResponse(500, 'INTERNAL_ERROR', 'internal error');
}

/** HubSpot's burst-limit 429 body (policy TEN_SECONDLY_ROLLING, errorType RATE_LIMIT). */
export function rateLimited(portalId: string, headers: Record<string, string>): SandboxResponse {
  return {
    status: 429,
    headers: { 'x-hubspot-correlation-id': randomUUID(), ...headers },
    body: {
      status: 'error',
      message: 'You have reached your ten_secondly_rolling limit.',
      errorType: 'RATE_LIMIT',
      correlationId: randomUUID(),
      policyName: 'TEN_SECONDLY_ROLLING',
      groupName: `publicapi:private_app-api-calls-ten-secondly:sandbox:${portalId}`,
    },
  };
}

/** One property problem, in the shape HubSpot embeds (JSON-encoded) in "Property values were not valid" messages. */
export interface PropertyProblem {
  error: string;
  name: string;
  message: string;
}

export function propertyProblemsMessage(problems: readonly PropertyProblem[], portalId: string): string {
  const details = problems.map((problem) => ({
    isValid: false,
    message: problem.message,
    error: problem.error,
    name: problem.name,
    localizedErrorMessage: problem.message,
    portalId: Number(portalId),
  }));
  return `Property values were not valid: ${JSON.stringify(details)}`;
}

/** The `errors[]` detail HubSpot adds to a VALIDATION_ERROR. */
export function problemDetails(problems: readonly PropertyProblem[]) {
  return problems.map((problem) => ({
    message: problem.message,
    code: problem.error,
    context: { propertyName: [problem.name] },
  }));
}
