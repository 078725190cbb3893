import { describe, expect, it } from 'vitest';
import { mapPayload } from '../../../../../functions/mapping/index.ts';
import { leadSchemaErrors } from '../lead-rules.ts';

const input = (payload: unknown) => ({
  payload,
  contentType: 'application/x-www-form-urlencoded',
  headers: {},
  phoneRegion: 'GB',
});

describe('generic preset', () => {
  it('maps a flat form post with common field names and keeps the rest in custom', async () => {
    // Arrange
    const payload = {
      'Email Address': ' Laura@Example.COM ',
      tel: '020 7946 0000',
      full_name: 'Laura  van der Berg',
      organisation: 'Acme',
      comments: 'Call me\n\n\n\nafter 5',
      utm_source: 'google',
      UTM_Medium: 'cpc',
      marketing_consent: 'on',
      score: '72',
      plan: 'pro',
      seats: 12,
      tags: ['a', 'b'],
    };
    // Act
    const lead = await mapPayload({ preset: 'generic' }, input(payload));
    // Assess
    expect(lead).toEqual({
      email: 'laura@example.com',
      phone: '+442079460000',
      firstName: 'Laura',
      lastName: 'van der Berg',
      company: 'Acme',
      message: 'Call me\n\nafter 5',
      utm: { source: 'google', medium: 'cpc' },
      consent: { marketing: true },
      score: 72,
      custom: { plan: 'pro', seats: 12, tags: 'a, b' },
    });
    expect(leadSchemaErrors(lead)).toEqual([]);
  });

  it('maps nested JSON: shallow fields win, nested names are read with the parent name (utm{source}, company{name}), other leaves go to custom by path', async () => {
    // Arrange
    const payload = {
      contact: {
        'e-mail': 'nested@example.com',
        firstName: 'Ann',
        surname: 'Lee',
        company: { name: 'Deep Co' },
      },
      email: 'top@example.com',
      utm: { source: 'newsletter', campaign: 'spring' },
      meta: { page: { url: 'https://x.test/a' } },
    };
    // Act
    const lead = await mapPayload({ preset: 'generic' }, input(payload));
    // Assess
    expect(lead.email).toBe('top@example.com');
    expect(lead.firstName).toBe('Ann');
    expect(lead.lastName).toBe('Lee');
    expect(lead.utm).toEqual({ source: 'newsletter', campaign: 'spring' });
    expect(lead.company).toBe('Deep Co');
    expect(lead.attribution).toEqual({ landingPage: 'https://x.test/a' });
    expect(lead.custom).toEqual({ 'contact.e-mail': 'nested@example.com' });
  });

  it('uses the mapping score when the payload has none', async () => {
    const lead = await mapPayload({ preset: 'generic', score: 40 }, input({ email: 'a@b.co' }));
    expect(lead.score).toBe(40);
  });

  it.each([
    [{ email: 'not-an-email' }, 'invalid_email'],
    [{ phone: '12' }, 'invalid_phone'],
    [{ name: 'No Contact' }, 'no_contact'],
    [['email', 'a@b.co'], 'unexpected_shape'],
    ['a@b.co', 'unexpected_shape'],
  ])('rejects %j with %s', async (payload, code) => {
    await expect(mapPayload({ preset: 'generic' }, input(payload))).rejects.toMatchObject({
      name: 'MappingError',
      code,
    });
  });
});
