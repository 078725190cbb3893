import { readHeader, requireHeader } from '../headers.ts';
import { assertAnySignatureMatches, computeHmac } from '../signature.ts';
import { assertWithinTolerance } from '../timestamp.ts';
import { type SignatureScheme, WebhookVerificationError } from '../types.ts';

const TIMESTAMP_HEADER = 'X-Zendesk-Webhook-Signature-Timestamp';
/** ISO 8601 date-time with an explicit zone, e.g. 2021-09-01T17:13:23Z; Date.parse alone accepts far too much. */
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

const signPayload = (secret: string, timestamp: string, body: Buffer) =>
  computeHmac('sha256', secret, [timestamp, body], 'base64');

/** Zendesk: `X-Zendesk-Webhook-Signature: <base64 HMAC-SHA256(timestamp + body)>`, the timestamp in ISO 8601. */
export const zendesk: SignatureScheme = {
  verify(request, options) {
    const signature = requireHeader(request, 'X-Zendesk-Webhook-Signature');
    const rawTimestamp = readHeader(request, TIMESTAMP_HEADER);
    if (rawTimestamp === undefined) {
      throw new WebhookVerificationError('timestamp_missing', `Missing ${TIMESTAMP_HEADER} header`);
    }
    const millis = ISO_8601.test(rawTimestamp) ? Date.parse(rawTimestamp) : Number.NaN;
    if (Number.isNaN(millis)) {
      throw new WebhookVerificationError(
        'timestamp_invalid',
        `${TIMESTAMP_HEADER} is not an ISO 8601 date-time`,
      );
    }
    const timestamp = new Date(millis);
    assertWithinTolerance(timestamp, options);
    assertAnySignatureMatches([signature], options.secrets, (secret) =>
      signPayload(secret, rawTimestamp, request.body),
    );
    return { timestamp };
  },
  sign(request, secret, now) {
    // Zendesk sends whole seconds: 2021-09-01T17:13:23Z.
    const timestamp = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
    return {
      'x-zendesk-webhook-signature-timestamp': timestamp,
      'x-zendesk-webhook-signature': signPayload(secret, timestamp, request.body),
    };
  },
};
