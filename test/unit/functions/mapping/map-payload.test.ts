import { describe, expect, it } from 'vitest';
import { checkMapping, mapPayload } from '../../../../functions/mapping/index.ts';
import { MappingError } from '../../../../functions/mapping/types.ts';

const input = (payload: unknown, headers: Record<string, string> = {}) => ({
  payload,
  contentType: 'application/json',
  headers,
  phoneRegion: 'US',
});

async function rejection(promise: Promise<unknown>): Promise<MappingError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof MappingError)) throw new Error(`expected a MappingError, got ${String(error)}`);
  return error;
}

describe('mapPayload with JSONata', () => {
  it('maps with an expression that can read $headers, then normalises', async () => {
    // Arrange
    const jsonata = `{
      "email": contact.mail,
      "name": contact.who,
      "phone": contact.tel,
      "score": rating * 10,
      "deliveryId": $headers."x-request-id",
      "custom": { "plan": plan }
    }`;
    const payload = {
      contact: { mail: 'Ann@Example.com', who: 'Ann Lee', tel: '(415) 555-2671' },
      rating: 7.4,
      plan: 'pro',
    };
    // Act
    const lead = await mapPayload({ jsonata }, input(payload, { 'x-request-id': 'req-1' }));
    // Assess
    expect(lead).toEqual({
      email: 'ann@example.com',
      phone: '+14155552671',
      firstName: 'Ann',
      lastName: 'Lee',
      score: 74,
      deliveryId: 'req-1',
      custom: { plan: 'pro' },
    });
  });

  it.each([
    ['a runtime type error', '{"email": email + 1}', /JSONata evaluation error T2001 at position \d+/],
    ['a call of $error', '$error("stop here")', /JSONata evaluation error D3137.*stop here/],
    ['a syntax error', '{"email": email', /JSONata syntax error S0203 at position 15/],
  ])('reports %s as mapping_failed with code and position', async (_case, jsonata, message) => {
    const error = await rejection(mapPayload({ jsonata }, input({ email: 'a@b.co' })));
    expect(error.code).toBe('mapping_failed');
    expect(error.message).toMatch(message);
  });

  it('keeps the offending payload value out of the error', async () => {
    const error = await rejection(
      mapPayload({ jsonata: '{"email": -email}' }, input({ email: 'secret@example.com' })),
    );
    expect(error.code).toBe('mapping_failed');
    expect(error.message).not.toContain('secret');
    expect(String((error.cause as Error).message)).not.toContain('secret');
  });

  it.each([
    ['an endless tail-recursive loop', '( $f := function($n) { $f($n + 1) }; $f(0) )', /D1012|D1011/],
    ['unbounded recursion', '( $f := function($n) { 1 + $f($n + 1) }; $f(0) )', /D1011|stack/],
    ['a huge sequence', '[1..1000000].($ * 2)', /D2015/],
  ])('stops %s as mapping_failed', async (_case, jsonata, message) => {
    // Arrange: small bounds so the guard fires whatever the machine's speed
    const limits = { timeoutMs: 50, maxDepth: 100, maxSequence: 1000 };
    // Act
    const error = await rejection(mapPayload({ jsonata }, input({}), { jsonataLimits: limits }));
    // Assess
    expect(error.code).toBe('mapping_failed');
    expect(error.message).toMatch(message);
  });

  it.each([
    ['nothing', 'nope', /produced nothing/],
    ['a string', '"x"', /produced a string/],
    ['an array', '[1, 2]', /produced an array/],
  ])('rejects an expression that produces %s as unexpected_shape', async (_case, jsonata, message) => {
    const error = await rejection(mapPayload({ jsonata }, input({ email: 'a@b.co' })));
    expect(error.code).toBe('unexpected_shape');
    expect(error.message).toMatch(message);
  });
});

describe('mapPayload validation', () => {
  it.each([
    [
      'drops an unreadable phone and keeps it in custom when an email is present',
      { email: 'a@b.co', phone: 'call me' },
    ],
  ])('%s', async (_case, payload) => {
    const lead = await mapPayload({ preset: 'generic' }, input(payload));
    expect(lead.phone).toBeUndefined();
    expect(lead.custom).toEqual({ phoneRaw: 'call me' });
  });

  it('never puts the email in the invalid_email message', async () => {
    const error = await rejection(mapPayload({ preset: 'generic' }, input({ email: 'secret@@example.com' })));
    expect(error.code).toBe('invalid_email');
    expect(error.message).not.toContain('secret');
  });

  it('keeps the delivery id the preset found on an error raised after it (a form with no email or phone)', async () => {
    // Prepare: a Typeform response whose answers hold neither an email nor a phone.
    const payload = {
      event_id: 'evt-without-contact',
      event_type: 'form_response',
      form_response: { answers: [] },
    };

    // Act
    const error = await rejection(mapPayload({ preset: 'typeform' }, input(payload)));

    // Assess
    expect(error.code).toBe('no_contact');
    expect(error.partial?.deliveryId).toBe('evt-without-contact');
  });

  it('treats a missing preset as generic', async () => {
    const lead = await mapPayload({}, input({ email: 'a@b.co' }));
    expect(lead).toEqual({ email: 'a@b.co' });
  });
});

describe('checkMapping', () => {
  it.each([
    ['a preset', { preset: 'typeform' as const }, []],
    ['a valid expression and score', { jsonata: '{"email": email}', score: 50 }, []],
    ['nothing', {}, ['mapping needs a preset or a jsonata expression']],
    [
      'both',
      { preset: 'generic' as const, jsonata: '$' },
      ['mapping has both a preset and a jsonata expression: keep one'],
    ],
    ['an empty expression', { jsonata: '  ' }, ['mapping.jsonata is empty']],
    [
      'a score out of range',
      { preset: 'generic' as const, score: 101 },
      ['mapping.score must be an integer from 0 to 100'],
    ],
    [
      'a fractional score',
      { preset: 'generic' as const, score: 2.5 },
      ['mapping.score must be an integer from 0 to 100'],
    ],
  ])('accepts or lists problems for %s', (_case, mapping, problems) => {
    expect(checkMapping(mapping)).toEqual(problems);
  });

  it('reports a JSONata syntax error with its position', () => {
    expect(checkMapping({ jsonata: '{"email": email' })).toEqual([
      expect.stringMatching(/^mapping\.jsonata: JSONata syntax error S0203 at position 15: /),
    ]);
  });

  it('reports an unknown preset', () => {
    const problems = checkMapping({ preset: 'nope' as 'generic' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^mapping\.preset "nope" is not a known preset/);
  });
});
