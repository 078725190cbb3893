import { readHeader, requireHeader } from '../headers.ts';
import { assertAnySignatureMatches, computeHmac } from '../signature.ts';
import { assertWithinTolerance, parseUnixTimestamp } from '../timestamp.ts';
import { type SignatureScheme, WebhookVerificationError } from '../types.ts';

/** Webflow's documented replay limit: a request older than 5 minutes may be a replay. */
const WEBFLOW_MAX_AGE_SECONDS = 300;

const signPayload = (secret: string, timestamp: string, body: Buffer) =>
  computeHmac('sha256', secret, [`${timestamp}:`, body], 'hex');

/**
 * Webflow (OAuth-app webhooks): `x-webflow-signature: <hex HMAC-SHA256("timestamp:body")>` with the app's
 * client secret, `x-webflow-timestamp` in milliseconds. The window never exceeds Webflow's 5 minutes.
 */
export const webflow: SignatureScheme = {
  verify(request, options) {
    const signature = requireHeader(request, 'x-webflow-signature');
    const rawTimestamp = readHeader(request, 'x-webflow-timestamp');
    if (rawTimestamp === undefined) {
      throw new WebhookVerificationError('timestamp_missing', 'Missing x-webflow-timestamp header');
    }
    const timestamp = parseUnixTimestamp(rawTimestamp, 'ms', 'x-webflow-timestamp');
    assertWithinTolerance(timestamp, {
      now: options.now,
      toleranceSeconds: Math.min(options.toleranceSeconds, WEBFLOW_MAX_AGE_SECONDS),
    });
    assertAnySignatureMatches([signature.toLowerCase()], options.secrets, (secret) =>
      signPayload(secret, rawTimestamp, request.body),
    );
    return { timestamp };
  },
  sign(request, secret, now) {
    const timestamp = String(now.getTime());
    return {
      'x-webflow-timestamp': timestamp,
      'x-webflow-signature': signPayload(secret, timestamp, request.body),
    };
  },
};
