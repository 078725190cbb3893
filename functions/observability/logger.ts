import { Logger } from '@aws-lambda-powertools/logger';

/** Keys whose values are personal data wherever they appear in a log entry. */
const PII_KEYS = new Set([
  'email',
  'phone',
  'firstname',
  'lastname',
  'name',
  'fullname',
  'company',
  'message',
]);
const EMAIL = /[^\s@"'<>]+@[^\s@"'<>]+\.[^\s@"'<>]+/g;
const PHONE = /\+?\d[\d\s().-]{7,}\d/g;

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
