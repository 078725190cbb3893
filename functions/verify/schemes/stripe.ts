import { requireHeader } from '../headers.ts';
import { assertAnySignatureMatches, computeHmac } from '../signature.ts';
import { assertWithinTolerance, parseUnixTimestamp } from '../timestamp.ts';
import type { SignatureScheme } from '../types.ts';
import { parseTimestampedSignatures } from './timestamped-header.ts';

const HEADER = 'Stripe-Signature';

const signPayload = (secret: string, timestamp: string, body: Buffer) =>
  computeHmac('sha256', secret, [`${timestamp}.`, body], 'hex');

/** Stripe: `Stripe-Signature: t=<seconds>,v1=<hex HMAC-SHA256("t.body")>[,v1=…]`; v0 and unknown schemes ignored. */
export const stripe: SignatureScheme = {
  verify(request, options) {
    const { timestamp: rawTimestamp, v1 } = parseTimestampedSignatures(
      requireHeader(request, HEADER),
      HEADER,
    );
    const timestamp = parseUnixTimestamp(rawTimestamp, 's', `${HEADER} t=`);
    assertWithinTolerance(timestamp, options);
    assertAnySignatureMatches(
      v1.map((signature) => signature.toLowerCase()),
      options.secrets,
      (secret) => signPayload(secret, rawTimestamp, request.body),
    );
    return { timestamp };
  },
  sign(request, secret, now) {
    const timestamp = String(Math.floor(now.getTime() / 1000));
    return { 'stripe-signature': `t=${timestamp},v1=${signPayload(secret, timestamp, request.body)}` };
  },
};
