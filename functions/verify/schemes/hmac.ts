import { randomUUID } from 'node:crypto';
import type { HmacScheme } from '../../../schemas/generated/config.ts';
import { malformedHeader, readHeader, requireHeader } from '../headers.ts';
import { assertAnySignatureMatches, computeHmac } from '../signature.ts';
import { assertWithinTolerance, parseUnixTimestamp } from '../timestamp.ts';
import {
  type SignatureScheme,
  type VerifiedDelivery,
  type WebhookRequest,
  WebhookVerificationError,
} from '../types.ts';

/** An `hmac` scheme in config that can never verify anything; thrown when the scheme is built, i.e. at start. */
export class HmacSchemeConfigError extends Error {
  override readonly name = 'HmacSchemeConfigError';
}

type TemplatePart =
  | { kind: 'text'; text: string }
  | { kind: 'body' | 'timestamp' | 'method' | 'url' }
  | { kind: 'header'; name: string };

const PLACEHOLDER = /\{([^{}]*)\}/g;

function parseTemplate(template: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let last = 0;
  for (const match of template.matchAll(PLACEHOLDER)) {
    const [whole, name = ''] = match;
    if (match.index > last) parts.push({ kind: 'text', text: template.slice(last, match.index) });
    if (name === 'body' || name === 'timestamp' || name === 'method' || name === 'url') {
      parts.push({ kind: name });
    } else if (name.startsWith('header:') && name.length > 'header:'.length) {
      parts.push({ kind: 'header', name: name.slice('header:'.length) });
    } else {
      throw new HmacSchemeConfigError(
        `Unknown placeholder {${name}} in the hmac template; use {body}, {timestamp}, {method}, {url} or {header:Name}`,
      );
    }
    last = match.index + whole.length;
  }
  if (last < template.length) parts.push({ kind: 'text', text: template.slice(last) });
  return parts;
}

interface SignedValues {
  method: string;
  url: string;
  body: Buffer;
  timestamp: string | undefined;
  header: (name: string) => string;
}

function renderPart(part: TemplatePart, values: SignedValues): string | Buffer {
  switch (part.kind) {
    case 'text':
      return part.text;
    case 'body':
      return values.body;
    case 'method':
      return values.method;
    case 'url':
      return values.url;
    case 'timestamp':
      return values.timestamp ?? '';
    default:
      return values.header(part.name);
  }
}

function render(parts: readonly TemplatePart[], values: SignedValues): (string | Buffer)[] {
  return parts.map((part) => renderPart(part, values));
}

/**
 * A signature described in config: `header` carries `prefix` + HMAC(`template`) in `encoding`.
 * With `timestampHeader` the timestamp is checked against the replay window; with `deliveryIdHeader`
 * the sender's id is reported, as signed only when the template includes that header. Throws HmacSchemeConfigError for a config that could never verify.
 */
export function hmacScheme(config: HmacScheme): SignatureScheme {
  const template = parseTemplate(config.template ?? '{body}');
  const prefix = config.prefix ?? '';
  const unit = config.timestampUnit ?? 's';
  const { timestampHeader, deliveryIdHeader } = config;
  if (timestampHeader === undefined && template.some((part) => part.kind === 'timestamp')) {
    throw new HmacSchemeConfigError(
      'The hmac template uses {timestamp} but no timestampHeader is configured',
    );
  }
  // Header names are case-insensitive: {header:x-id} signs the X-Id delivery id.
  const deliveryIdSigned =
    deliveryIdHeader !== undefined &&
    template.some(
      (part) => part.kind === 'header' && part.name.toLowerCase() === deliveryIdHeader.toLowerCase(),
    );
  const expectedShape = `${prefix}<${config.encoding}>`;
  const digest = (secret: string, values: SignedValues) =>
    computeHmac(config.algorithm, secret, render(template, values), config.encoding);

  return {
    verify(request, options) {
      const header = requireHeader(request, config.header);
      if (!header.startsWith(prefix)) throw malformedHeader(config.header, expectedShape);
      const received = header.slice(prefix.length);
      let rawTimestamp: string | undefined;
      let timestamp: Date | undefined;
      if (timestampHeader !== undefined) {
        rawTimestamp = readHeader(request, timestampHeader);
        if (rawTimestamp === undefined) {
          throw new WebhookVerificationError('timestamp_missing', `Missing ${timestampHeader} header`);
        }
        timestamp = parseUnixTimestamp(rawTimestamp, unit, timestampHeader);
        assertWithinTolerance(timestamp, options);
      }
      const values: SignedValues = {
        method: request.method,
        url: request.url,
        body: request.body,
        timestamp: rawTimestamp,
        header: (name) => requireHeader(request, name),
      };
      // Resolve signed headers before the loop so a missing one is reported as missing, not as a mismatch.
      render(template, values);
      // Hex digests are case-insensitive; base64 is not.
      const candidate = config.encoding === 'hex' ? received.toLowerCase() : received;
      assertAnySignatureMatches([candidate], options.secrets, (secret) => digest(secret, values));
      const deliveryId = deliveryIdHeader === undefined ? undefined : readHeader(request, deliveryIdHeader);
      const signed: VerifiedDelivery = deliveryId === undefined ? {} : { deliveryId, deliveryIdSigned };
      return timestamp === undefined ? signed : { ...signed, timestamp };
    },
    sign(request, secret, now) {
      const headers: Record<string, string> = {};
      const rawTimestamp = String(unit === 's' ? Math.floor(now.getTime() / 1000) : now.getTime());
      if (timestampHeader !== undefined) headers[timestampHeader.toLowerCase()] = rawTimestamp;
      if (deliveryIdHeader !== undefined)
        headers[deliveryIdHeader.toLowerCase()] = request.deliveryId ?? randomUUID();
      const signingRequest: WebhookRequest = { ...request, headers };
      const signature = digest(secret, {
        method: request.method,
        url: request.url,
        body: request.body,
        timestamp: rawTimestamp,
        header: (name) => {
          const value = readHeader(signingRequest, name);
          if (value === undefined) {
            throw new HmacSchemeConfigError(
              `Cannot sign {header:${name}}: leadpipe does not produce that header`,
            );
          }
          return value;
        },
      });
      headers[config.header.toLowerCase()] = `${prefix}${signature}`;
      return headers;
    },
  };
}
