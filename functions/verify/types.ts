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

/** What a successful verification learned about the delivery. */
export interface VerifiedDelivery {
  /** The sender's delivery id from a header, when the scheme has one. */
  deliveryId?: string;
  /** The signed timestamp, when the scheme has one. */
  timestamp?: Date;
}

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

/** One signature scheme: a pure verify over raw body and headers, and the matching sign used by tests and the CLI. */
export interface SignatureScheme {
  /** Throws WebhookVerificationError; returns what it learned when the signature holds. */
  verify(request: WebhookRequest, options: VerifyOptions): VerifiedDelivery;
  /** Headers a sender using `secret` would add to this request at `now`. */
  sign(
    request: Omit<WebhookRequest, 'headers'> & { deliveryId?: string },
    secret: string,
    now: Date,
  ): Record<string, string>;
}
