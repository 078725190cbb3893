import { type VerifyOptions, WebhookVerificationError } from './types.ts';

export type TimestampUnit = 's' | 'ms';

/** Parses an integer Unix timestamp header; anything else is `timestamp_invalid`, naming the header. */
export function parseUnixTimestamp(value: string, unit: TimestampUnit, headerName: string): Date {
  const unitName = unit === 's' ? 'seconds' : 'milliseconds';
  if (!/^\d{1,16}$/.test(value)) {
    throw new WebhookVerificationError(
      'timestamp_invalid',
      `${headerName} is not a Unix timestamp in ${unitName}`,
    );
  }
  const numeric = Number(value);
  return new Date(unit === 's' ? numeric * 1000 : numeric);
}

/** Refuses timestamps further than the tolerance from `now`, in either direction (replays and clock skew). */
export function assertWithinTolerance(
  timestamp: Date,
  options: Pick<VerifyOptions, 'now' | 'toleranceSeconds'>,
): void {
  const ageMs = options.now.getTime() - timestamp.getTime();
  const toleranceMs = options.toleranceSeconds * 1000;
  if (ageMs > toleranceMs) {
    throw new WebhookVerificationError(
      'timestamp_too_old',
      `Webhook timestamp is ${Math.round(ageMs / 1000)} s old; the tolerance is ${options.toleranceSeconds} s`,
    );
  }
  if (-ageMs > toleranceMs) {
    throw new WebhookVerificationError(
      'timestamp_in_future',
      `Webhook timestamp is ${Math.round(-ageMs / 1000)} s in the future; the tolerance is ${options.toleranceSeconds} s`,
    );
  }
}
