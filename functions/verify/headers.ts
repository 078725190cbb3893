import { type WebhookRequest, WebhookVerificationError } from './types.ts';

/** Raw headers as Node or API Gateway hand them over: any case, possibly repeated, possibly absent. */
export type RawHeaders = Readonly<Record<string, string | string[] | undefined>>;

/** Lower-cases header names and joins repeated values with ", ", the shape WebhookRequest expects. */
export function normaliseHeaders(raw: RawHeaders): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    const key = name.toLowerCase();
    const joined = Array.isArray(value) ? value.join(', ') : value;
    // Two spellings of one name (e.g. "X-Sig" and "x-sig") are the same header repeated.
    headers[key] = headers[key] === undefined ? joined : `${headers[key]}, ${joined}`;
  }
  return headers;
}

/** The header's value, or undefined when absent or blank. `name` may be in any case. */
export function readHeader(request: WebhookRequest, name: string): string | undefined {
  const value = request.headers[name.toLowerCase()];
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

/** The header's value; a missing header is `signature_missing`, named as the vendor spells it. */
export function requireHeader(request: WebhookRequest, name: string): string {
  const value = readHeader(request, name);
  if (value === undefined) throw new WebhookVerificationError('signature_missing', `Missing ${name} header`);
  return value;
}

/** A present but unreadable signature header; says what shape was expected, never echoes the value. */
export function malformedHeader(name: string, expected: string): WebhookVerificationError {
  return new WebhookVerificationError('signature_invalid', `Malformed ${name} header: expected ${expected}`);
}
