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
  const timestamp = new Date(unit === 's' ? numeric * 1000 : numeric);
  // Past ±8.64e15 ms a Date is Invalid, and every comparison with NaN is false: it would skip the window.
  if (Number.isNaN(timestamp.getTime())) {
    throw new WebhookVerificationError('timestamp_invalid', `${headerName} is beyond the range of a date`);
  }
  return timestamp;
}

/** Refuses timestamps further than the tolerance from `now`, in either direction (replays and clock skew). */
export function assertWithinTolerance(
  timestamp: Date,
  options: Pick<VerifyOptions, 'now' | 'toleranceSeconds'>,
): void {
  const ageMs = options.now.getTime() - timestamp.getTime();
  // An Invalid Date compares false both ways; refuse it rather than let it through.
  if (Number.isNaN(ageMs)) {
    throw new WebhookVerificationError('timestamp_invalid', 'Webhook timestamp is not a valid date');
  }
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
