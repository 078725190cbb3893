import { describe, expect, it } from 'vitest';
import {
  BodyParseError,
  firstJsonErrorPosition,
  parseBody,
} from '../../../../functions/mapping/parse-body.ts';

function multipart(boundary: string, parts: string[]): Buffer {
  return Buffer.from(`${parts.map((part) => `--${boundary}\r\n${part}\r\n`).join('')}--${boundary}--\r\n`);
}

function thrown(action: () => unknown): BodyParseError {
  try {
    action();
  } catch (error) {
    if (error instanceof BodyParseError) return error;
    throw error;
  }
  throw new Error('expected a BodyParseError');
}

describe('parseBody: JSON', () => {
  it.each([
    ['application/json', '{"email":"a@b.co"}', { email: 'a@b.co' }],
    ['application/json; charset=utf-8', '{"n":1}', { n: 1 }],
    ['Application/JSON; Charset="UTF-8"', '[1,2]', [1, 2]],
    ['application/vnd.api+json', '{"ok":true}', { ok: true }],
    [undefined, '{"no":"header"}', { no: 'header' }],
    ['', '"text"', 'text'],
  ])('parses %s', (contentType, body, expected) => {
    // Act
    const parsed = parseBody(contentType, Buffer.from(body));
    // Assess
    expect(parsed).toEqual(expected);
  });

  it('tolerates a UTF-8 byte order mark', () => {
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"name":"Zoë"}')]);
    expect(parseBody('application/json', body)).toEqual({ name: 'Zoë' });
  });

  it.each([
    ['{"email":"secret@example.com" "b":1}', /at position 30 \(line 1 column 31\)/],
    ['{"a": tru}', /Unexpected token at position 9/],
    ['{"a":', /Unexpected end of JSON input/],
    ['secret-value', /Unexpected token at position 0/],
  ])('rejects malformed JSON %s with a position and without echoing it', (body, message) => {
    // Act
    const error = thrown(() => parseBody('application/json', Buffer.from(body)));
    // Assess
    expect(error.code).toBe('malformed_body');
    expect(error.message).toMatch(/^Body is not valid JSON: /);
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain('secret');
    expect(String(error.cause)).not.toContain('secret');
  });

  it.each([
    ['{"a":1,}', 7],
    ['[1,2', 4],
    ['{"a":"\\x"}', 7],
    ['{"a":1} x', 8],
    ['{"a":[true,false,null,-1.5e3,"\\u00e9"]}', undefined],
  ])('finds the first error position in %s', (text, position) => {
    expect(firstJsonErrorPosition(text)).toBe(position);
  });

  it.each([
    ['application/json', Buffer.alloc(0), 'empty_body'],
    ['application/json', Buffer.from('  \n '), 'empty_body'],
    ['application/json', Buffer.from([0x7b, 0xff, 0x7d]), 'malformed_body'],
    ['application/json; charset=klingon', Buffer.from('{}'), 'unsupported_media_type'],
    ['text/plain', Buffer.from('{}'), 'unsupported_media_type'],
    ['application/xml', Buffer.from('<a/>'), 'unsupported_media_type'],
    [undefined, Buffer.from('email=a@b.co'), 'unsupported_media_type'],
  ])('rejects %s with %#', (contentType, body, code) => {
    expect(thrown(() => parseBody(contentType, body)).code).toBe(code);
  });
});

describe('parseBody: form-urlencoded', () => {
  const type = 'application/x-www-form-urlencoded';

  it('decodes fields, + as space and percent escapes, and gathers repeated names into arrays', () => {
    // Arrange
    const body = Buffer.from('email=laura%40example.com&name=Laura+van+der+Berg&tag=a&tag=b&empty=&flag');
    // Act
    const parsed = parseBody(type, body);
    // Assess
    expect(parsed).toEqual({
      email: 'laura@example.com',
      name: 'Laura van der Berg',
      tag: ['a', 'b'],
      empty: '',
      flag: '',
    });
  });

  it('keeps a field named __proto__ as a plain field', () => {
    const parsed = parseBody(type, Buffer.from('__proto__=x&__proto__=y&a=1')) as Record<string, unknown>;
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(Object.hasOwn(parsed, '__proto__')).toBe(true);
    expect(parsed.a).toBe('1');
  });

  it.each([
    ['utf-8 by default', type, 'city=Z%C3%BCrich', 'Zürich'],
    ['a declared latin1 charset', `${type}; charset=ISO-8859-1`, 'city=Z%FCrich', 'Zürich'],
    ['a literal % that starts no escape', type, 'city=100%25+%zz', '100% %zz'],
  ])('decodes %s', (_case, contentType, body, city) => {
    expect(parseBody(contentType, Buffer.from(body))).toEqual({ city });
  });

  it.each([
    ['invalid UTF-8 escapes', type, 'city=Z%FCrich', 'malformed_body'],
    ['no fields at all', type, '&&', 'empty_body'],
    ['too many fields', type, Array.from({ length: 1001 }, (_, i) => `f${i}=1`).join('&'), 'malformed_body'],
  ])('rejects %s', (_case, contentType, body, code) => {
    expect(thrown(() => parseBody(contentType, Buffer.from(body))).code).toBe(code);
  });
});

describe('parseBody: multipart/form-data', () => {
  const boundary = '----WebKitFormBoundary7MA4YWxkTrZu0gW';
  const type = `multipart/form-data; boundary=${boundary}`;
  const emailPart = 'Content-Disposition: form-data; name="email"\r\n\r\nlaura@example.com';

  it('reads text fields, repeated names and file names, and ignores file contents and the preamble', () => {
    // Arrange
    const body = Buffer.concat([
      Buffer.from('preamble to ignore\r\n'),
      multipart(boundary, [
        emailPart,
        'Content-Disposition: form-data; name="message"\r\n\r\nline one\r\nline two',
        'Content-Disposition: form-data; name="tag"\r\n\r\na',
        'Content-Disposition: form-data; name="tag"\r\n\r\nb',
        'Content-Disposition: form-data; name="empty"\r\n\r\n',
        'Content-Disposition: form-data; name="cv"; filename="cv.pdf"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.7 binary',
      ]),
    ]);
    // Act
    const parsed = parseBody(type, body);
    // Assess
    expect(parsed).toEqual({
      email: 'laura@example.com',
      message: 'line one\r\nline two',
      tag: ['a', 'b'],
      empty: '',
      cv: 'cv.pdf',
    });
  });

  it('reads a quoted boundary, UTF-8 names and a latin1 part charset', () => {
    const body = multipart('b o', [
      'Content-Disposition: form-data; name="ville"\r\n\r\nZürich',
      'Content-Disposition: form-data; name="old"\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\n',
    ]);
    const withLatin1 = Buffer.concat([
      body.subarray(0, body.indexOf('\r\n--b o--')),
      Buffer.from([0x5a, 0xfc]),
      body.subarray(body.indexOf('\r\n--b o--')),
    ]);
    expect(parseBody('multipart/form-data; boundary="b o"', withLatin1)).toEqual({
      ville: 'Zürich',
      old: 'Zü',
    });
  });

  it.each([
    ['no boundary parameter', 'multipart/form-data', multipart(boundary, [emailPart])],
    ['a boundary not in the body', 'multipart/form-data; boundary=other', multipart(boundary, [emailPart])],
    ['no closing boundary', type, Buffer.from(`--${boundary}\r\n${emailPart}\r\n`)],
    ['a part without Content-Disposition', type, multipart(boundary, ['Content-Type: text/plain\r\n\r\nx'])],
    ['a part without a name', type, multipart(boundary, ['Content-Disposition: form-data\r\n\r\nx'])],
    [
      'a part without a header end',
      type,
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="a"`),
    ],
    [
      'a boundary longer than 70',
      `multipart/form-data; boundary=${'x'.repeat(71)}`,
      multipart('x'.repeat(71), [emailPart]),
    ],
  ])('rejects %s as malformed', (_case, contentType, body) => {
    expect(thrown(() => parseBody(contentType, body)).code).toBe('malformed_body');
  });
});
