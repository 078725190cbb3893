import { describe, expect, it } from 'vitest';
import { type MergeRules, mergeForWrite } from '../../../../functions/crm/field-policy.ts';

const rules: MergeRules = {
  policy: { FirstName: 'ifEmpty', LastName: 'ifEmpty', Company: 'ifEmpty', Email: 'never' },
  fallback: 'always',
  placeholders: { LastName: '[not provided]', Company: '[not provided]' },
};

describe('mergeForWrite on create (no current record)', () => {
  it('sends every incoming value, never fields included, and a placeholder for each missing required field', () => {
    // Prepare
    const incoming = { FirstName: 'Ada', Email: 'ada@example.com', Description: 'Call me' };

    // Act
    const write = mergeForWrite(incoming, undefined, rules);

    // Assess
    expect(write).toEqual({
      FirstName: 'Ada',
      Email: 'ada@example.com',
      Description: 'Call me',
      LastName: '[not provided]',
      Company: '[not provided]',
    });
  });

  it('uses the real value over the placeholder when the lead has one', () => {
    // Prepare
    const incoming = { LastName: 'Lovelace', Company: 'Analytical Engines' };

    // Act
    const write = mergeForWrite(incoming, undefined, rules);

    // Assess
    expect(write).toEqual({ LastName: 'Lovelace', Company: 'Analytical Engines' });
  });

  it.each([
    ['undefined', undefined],
    ['an empty string', ''],
    ['only spaces', '   '],
    ['only Unicode spaces', '\u00a0\u2003'],
  ])('leaves out a value that is %s', (_case, value) => {
    // Prepare
    const incoming = { Description: value, FirstName: 'Ada' };

    // Act
    const write = mergeForWrite(incoming, undefined, { policy: {}, fallback: 'always' });

    // Assess
    expect(write).toEqual({ FirstName: 'Ada' });
  });
});

describe('mergeForWrite on update (a current record)', () => {
  it.each([
    ['always', 'New Co', 'New Co'],
    ['ifEmpty', 'New Co', undefined],
    ['never', 'New Co', undefined],
  ] as const)('with policy %s over a known value writes %s → %s', (policy, value, expected) => {
    // Prepare
    const current = { Company: 'Old Co' };

    // Act
    const write = mergeForWrite({ Company: value }, current, {
      policy: { Company: policy },
      fallback: 'always',
    });

    // Assess
    expect(write.Company).toBe(expected);
  });

  it.each([
    ['null', null],
    ['absent', undefined],
    ['an empty string', ''],
  ])('fills an ifEmpty field whose current value is %s', (_case, currentValue) => {
    // Prepare
    const current = { FirstName: currentValue };

    // Act
    const write = mergeForWrite({ FirstName: 'Ada' }, current, rules);

    // Assess
    expect(write).toEqual({ FirstName: 'Ada' });
  });

  it('leaves a never field alone even when the record has no value for it', () => {
    // Prepare
    const current = { Email: null };

    // Act
    const write = mergeForWrite({ Email: 'ada@example.com' }, current, rules);

    // Assess
    expect(write).toEqual({});
  });

  it('replaces a placeholder the record holds with a real value, even for ifEmpty fields', () => {
    // Prepare
    const current = { LastName: '[not provided]', Company: '[not provided]' };

    // Act
    const write = mergeForWrite({ LastName: 'Lovelace', Company: 'Analytical Engines' }, current, rules);

    // Assess
    expect(write).toEqual({ LastName: 'Lovelace', Company: 'Analytical Engines' });
  });

  it('never sends a placeholder on update, even for a required field the record lacks', () => {
    // Prepare
    const current = { LastName: null, Company: 'Known Co' };

    // Act
    const write = mergeForWrite({ FirstName: 'Ada' }, current, rules);

    // Assess
    expect(write).toEqual({ FirstName: 'Ada' });
    expect(Object.values(write)).not.toContain('[not provided]');
  });

  it('never overwrites a known value with an incoming placeholder, whatever the policy', () => {
    // Prepare
    const current = { LastName: 'Lovelace', Company: 'Known Co' };
    const always: MergeRules = { ...rules, policy: { LastName: 'always', Company: 'always' } };

    // Act
    const write = mergeForWrite({ LastName: '[not provided]', Company: '[not provided]' }, current, always);

    // Assess
    expect(write).toEqual({});
  });

  it('never blanks a known value with an empty one, even for always fields', () => {
    // Prepare
    const current = { Description: 'First message', Phone: '+441234567890' };

    // Act
    const write = mergeForWrite({ Description: '', Phone: '  ' }, current, {
      policy: {},
      fallback: 'always',
    });

    // Assess
    expect(write).toEqual({});
  });

  it('sends nothing for a value the record already holds', () => {
    // Prepare
    const current = { Description: 'Same' };

    // Act
    const write = mergeForWrite({ Description: 'Same' }, current, { policy: {}, fallback: 'always' });

    // Assess
    expect(write).toEqual({});
  });

  it('uses the fallback for fields no policy names', () => {
    // Prepare
    const current = { Custom: 'old' };

    // Act
    const write = mergeForWrite({ Custom: 'new' }, current, { policy: {}, fallback: 'ifEmpty' });

    // Assess
    expect(write).toEqual({});
  });

  it('keeps Unicode values intact, emoji and combining marks included', () => {
    // Prepare
    const incoming = { FirstName: 'Zoë', LastName: 'Ångström 🚀', Company: '株式会社テスト' };

    // Act
    const created = mergeForWrite(incoming, undefined, rules);
    const updated = mergeForWrite(
      incoming,
      { FirstName: null, LastName: '[not provided]', Company: 'Другая' },
      rules,
    );

    // Assess
    expect(created).toEqual(incoming);
    expect(updated).toEqual({ FirstName: 'Zoë', LastName: 'Ångström 🚀' });
  });

  it('sends booleans and numbers, false and 0 included', () => {
    // Prepare
    const current = { OptIn: true, Score: 10 };

    // Act
    const write = mergeForWrite({ OptIn: false, Score: 0 }, current, { policy: {}, fallback: 'always' });

    // Assess
    expect(write).toEqual({ OptIn: false, Score: 0 });
  });
});
