import { readHeader, requireHeader } from '../headers.ts';
import { assertAnySignatureMatches, computeHmac } from '../signature.ts';
import { assertWithinTolerance, parseUnixTimestamp } from '../timestamp.ts';
import { type SignatureScheme, WebhookVerificationError } from '../types.ts';

/** HubSpot rejects requests whose timestamp is older than five minutes; a wider configured window is capped. */
const HUBSPOT_MAX_AGE_SECONDS = 300;
const TIMESTAMP_HEADER = 'X-HubSpot-Request-Timestamp';

/**
 * HubSpot signs the URI with these (and only these) percent-encodings decoded, per its v3 validation guide;
 * every other escape (%20, %2B, %25, …) stays as sent.
 */
const DECODED_IN_SIGNATURE: Readonly<Record<string, string>> = {
  '%3A': ':',
  '%2F': '/',
  '%3F': '?',
  '%40': '@',
  '%21': '!',
  '%24': '$',
  '%27': "'",
  '%28': '(',
  '%29': ')',
  '%2A': '*',
  '%2C': ',',
  '%3B': ';',
};

/** The request URI as HubSpot signs it. */
export function hubspotSignedUri(url: string): string {
  return url.replace(
    /%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi,
    (encoded) => DECODED_IN_SIGNATURE[encoded.toUpperCase()] ?? encoded,
  );
}

const signPayload = (secret: string, method: string, url: string, body: Buffer, timestamp: string) =>
  computeHmac('sha256', secret, [method, hubspotSignedUri(url), body, timestamp], 'base64');

/**
 * HubSpot v3: `X-HubSpot-Signature-v3: <base64 HMAC-SHA256(method + uri + body + timestamp)>` with the app's
 * client secret, `X-HubSpot-Request-Timestamp` in milliseconds.
 */
export const hubspotV3: SignatureScheme = {
  verify(request, options) {
    const signature = requireHeader(request, 'X-HubSpot-Signature-v3');
    const rawTimestamp = readHeader(request, TIMESTAMP_HEADER);
    if (rawTimestamp === undefined) {
      throw new WebhookVerificationError('timestamp_missing', `Missing ${TIMESTAMP_HEADER} header`);
    }
    const timestamp = parseUnixTimestamp(rawTimestamp, 'ms', TIMESTAMP_HEADER);
    assertWithinTolerance(timestamp, {
      now: options.now,
      toleranceSeconds: Math.min(options.toleranceSeconds, HUBSPOT_MAX_AGE_SECONDS),
    });
    assertAnySignatureMatches([signature], options.secrets, (secret) =>
      signPayload(secret, request.method, request.url, request.body, rawTimestamp),
    );
    return { timestamp };
  },
  sign(request, secret, now) {
    const timestamp = String(now.getTime());
    return {
      'x-hubspot-request-timestamp': timestamp,
      'x-hubspot-signature-v3': signPayload(secret, request.method, request.url, request.body, timestamp),
    };
  },
};
