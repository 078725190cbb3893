/** A webhook request as the sender made it: what signature schemes are computed over. */
export interface WebhookRequest {
  /** Upper-case HTTP method. */
  method: string;
  /** The full URL the sender called, scheme://host/path?query (HubSpot v3 signs it). */
  url: string;
  /** Header names lower-cased; repeated headers joined with ", ". */
  headers: Readonly<Record<string, string>>;
  /** The raw body bytes, exactly as received. */
  body: Buffer;
}

export interface VerifyOptions {
  /** Active secrets (resolved values), newest first; any one may match. */
  secrets: readonly string[];
  /** Replay window for schemes that sign a timestamp. */
  toleranceSeconds: number;
  /** The clock, passed in so tests can check published vectors at their own time. */
  now: Date;
}

/**
 * What a successful verification learned about the delivery. A delivery id always says whether the
 * signature covers it: only a signed id may deduplicate, since an unsigned header can be changed on a
 * captured request to make it look new; an unsigned one is good only for correlating logs.
 */
export type VerifiedDelivery = {
  /** The signed timestamp, when the scheme has one. */
  timestamp?: Date;
} & (
  | { deliveryId?: undefined; deliveryIdSigned?: undefined }
  | {
      /** The sender's delivery id from a header. */
      deliveryId: string;
      /** True when the signed content includes `deliveryId` (Standard Webhooks' webhook-id). */
      deliveryIdSigned: boolean;
    }
);

export type VerificationErrorCode =
  | 'signature_missing'
  | 'signature_invalid'
  | 'timestamp_missing'
  | 'timestamp_invalid'
  | 'timestamp_too_old'
  | 'timestamp_in_future';

/** A request that failed verification. `message` is safe to show the sender: it never contains a secret. */
export class WebhookVerificationError extends Error {
  override readonly name = 'WebhookVerificationError';
  readonly code: VerificationErrorCode;
  constructor(code: VerificationErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/**
 * A configured signing secret that cannot key a signature (empty, or not decodable to a key), so a
 * signature "made" with it proves nothing. Our misconfiguration, never the sender's: it is not a
 * WebhookVerificationError (that would be a 401), and its message never shows the value.
 */
export class UnusableSecretError extends Error {
  override readonly name: string = 'UnusableSecretError';
}

/** One signature scheme: a pure verify over raw body and headers, and the matching sign used by tests and the CLI. */
export interface SignatureScheme {
  /**
   * Why `secret` cannot key this scheme's signatures, in words that never show it; undefined when it can.
   * Absent: any non-empty secret will do.
   */
  secretProblem?(secret: string): string | undefined;
  /** Throws WebhookVerificationError; returns what it learned when the signature holds. */
  verify(request: WebhookRequest, options: VerifyOptions): VerifiedDelivery;
  /** Headers a sender using `secret` would add to this request at `now`. */
  sign(
    request: Omit<WebhookRequest, 'headers'> & { deliveryId?: string },
    secret: string,
    now: Date,
  ): Record<string, string>;
}
