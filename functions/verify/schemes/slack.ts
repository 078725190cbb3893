import { malformedHeader, readHeader, requireHeader } from '../headers.ts';
import { assertAnySignatureMatches, computeHmac } from '../signature.ts';
import { assertWithinTolerance, parseUnixTimestamp } from '../timestamp.ts';
import { type SignatureScheme, WebhookVerificationError } from '../types.ts';

/** Slack refuses requests more than five minutes from local time; a wider configured window is capped. */
const SLACK_MAX_AGE_SECONDS = 300;
const PREFIX = 'v0=';

const signPayload = (secret: string, timestamp: string, body: Buffer) =>
  computeHmac('sha256', secret, [`v0:${timestamp}:`, body], 'hex');

/** Slack v0: `X-Slack-Signature: v0=<hex HMAC-SHA256("v0:timestamp:body")>`, `X-Slack-Request-Timestamp` in seconds. */
export const slack: SignatureScheme = {
  verify(request, options) {
    const signature = requireHeader(request, 'X-Slack-Signature');
    const rawTimestamp = readHeader(request, 'X-Slack-Request-Timestamp');
    if (rawTimestamp === undefined) {
      throw new WebhookVerificationError('timestamp_missing', 'Missing X-Slack-Request-Timestamp header');
    }
    if (!signature.startsWith(PREFIX)) throw malformedHeader('X-Slack-Signature', 'v0=<hex>');
    const timestamp = parseUnixTimestamp(rawTimestamp, 's', 'X-Slack-Request-Timestamp');
    assertWithinTolerance(timestamp, {
      now: options.now,
      toleranceSeconds: Math.min(options.toleranceSeconds, SLACK_MAX_AGE_SECONDS),
    });
    assertAnySignatureMatches([signature.slice(PREFIX.length).toLowerCase()], options.secrets, (secret) =>
      signPayload(secret, rawTimestamp, request.body),
    );
    return { timestamp };
  },
  sign(request, secret, now) {
    const timestamp = String(Math.floor(now.getTime() / 1000));
    return {
      'x-slack-request-timestamp': timestamp,
      'x-slack-signature': `${PREFIX}${signPayload(secret, timestamp, request.body)}`,
    };
  },
};
