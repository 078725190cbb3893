import { randomBytes } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { LeadpipeConfig, VerifyConfig } from '../../schemas/generated/config.ts';
import type { SecretResolver } from '../ports.ts';
import { SigningSecretError, schemeFor, signingSecretProblem } from '../verify/index.ts';
import { CANARY_EMAIL } from './settings.ts';

/** A request as the canary sends it: what a sender holding the source's secret would post. */
export interface CanaryRequest {
  url: string;
  headers: Record<string, string>;
  body: Buffer;
  deliveryId: string;
}

/** The generic-preset payload of a canary: a lead the deliver engine recognises (isCanaryLead). */
export function canaryPayload(sentAt: Date, deliveryId: string): Record<string, unknown> {
  return {
    email: CANARY_EMAIL,
    firstName: 'leadpipe',
    lastName: 'canary',
    company: 'leadpipe canary',
    message: `Synthetic lead ${deliveryId}, sent ${sentAt.toISOString()}: counted by every destination, never sent to a vendor.`,
  };
}

/**
 * Signs a canary for `url` with the source's scheme and newest secret. Schemes that sign the URL
 * sign `verify.publicUrl` when it is set, as ingest verifies against it.
 */
export function signCanaryRequest(options: {
  url: string;
  verify: VerifyConfig;
  secret: string;
  now: Date;
  deliveryId: string;
}): CanaryRequest {
  const scheme = schemeFor(options.verify);
  if (scheme === undefined) throw new CanaryConfigError('The canary source is not signed (scheme none)');
  const body = Buffer.from(JSON.stringify(canaryPayload(options.now, options.deliveryId)));
  const signed = scheme.sign(
    { method: 'POST', url: options.verify.publicUrl ?? options.url, body, deliveryId: options.deliveryId },
    options.secret,
    options.now,
  );
  return {
    url: options.url,
    headers: { 'content-type': 'application/json', 'user-agent': 'leadpipe-canary', ...signed },
    body,
    deliveryId: options.deliveryId,
  };
}

/** The canary's config names no usable source: a deployment bug, found at the first run. */
export class CanaryConfigError extends Error {
  override readonly name = 'CanaryConfigError';
}

/** The API did not accept the canary: the run fails (Lambda's Errors metric) and no CanaryDelivered follows. */
export class CanaryRefusedError extends Error {
  override readonly name = 'CanaryRefusedError';
  readonly statusCode: number;
  constructor(statusCode: number, message: string, options?: ErrorOptions) {
    super(message, options);
    this.statusCode = statusCode;
  }
}

export interface CanaryResult {
  deliveryId: string;
  leadId: string;
  statusCode: number;
}

export interface CanaryDependencies {
  config: LeadpipeConfig;
  /** The canary source (settings.canary.source). */
  source: string;
  /** The source's webhook URL on the deployed API. */
  url: string;
  resolveSecret: SecretResolver;
  logger: Logger;
  fetch?: typeof fetch;
  now?: () => Date;
  newDeliveryId?: () => string;
}

/** How long one post may take; a run that cannot reach the API fails well inside its timeout. */
export const CANARY_REQUEST_TIMEOUT_MS = 10_000;

/**
 * One canary run: sign a synthetic lead as the source's sender would and post it to the API's own
 * URL. Resolves with the lead id on 202 accepted; throws CanaryRefusedError otherwise.
 */
export function createCanary(deps: CanaryDependencies): () => Promise<CanaryResult> {
  const post = deps.fetch ?? fetch;
  const now = deps.now ?? (() => new Date());
  const newDeliveryId = deps.newDeliveryId ?? (() => `canary_${randomBytes(12).toString('hex')}`);
  return async () => {
    const source = deps.config.sources[deps.source];
    if (!source) throw new CanaryConfigError(`No source named "${deps.source}" in the embedded config`);
    const secret = await newestSigningSecret(deps.source, source.verify, deps.resolveSecret);
    const request = signCanaryRequest({
      url: deps.url,
      verify: source.verify,
      secret,
      now: now(),
      deliveryId: newDeliveryId(),
    });
    let response: Response;
    try {
      response = await post(request.url, {
        method: 'POST',
        headers: request.headers,
        body: request.body,
        signal: AbortSignal.timeout(CANARY_REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      throw new CanaryRefusedError(0, `The canary could not reach ${request.url}`, { cause: error });
    }
    const text = await response.text();
    const answer = readAnswer(text);
    if (response.status !== 202 || answer.status !== 'accepted' || answer.leadId === undefined) {
      // The API's own answer: a code and message leadpipe wrote, never a secret.
      throw new CanaryRefusedError(
        response.status,
        `The API answered the canary ${response.status} ${answer.error ?? answer.status ?? ''}`.trim(),
      );
    }
    const result = { deliveryId: request.deliveryId, leadId: answer.leadId, statusCode: response.status };
    deps.logger.info('Canary accepted', { source: deps.source, ...result });
    return result;
  };
}

/**
 * The newest of the source's signing secrets, checked as ingest checks it: the canary signs with it
 * (the sender's job while rotating), and the function is granted read of that one secret only.
 */
export function newestSigningSecretRef(verify: VerifyConfig): string | undefined {
  return verify.secrets?.[0];
}

async function newestSigningSecret(
  source: string,
  verify: VerifyConfig,
  resolveSecret: SecretResolver,
): Promise<string> {
  const scheme = schemeFor(verify);
  const ref = newestSigningSecretRef(verify);
  if (scheme === undefined || ref === undefined) {
    throw new CanaryConfigError(`Source "${source}" has no signing secret; the canary needs a signed source`);
  }
  const secret = await resolveSecret(ref);
  const problem = signingSecretProblem(scheme, secret);
  if (problem !== undefined) throw new SigningSecretError(source, ref, problem);
  return secret;
}

function readAnswer(text: string): { status?: string; leadId?: string; error?: string } {
  try {
    const parsed = JSON.parse(text) as Record<string, unknown>;
    const pick = (key: string) => (typeof parsed[key] === 'string' ? (parsed[key] as string) : undefined);
    const status = pick('status');
    const leadId = pick('leadId');
    // Refusals are `{ error: { code, message } }` (functions/http/middleware.ts): the code is enough.
    const nested = parsed.error as { code?: unknown } | undefined;
    const error = typeof nested?.code === 'string' ? nested.code : undefined;
    return {
      ...(status ? { status } : {}),
      ...(leadId ? { leadId } : {}),
      ...(error ? { error } : {}),
    };
  } catch {
    return {};
  }
}
