import { describe, expect, it } from 'vitest';
import {
  LedgerQueryError,
  normaliseQuery,
  queryFromText,
} from '../../../../functions/ledger/search-terms.ts';

describe('queryFromText', () => {
  it.each([
    ['Jane@Acme.example', { email: 'Jane@Acme.example' }],
    ['lead_0123456789abcdef0123456789abcdef', { leadId: 'lead_0123456789abcdef0123456789abcdef' }],
    ['+1 (555) 010-0199', { phone: '+1 (555) 010-0199' }],
    ['evt_01HXYZ', { correlationId: 'evt_01HXYZ' }],
    ['  ', {}],
  ])('reads %j as %j', (text, query) => {
    expect(queryFromText(text)).toEqual(query);
  });
});

describe('normaliseQuery', () => {
  it('compares emails as mapping stores them and phones in E.164', () => {
    expect(normaliseQuery({ email: ' Zoë@Bücher.example ', phone: '(555) 010-0199' }, 'US')).toMatchObject({
      email: 'zoë@bücher.example',
      phone: '+15550100199',
      limit: 50,
    });
  });

  it('bounds the page and reads times as ISO 8601', () => {
    expect(normaliseQuery({ limit: 10_000, since: '2026-12-01' })).toEqual({
      limit: 200,
      since: '2026-12-01T00:00:00.000Z',
    });
  });

  it.each([
    [{ email: 'not an address' }, /is not an email address/],
    [{ phone: 'call me' }, /is not a phone number/],
    [{ until: 'yesterday' }, /until "yesterday" is not a date/],
  ])('refuses %j: it could match nothing', (query, message) => {
    expect(() => normaliseQuery(query)).toThrow(LedgerQueryError);
    expect(() => normaliseQuery(query)).toThrow(message);
  });
});
