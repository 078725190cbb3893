import { TextDecoder } from 'node:util';

/** Limits that keep a hostile form post from costing more than a real one. */
export const BODY_LIMITS = {
  /** Fields in a form post (urlencoded or multipart). */
  maxFields: 1000,
  /** Bytes of one field name. */
  maxNameBytes: 200,
  /** Bytes of one multipart part's header block. */
  maxPartHeaderBytes: 8 * 1024,
} as const;

export type BodyParseErrorCode = 'empty_body' | 'malformed_body' | 'unsupported_media_type';

/** The body cannot be read as its content type says; the message never echoes the body. */
export class BodyParseError extends Error {
  override readonly name = 'BodyParseError';
  readonly code: BodyParseErrorCode;
  constructor(code: BodyParseErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

interface MediaType {
  essence: string;
  params: Map<string, string>;
}

/** Parses a Content-Type header value into its lower-cased essence and its parameters. */
export function parseMediaType(header: string): MediaType {
  const [essencePart = '', ...rest] = splitOutsideQuotes(header, ';');
  const params = new Map<string, string>();
  for (const raw of rest) {
    const eq = raw.indexOf('=');
    if (eq <= 0) continue;
    const key = raw.slice(0, eq).trim().toLowerCase();
    let value = raw.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) {
      value = value.slice(1, -1).replace(/\\(.)/g, '$1');
    }
    if (!params.has(key)) params.set(key, value);
  }
  return { essence: essencePart.trim().toLowerCase(), params };
}

function splitOutsideQuotes(text: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (quoted && ch === '\\' && i + 1 < text.length) {
      current += ch + (text[i + 1] as string);
      i++;
      continue;
    }
    if (ch === '"') quoted = !quoted;
    if (ch === separator && !quoted) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts;
}

const UTF8_LABELS = new Set(['utf-8', 'utf8', 'unicode-1-1-utf-8', 'us-ascii', 'ascii']);

function decoderFor(charset: string | undefined): TextDecoder {
  const label = (charset ?? 'utf-8').toLowerCase();
  try {
    // fatal: a byte sequence that is not valid in the declared charset is a malformed body, not U+FFFD.
    return new TextDecoder(UTF8_LABELS.has(label) ? 'utf-8' : label, { fatal: true });
  } catch (error) {
    throw new BodyParseError(
      'unsupported_media_type',
      `Unsupported charset "${label.slice(0, 40)}": send UTF-8 or a charset the WHATWG Encoding standard knows`,
      { cause: error },
    );
  }
}

function decode(bytes: Uint8Array, charset: string | undefined, what: string): string {
  const decoder = decoderFor(charset);
  try {
    return decoder.decode(bytes);
  } catch (error) {
    throw new BodyParseError('malformed_body', `${what} is not valid ${decoder.encoding}`, { cause: error });
  }
}

function isJsonType(essence: string): boolean {
  return essence === 'application/json' || (essence.startsWith('application/') && essence.endsWith('+json'));
}

/**
 * Turns a raw webhook body into a value a mapping can read: JSON as JSON, form posts as an object of fields
 * (repeated names become arrays; a multipart file becomes its file name, its content is dropped).
 */
export function parseBody(contentType: string | undefined, body: Buffer): unknown {
  if (body.length === 0) {
    throw new BodyParseError('empty_body', 'The request body is empty: the sender posted no payload');
  }
  if (contentType === undefined || contentType.trim() === '') {
    try {
      return parseJson(body, undefined);
    } catch (error) {
      throw new BodyParseError(
        'unsupported_media_type',
        'The request has no Content-Type and its body is not JSON: send Content-Type application/json, ' +
          'application/x-www-form-urlencoded or multipart/form-data',
        { cause: error },
      );
    }
  }
  const media = parseMediaType(contentType);
  if (isJsonType(media.essence)) return parseJson(body, media.params.get('charset'));
  if (media.essence === 'application/x-www-form-urlencoded') {
    return parseUrlEncoded(body, media.params.get('charset'));
  }
  if (media.essence === 'multipart/form-data') return parseMultipart(body, media.params.get('boundary'));
  throw new BodyParseError(
    'unsupported_media_type',
    `Unsupported Content-Type "${media.essence.slice(0, 100)}": send application/json, ` +
      'application/x-www-form-urlencoded or multipart/form-data',
  );
}

function parseJson(body: Buffer, charset: string | undefined): unknown {
  // The UTF-8 decoder drops a leading BOM, which JSON.parse would otherwise reject.
  const text = decode(body, charset, 'The body');
  if (text.trim() === '') {
    throw new BodyParseError('empty_body', 'The request body is blank: the sender posted no payload');
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new BodyParseError('malformed_body', `Body is not valid JSON: ${describeJsonError(error, text)}`, {
      cause: new Error('JSON.parse failed (message withheld: it quotes the body)'),
    });
  }
}

/** V8's JSON errors sometimes quote the body; keep only the parts that say what and where. */
function describeJsonError(error: unknown, text: string): string {
  const message = error instanceof Error ? error.message : '';
  const positioned = /^(.*? at position \d+(?: \(line \d+ column \d+\))?)/.exec(message);
  if (positioned?.[1] && !positioned[1].includes('"')) return positioned[1];
  if (message.startsWith('Unexpected end of JSON input')) return 'Unexpected end of JSON input';
  const position = firstJsonErrorPosition(text);
  return position === undefined ? 'syntax error' : `Unexpected token at position ${position}`;
}

/**
 * Finds where a JSON text stops being valid, for the few errors V8 reports without a position.
 * A small recursive-descent scanner; returns undefined when it finds no error.
 */
export function firstJsonErrorPosition(text: string): number | undefined {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const literal = (word: string) => {
    for (const ch of word) {
      if (text[i] !== ch) fail();
      i++;
    }
  };
  const string = () => {
    i++;
    while (i < text.length) {
      const ch = text.charCodeAt(i);
      if (ch === 0x22) {
        i++;
        return;
      }
      if (ch < 0x20) fail();
      if (ch === 0x5c) {
        i++;
        const esc = text[i];
        if (esc === 'u') {
          for (let k = 1; k <= 4; k++) if (!/[0-9a-fA-F]/.test(text[i + k] ?? '')) fail();
          i += 5;
          continue;
        }
        if (esc === undefined || !'"\\/bfnrt'.includes(esc)) fail();
      }
      i++;
    }
    fail();
  };
  const number = () => {
    const match = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!match || match[0] === '' || match[0] === '-') fail();
    i += (match as RegExpExecArray)[0].length;
  };
  const value = (depth: number): void => {
    if (depth > 5000) fail();
    ws();
    const ch = text[i];
    if (ch === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        string();
        ws();
        if (text[i] !== ':') fail();
        i++;
        value(depth + 1);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return;
        }
        fail();
      }
    }
    if (ch === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value(depth + 1);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return;
        }
        fail();
      }
    }
    if (ch === '"') string();
    else if (ch === 't') literal('true');
    else if (ch === 'f') literal('false');
    else if (ch === 'n') literal('null');
    else number();
  };
  try {
    value(0);
    ws();
    return i < text.length ? i : undefined;
  } catch (position) {
    return typeof position === 'number' ? position : undefined;
  }
}

/** An object whose keys are set as own data properties, so a field named __proto__ stays a field. */
class FieldCollector {
  readonly fields: Record<string, string | string[]> = {};
  #count = 0;
  add(name: string, value: string): void {
    this.#count++;
    if (this.#count > BODY_LIMITS.maxFields) {
      throw new BodyParseError('malformed_body', `The form has more than ${BODY_LIMITS.maxFields} fields`);
    }
    if (Buffer.byteLength(name) > BODY_LIMITS.maxNameBytes) {
      throw new BodyParseError(
        'malformed_body',
        `A form field name is longer than ${BODY_LIMITS.maxNameBytes} bytes`,
      );
    }
    const existing = Object.hasOwn(this.fields, name) ? this.fields[name] : undefined;
    const next =
      existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
    Object.defineProperty(this.fields, name, {
      value: next,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
}

function percentDecode(text: string): Uint8Array {
  // `text` holds one char per body byte (latin1), so bytes outside %XX pass through unchanged.
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x2b) {
      out.push(0x20);
    } else if (code === 0x25 && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 1, i + 3))) {
      out.push(Number.parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      out.push(code);
    }
  }
  return Uint8Array.from(out);
}

function parseUrlEncoded(body: Buffer, charset: string | undefined): Record<string, string | string[]> {
  const collector = new FieldCollector();
  const text = body.toString('latin1');
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const rawName = eq === -1 ? pair : pair.slice(0, eq);
    const rawValue = eq === -1 ? '' : pair.slice(eq + 1);
    const name = decode(percentDecode(rawName), charset, 'A form field name');
    const value = decode(percentDecode(rawValue), charset, 'A form field value');
    collector.add(name, value);
  }
  if (Object.keys(collector.fields).length === 0) {
    throw new BodyParseError('empty_body', 'The form post has no fields');
  }
  return collector.fields;
}

const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');

/** A multipart/form-data reader for the RFC 7578 format that browsers and form tools send. */
function parseMultipart(body: Buffer, boundary: string | undefined): Record<string, string | string[]> {
  if (boundary === undefined || boundary === '') {
    throw new BodyParseError(
      'malformed_body',
      'multipart/form-data needs a boundary parameter in its Content-Type',
    );
  }
  if (boundary.length > 70) {
    throw new BodyParseError('malformed_body', 'The multipart boundary is longer than 70 characters');
  }
  const delimiter = Buffer.from(`--${boundary}`);
  const collector = new FieldCollector();
  let cursor = indexOfDelimiter(body, delimiter, 0, true);
  if (cursor === -1) {
    throw new BodyParseError('malformed_body', 'The multipart body does not contain its boundary');
  }
  for (;;) {
    cursor += delimiter.length;
    if (body[cursor] === 0x2d && body[cursor + 1] === 0x2d) return collector.fields;
    // Transport padding (spaces/tabs) may follow a delimiter before its CRLF.
    while (body[cursor] === 0x20 || body[cursor] === 0x09) cursor++;
    if (!body.subarray(cursor, cursor + 2).equals(CRLF)) {
      throw new BodyParseError('malformed_body', 'A multipart boundary is not followed by a line break');
    }
    cursor += 2;
    const headerEnd = body.indexOf(HEADER_END, cursor);
    if (headerEnd === -1 || headerEnd - cursor > BODY_LIMITS.maxPartHeaderBytes) {
      throw new BodyParseError('malformed_body', 'A multipart part has no complete header block');
    }
    const headers = parsePartHeaders(body.subarray(cursor, headerEnd).toString('latin1'));
    const contentStart = headerEnd + 4;
    const next = indexOfDelimiter(body, delimiter, contentStart, false);
    if (next === -1) {
      throw new BodyParseError('malformed_body', 'The multipart body ends before its closing boundary');
    }
    const content = body.subarray(contentStart, next - 2);
    addPart(collector, headers, content);
    cursor = next;
  }
}

/** Finds `--boundary` at the start of the body or after a CRLF, as RFC 2046 requires. */
function indexOfDelimiter(body: Buffer, delimiter: Buffer, from: number, atStartAllowed: boolean): number {
  if (atStartAllowed && body.subarray(0, delimiter.length).equals(delimiter)) return 0;
  const withBreak = Buffer.concat([CRLF, delimiter]);
  const found = body.indexOf(withBreak, from);
  return found === -1 ? -1 : found + 2;
}

function parsePartHeaders(block: string): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of block.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return headers;
}

function addPart(collector: FieldCollector, headers: Map<string, string>, content: Buffer): void {
  const disposition = headers.get('content-disposition');
  if (disposition === undefined) {
    throw new BodyParseError('malformed_body', 'A multipart part has no Content-Disposition header');
  }
  const parsed = parseMediaType(disposition);
  const rawName = parsed.params.get('name');
  if (parsed.essence !== 'form-data' || rawName === undefined) {
    throw new BodyParseError('malformed_body', 'A multipart part is not a named form-data field');
  }
  // Header bytes were read as latin1; browsers send UTF-8 names, so re-read them as UTF-8.
  const name = decode(Buffer.from(rawName, 'latin1'), 'utf-8', 'A multipart field name');
  const filename = parsed.params.get('filename');
  if (filename !== undefined) {
    // Files are not leads: keep only the file's name so the field stays visible to a mapping.
    collector.add(name, decode(Buffer.from(filename, 'latin1'), 'utf-8', 'A multipart file name'));
    return;
  }
  const partType = headers.get('content-type');
  const charset = partType === undefined ? undefined : parseMediaType(partType).params.get('charset');
  collector.add(name, decode(content, charset, 'A multipart field'));
}
