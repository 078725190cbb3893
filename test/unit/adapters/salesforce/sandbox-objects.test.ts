import { describe, expect, it } from 'vitest';
import { recordId, sandboxSchema } from '../../../../adapters/salesforce/sandbox-objects.ts';

describe('recordId', () => {
  it.each([
    // Suffixes worked out by hand: one letter per 5 characters, bit i set when character i is
    // upper-case, read in 'A'..'Z','0'..'5'. '00QS0' → bits 2,3 → 12 → 'M'.
    ['00Q', 1, '00QS00000000001MAA'],
    // '003S0' → bit 3 → 'I'; '00000' → 'A'; '0000z' → 'A' (lower case sets nothing).
    ['003', 61, '003S0000000000zIAA'],
    // 2242 = 36·62 + 10 → 'aA'; '000aA' → bit 4 → 16 → 'Q'.
    ['00Q', 62 * 36 + 10, '00QS000000000aAMAQ'],
  ])('builds %s #%i as %s', (prefix, sequence, expected) => {
    // Prepare, Act
    const id = recordId(prefix, sequence);

    // Assess
    expect(id).toBe(expected);
  });

  it('gives distinct 18-character ids, distinct even ignoring case', () => {
    // Prepare
    const ids = Array.from({ length: 5000 }, (_, i) => recordId('00Q', i + 1));

    // Act
    const caseless = new Set(ids.map((id) => id.toLowerCase()));

    // Assess
    expect(ids.every((id) => id.length === 18)).toBe(true);
    expect(caseless.size).toBe(ids.length);
  });
});

describe('sandboxSchema', () => {
  it('makes Email_Key__c the unique external id and Email a lookup field', () => {
    // Prepare, Act
    const lead = sandboxSchema({ customFields: ['Email_Key__c'], leadRequiredFields: ['LastName'] }).get(
      'Lead',
    );

    // Assess
    expect(lead?.uniqueFields.has('Email_Key__c')).toBe(true);
    expect(lead?.externalIdFields.has('Email')).toBe(true);
    expect(lead?.uniqueFields.has('Email')).toBe(false);
    expect(lead?.required).toEqual(['LastName']);
  });
});
