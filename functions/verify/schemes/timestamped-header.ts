import { malformedHeader, requireHeader } from '../headers.ts';
import { assertAnySignatureMatches, computeHmac } from '../signature.ts';
import { assertWithinTolerance, parseUnixTimestamp } from '../timestamp.ts';
import { type SignatureScheme, WebhookVerificationError } from '../types.ts';

/** The parts of a `t=<seconds>,v1=<sig>[,v1=<sig>…]` header, as Stripe and Calendly send it. */
export interface TimestampedSignatures {
  timestamp: string;
  v1: string[];
}

/**
 * Parses `t=…,v1=…` pairs; several v1 values are kept (Stripe sends one per active secret), other
 * schemes (v0, unknown) are ignored. A header without t= is `timestamp_missing`; without v1= it is malformed.
 */
export function parseTimestampedSignatures(header: string, headerName: string): TimestampedSignatures {
  let timestamp: string | undefined;
  const v1: string[] = [];
  for (const pair of header.split(',')) {
    const separator = pair.indexOf('=');
    if (separator < 0) continue;
    const key = pair.slice(0, separator).trim();
    const value = pair.slice(separator + 1).trim();
    if (key === 't') timestamp = value;
    else if (key === 'v1') v1.push(value);
  }
  if (timestamp === undefined) {
    throw new WebhookVerificationError('timestamp_missing', `${headerName} header has no t= timestamp`);
  }
  if (v1.length === 0) throw malformedHeader(headerName, 't=<timestamp>,v1=<hex signature>');
  return { timestamp, v1 };
}

/**
 * The `t=<seconds>,v1=<hex HMAC-SHA256("t.body")>[,v1=…]` scheme Stripe introduced and Calendly
 * adopted, carried in `headerName`: the timestamp is checked against the replay window, then any
 * v1 value may match any active secret.
 */
export function timestampedHmacScheme(headerName: string): SignatureScheme {
  const signPayload = (secret: string, timestamp: string, body: Buffer) =>
    computeHmac('sha256', secret, [`${timestamp}.`, body], 'hex');
  return {
    verify(request, options) {
      const { timestamp: rawTimestamp, v1 } = parseTimestampedSignatures(
        requireHeader(request, headerName),
        headerName,
      );
      const timestamp = parseUnixTimestamp(rawTimestamp, 's', `${headerName} t=`);
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
      return {
        [headerName.toLowerCase()]: `t=${timestamp},v1=${signPayload(secret, timestamp, request.body)}`,
      };
    },
  };
}
