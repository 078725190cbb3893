/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/#traceparent-header): `version-traceid-parentid-flags`,
 * lower-case hex. Version 00 is exactly 55 characters; a later version may append fields after a dash,
 * and a reader that knows only 00 reads its first four fields. Version ff is invalid.
 */
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_PARENT_ID = '0'.repeat(16);
/** Longer than any version a reader could make sense of: a header is sender input that lands in every log line. */
export const MAX_TRACEPARENT_LENGTH = 256;

/**
 * The sender's `traceparent` when it is valid, else undefined: an invalid one is ignored, as the
 * spec asks of a receiver (never an error: tracing must not cost a delivery).
 */
export function parseTraceparent(value: string | undefined): string | undefined {
  const text = value?.trim();
  if (!text || text.length > MAX_TRACEPARENT_LENGTH) return undefined;
  const match = TRACEPARENT.exec(text);
  if (!match) return undefined;
  const [, version, traceId, parentId, , rest] = match;
  if (version === 'ff' || traceId === ZERO_TRACE_ID || parentId === ZERO_PARENT_ID) return undefined;
  // Version 00 has exactly four fields; only a future version may carry more.
  if (version === '00' && rest !== undefined) return undefined;
  return text;
}

/** The keys that tie one lead's log lines together across functions: the same names in ingest and deliver. */
export function traceKeys(trace: { correlationId: string; traceparent?: string | undefined }): {
  correlationId: string;
  traceparent?: string;
} {
  return {
    correlationId: trace.correlationId,
    ...(trace.traceparent ? { traceparent: trace.traceparent } : {}),
  };
}
