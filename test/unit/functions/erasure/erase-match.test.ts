import { describe, expect, it } from 'vitest';
import { contactMatches, messageMatches, payloadMatches } from '../../../../functions/erasure/match.ts';
import type { QuarantinedPayload } from '../../../../functions/ports.ts';

const ADA = { email: 'ada@example.com', phone: '+14155550101' };

const entry = (contentType: string, body: string): QuarantinedPayload => ({
  leadId: 'lead_q',
  source: 'form',
  deliveryId: 'd-1',
  receivedAt: '2026-03-01T00:00:00.000Z',
  reason: { code: 'no_contact', message: 'no email or phone' },
  contentType,
  body: Buffer.from(body, 'utf8').toString('base64'),
});

describe('contactMatches', () => {
  it.each([
    ['the email in another case', { email: 'ADA@example.com' }, true],
    ['the phone', { phone: '+14155550101' }, true],
    ['another person', { email: 'grace@example.com', phone: '+14155550102' }, false],
    ['no contact', undefined, false],
  ])('%s', (_, contact, expected) => {
    // Act
    const matched = contactMatches(contact, ADA);

    // Assess
    expect(matched).toBe(expected);
  });
});

describe('messageMatches', () => {
  it.each([
    [
      'a lead.received of the person',
      { 'detail-type': 'lead.received', detail: { lead: { email: 'ada@example.com' } } },
      true,
    ],
    ['an ops alert naming no contact', { 'detail-type': 'ops.alert', detail: { leadId: 'lead_1' } }, false],
    [
      'a lead of someone else',
      { 'detail-type': 'lead.received', detail: { lead: { phone: '+14155550199' } } },
      false,
    ],
  ])('%s', (_, envelope, expected) => {
    // Act
    const matched = messageMatches(JSON.stringify(envelope), ADA);

    // Assess
    expect(matched).toBe(expected);
  });

  it('is false for a body that is not JSON', () => {
    // Act
    const matched = messageMatches('not json', ADA);

    // Assess
    expect(matched).toBe(false);
  });
});

describe('payloadMatches', () => {
  it.each([
    [
      'JSON, deep inside',
      'application/json',
      JSON.stringify({ a: { b: [{ c: 'Ada@Example.com' }] } }),
      { email: ADA.email },
    ],
    [
      'a form post with a national phone',
      'application/x-www-form-urlencoded',
      'phone=%28415%29+555-0101',
      { phone: ADA.phone },
    ],
    [
      'a phone as a JSON number',
      'application/json',
      JSON.stringify({ phone: 14155550101 }),
      { phone: ADA.phone },
    ],
    [
      'free text naming the email',
      'application/json',
      JSON.stringify({ note: 'mail ada@example.com today' }),
      { email: ADA.email },
    ],
    [
      'a body that does not parse',
      'application/json',
      '{ "email": "ada@example.com", ',
      { email: ADA.email },
    ],
  ])('finds the person in %s', (_, contentType, body, keys) => {
    // Act
    const matched = payloadMatches(entry(contentType, body), keys, 'US');

    // Assess
    expect(matched).toBe(true);
  });

  it.each([
    [
      'another email that contains the address',
      JSON.stringify({ email: 'grace.ada@example.com.au' }),
      { email: 'ada@example.com' },
    ],
    [
      'digits of several fields that only together spell the phone',
      JSON.stringify({ a: '415', b: '5550101' }),
      { phone: ADA.phone },
    ],
    ['another phone', JSON.stringify({ phone: '(415) 555-0102' }), { phone: ADA.phone }],
  ])('does not take %s for the person', (_, body, keys) => {
    // Act
    const matched = payloadMatches(entry('application/json', body), keys, 'US');

    // Assess
    expect(matched).toBe(false);
  });
});
