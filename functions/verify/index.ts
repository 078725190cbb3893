import { timingSafeEqual } from 'node:crypto';
import type { VerifyConfig } from '../../schemas/generated/config.ts';
import type { SecretResolver } from '../ports.ts';
import { calendly } from './schemes/calendly.ts';
import { github } from './schemes/github.ts';
import { HmacSchemeConfigError, hmacScheme } from './schemes/hmac.ts';
import { hubspotV3 } from './schemes/hubspot-v3.ts';
import { intercom } from './schemes/intercom.ts';
import { meta } from './schemes/meta.ts';
import { shopify } from './schemes/shopify.ts';
import { slack } from './schemes/slack.ts';
import { standardWebhooks } from './schemes/standard-webhooks.ts';
import { stripe } from './schemes/stripe.ts';
import { tally } from './schemes/tally.ts';
import { typeform } from './schemes/typeform.ts';
import { webflow } from './schemes/webflow.ts';
import { zendesk } from './schemes/zendesk.ts';
import { SigningSecretError, signingSecretProblem } from './secrets.ts';
import {
  type SignatureScheme,
  type VerifiedDelivery,
  type WebhookRequest,
  WebhookVerificationError,
} from './types.ts';

export { normaliseHeaders, type RawHeaders } from './headers.ts';
export { HmacSchemeConfigError, hmacScheme } from './schemes/hmac.ts';
export { SigningSecretError, signingSecretProblem } from './secrets.ts';
export * from './types.ts';

/** The replay window when a source's config sets none: five minutes, as Standard Webhooks and Stripe use. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

type PresetScheme = Exclude<VerifyConfig['scheme'], 'none' | 'hmac'>;

/** Every preset scheme by its config name. Adding one is a file in schemes/ and a line here. */
export const signatureSchemes: Record<PresetScheme, SignatureScheme> = {
  'standard-webhooks': standardWebhooks,
  stripe,
  github,
  shopify,
  typeform,
  calendly,
  webflow,
  'hubspot-v3': hubspotV3,
  slack,
  intercom,
  zendesk,
  tally,
  meta,
};

/** The scheme a source's config names; undefined only for `none`. Throws HmacSchemeConfigError for a bad `hmac`. */
export function schemeFor(verify: VerifyConfig): SignatureScheme | undefined {
  switch (verify.scheme) {
    case 'none':
      return undefined;
    case 'hmac':
      if (verify.hmac === undefined) {
        throw new HmacSchemeConfigError('verify.scheme is hmac but verify.hmac is not configured');
      }
      return hmacScheme(verify.hmac);
    default:
      return signatureSchemes[verify.scheme];
  }
}

/**
 * Resolves a source's signing secrets, newest first, and refuses (SigningSecretError) any its scheme
 * cannot use, so an empty or undecodable secret fails where it is resolved (at start on the local
 * host, per request on AWS) instead of verifying signatures anyone can make.
 */
export async function resolveSigningSecrets(
  source: string,
  verify: VerifyConfig,
  resolveSecret: SecretResolver,
): Promise<string[]> {
  const refs = verify.secrets ?? [];
  const values = await Promise.all(refs.map((ref) => resolveSecret(ref)));
  const scheme = schemeFor(verify);
  if (scheme === undefined) return values;
  refs.forEach((ref, index) => {
    const problem = signingSecretProblem(scheme, values[index] ?? '');
    if (problem !== undefined) throw new SigningSecretError(source, ref, problem);
  });
  return values;
}

/**
 * The URL the sender signed: `publicUrl` (what the sender was given, before a custom domain, base-path
 * mapping or CDN rewrote host and path) with the received query string, or the received URL as it is.
 * The query is appended byte for byte: schemes that sign the URL sign it as sent.
 */
export function signedUrl(receivedUrl: string, publicUrl: string | undefined): string {
  if (publicUrl === undefined) return receivedUrl;
  const query = receivedUrl.indexOf('?');
  return query < 0 ? publicUrl : `${publicUrl}${receivedUrl.slice(query)}`;
}

/**
 * Verifies a request against a source's `verify` config with its resolved secrets; `none` accepts everything.
 * Throws WebhookVerificationError, whose message is safe to return to the sender, or UnusableSecretError
 * when a secret could key no signature (our misconfiguration).
 */
export function verifyWebhook(
  request: WebhookRequest,
  verify: VerifyConfig,
  secrets: readonly string[],
  now: Date,
): VerifiedDelivery {
  const scheme = schemeFor(verify);
  if (scheme === undefined) return {};
  const signed =
    verify.publicUrl === undefined ? request : { ...request, url: signedUrl(request.url, verify.publicUrl) };
  return scheme.verify(signed, {
    secrets,
    toleranceSeconds: verify.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS,
    now,
  });
}

/**
 * Answers Meta's GET subscription handshake: returns hub.challenge when hub.mode is `subscribe` and
 * hub.verify_token equals the configured token (compared in constant time); throws otherwise.
 */
export function answerMetaHandshake(query: URLSearchParams, verifyToken: string): string {
  const mode = query.get('hub.mode');
  const token = query.get('hub.verify_token');
  const challenge = query.get('hub.challenge');
  if (mode === null || token === null || challenge === null) {
    const missing = ['hub.mode', 'hub.verify_token', 'hub.challenge'].filter(
      (name) => query.get(name) === null,
    );
    throw new WebhookVerificationError(
      'signature_missing',
      `Missing ${missing.join(', ')} in the handshake query`,
    );
  }
  if (mode !== 'subscribe') {
    throw new WebhookVerificationError('signature_invalid', 'hub.mode must be subscribe');
  }
  const received = Buffer.from(token, 'utf8');
  const expected = Buffer.from(verifyToken, 'utf8');
  if (verifyToken === '' || received.length !== expected.length || !timingSafeEqual(received, expected)) {
    throw new WebhookVerificationError(
      'signature_invalid',
      'hub.verify_token does not match the configured token',
    );
  }
  return challenge;
}
