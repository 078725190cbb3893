import { Logger } from '@aws-lambda-powertools/logger';

/**
 * Keys whose values are personal data wherever they appear in a log entry. Not `message` or
 * `name`: Powertools uses those for the log line itself and for error names.
 */
const PII_KEYS = new Set(['email', 'phone', 'firstname', 'lastname', 'fullname', 'company']);
/**
 * An address: a plausible local part (no slashes, so `node_modules/@scope/pkg` paths survive), @, a dotted domain.
 * The lookbehind starts a match only where a run of local-part characters starts: without it, a long run with no @
 * is rescanned from each of its characters, quadratic in its length (a second at 32 k characters). A match that
 * fails from a run's start fails from any later point in it (the same @, the same domain), so nothing is missed.
 */
export const EMAIL = /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/g;
/** An international number as leads carry them (E.164, maybe spaced): never an ISO date or a port. */
export const PHONE = /\+[1-9](?:[\s.-]?\d){6,14}\b/g;

/**
 * Redacts personal data from anything about to be logged: PII keys lose their values, and
 * email addresses or phone numbers inside other strings are masked. Leads are identified in
 * logs by their id, never by who they are.
 */
export function redactPii(key: string, value: unknown): unknown {
  if (typeof value === 'string') {
    if (PII_KEYS.has(key.toLowerCase().replaceAll(/[_-]/g, ''))) return '[redacted]';
    return value.replace(EMAIL, '[email]').replace(PHONE, '[phone]');
  }
  return value;
}

export interface LoggerOptions {
  serviceName?: string;
  logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT' | 'CRITICAL';
}

/** A Powertools logger whose every entry passes through the PII redactor. */
export function createLogger(options: LoggerOptions = {}): Logger {
  return new Logger({
    serviceName: options.serviceName ?? 'leadpipe',
    logLevel: options.logLevel ?? 'INFO',
    jsonReplacerFn: (key, value) => redactPii(key, value),
  });
}
