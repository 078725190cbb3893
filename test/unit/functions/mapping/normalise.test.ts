import { describe, expect, it } from 'vitest';
import {
  flag,
  normaliseEmail,
  normalisePhone,
  normaliseScore,
  normaliseTimestamp,
  splitName,
  truncate,
  truncateVisibly,
} from '../../../../functions/mapping/normalise.ts';

describe('normaliseEmail', () => {
  it.each([
    ['  Laura@Example.COM ', 'laura@example.com'],
    ['first.last+tag@sub.example.co.uk', 'first.last+tag@sub.example.co.uk'],
    ['mailto:a@b.co', 'a@b.co'],
    ["o'brien@example.ie", "o'brien@example.ie"],
    ['zoë@example.com', 'zoë@example.com'],
    ['Zoë@Bücher.Example', 'zoë@bücher.example'],
  ])('accepts %j as %j', (raw, expected) => {
    expect(normaliseEmail(raw)).toBe(expected);
  });

  it.each([
    ['no-at-sign'],
    ['two@@example.com'],
    ['a@b@example.com'],
    ['.dot@example.com'],
    ['dot.@example.com'],
    ['do..t@example.com'],
    ['a@localhost'],
    ['a@-bad.com'],
    ['a@bad-.com'],
    ['a@example.123'],
    ['space in@example.com'],
    [`${'a'.repeat(65)}@example.com`],
    [`a@${'b'.repeat(250)}.com`],
    ['a@xn--a.example'],
    ['a@bad_label.example'],
  ])('rejects %j', (raw) => {
    expect(normaliseEmail(raw)).toBeUndefined();
  });
});

describe('normalisePhone', () => {
  it.each([
    ['(415) 555-2671', 'US', '+14155552671'],
    ['+32 491 22 33 44', 'US', '+32491223344'],
    ['0491 22 33 44', 'BE', '+32491223344'],
    ['0032 491 22 33 44', 'US', '+32491223344'],
    [15550000000, 'US', '+15550000000'],
    [32491223344, 'US', '+32491223344'],
    ['020 7946 0000', 'gb', '+442079460000'],
  ])('formats %j (region %s) as %s', (raw, region, expected) => {
    expect(normalisePhone(raw, region)).toBe(expected);
  });

  it.each([['12'], ['call me'], [''], [-5], [1.5], ['+999 1234 5678'], ['555-0100']])('rejects %j', (raw) => {
    expect(normalisePhone(raw, 'US')).toBeUndefined();
  });
});

describe('splitName', () => {
  it.each([
    ['Laura van der Berg', { firstName: 'Laura', lastName: 'van der Berg' }],
    ['  Cher  ', { firstName: 'Cher' }],
    ['Ann\t\n  Lee', { firstName: 'Ann', lastName: 'Lee' }],
    ['   ', {}],
  ])('splits %j', (full, expected) => {
    expect(splitName(full)).toEqual(expected);
  });
});

describe('scalars', () => {
  it.each([
    [true, true],
    ['on', true],
    ['Yes', true],
    [1, true],
    ['false', false],
    ['', false],
    [0, false],
    ['maybe', undefined],
    [2, undefined],
    [['on'], true],
  ])('flag(%j) is %j', (value, expected) => {
    expect(flag(value)).toBe(expected);
  });

  it.each([
    [72, 72],
    ['72', 72],
    [72.5, 73],
    [-3, 0],
    [1e9, 100],
    ['high', undefined],
    ['', undefined],
    [Number.NaN, undefined],
  ])('normaliseScore(%j) is %j', (value, expected) => {
    expect(normaliseScore(value)).toBe(expected);
  });

  it.each([
    ['2018-01-18T18:17:02Z', '2018-01-18T18:17:02.000Z'],
    ['2015-08-21T01:26:24+0000', '2015-08-21T01:26:24.000Z'],
    [1440120384, '2015-08-21T01:26:24.000Z'],
    [1564113600000, '2019-07-26T04:00:00.000Z'],
    ['1517927174000', '2018-02-06T14:26:14.000Z'],
    ['2023-06-28', undefined],
    ['yesterday', undefined],
    [1e20, undefined],
  ])('normaliseTimestamp(%j) is %j', (value, expected) => {
    expect(normaliseTimestamp(value)).toBe(expected);
  });

  it('truncates without splitting a surrogate pair', () => {
    expect(truncate('ab😀', 3)).toBe('ab');
    expect(truncate('abc', 3)).toBe('abc');
  });
});

describe('truncateVisibly', () => {
  it('keeps text within the limit as it is', () => {
    expect(truncateVisibly('short 😀', 7)).toBe('short 😀');
  });

  it('cuts to the limit in code points, ending with how many were cut', () => {
    // Prepare
    const text = '😀'.repeat(100);
    // Act
    const cut = truncateVisibly(text, 50);
    // Assess
    expect([...cut]).toHaveLength(50);
    const marker = '… [truncated: 78 characters]';
    expect(cut).toBe('😀'.repeat(50 - marker.length) + marker);
  });

  it('never splits a surrogate pair', () => {
    const cut = truncateVisibly(`a${'😀'.repeat(40)}`, 35);
    expect(cut.isWellFormed()).toBe(true);
  });
});
