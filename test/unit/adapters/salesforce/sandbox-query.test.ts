import { describe, expect, it } from 'vitest';
import { type Condition, matches, parseQuery } from '../../../../adapters/salesforce/sandbox-query.ts';

describe('parseQuery', () => {
  it.each([
    ['SELECT Id FROM Lead', { fields: ['Id'], object: 'Lead', where: undefined, limit: undefined }],
    [
      "select Id, Email from Lead where Email_Key__c = 'o\\'neil@example.com' and IsDeleted = false limit 3",
      {
        fields: ['Id', 'Email'],
        object: 'Lead',
        where: {
          and: [
            { field: 'Email_Key__c', op: '=', value: "o'neil@example.com" },
            { field: 'IsDeleted', op: '=', value: false },
          ],
        },
        limit: 3,
      },
    ],
    [
      'SELECT Id FROM Lead WHERE Lead_Score__c = 70 AND Phone = null',
      {
        fields: ['Id'],
        object: 'Lead',
        where: {
          and: [
            { field: 'Lead_Score__c', op: '=', value: 70 },
            { field: 'Phone', op: '=', value: null },
          ],
        },
        limit: undefined,
      },
    ],
    [
      "SELECT Id, ConvertedContact.Email FROM Lead WHERE Leadpipe_Person_Id__c IN ('person_a', 'person_b') OR (Email IN ('x@example.com') AND IsConverted = true)",
      {
        fields: ['Id', 'ConvertedContact.Email'],
        object: 'Lead',
        where: {
          or: [
            { field: 'Leadpipe_Person_Id__c', op: 'IN', values: ['person_a', 'person_b'] },
            {
              and: [
                { field: 'Email', op: 'IN', values: ['x@example.com'] },
                { field: 'IsConverted', op: '=', value: true },
              ],
            },
          ],
        },
        limit: undefined,
      },
    ],
  ])('parses %s', (soql, expected) => {
    // Prepare, Act
    const query = parseQuery(soql);

    // Assess
    expect(query).toEqual(expected);
  });

  it.each([
    'SELECT FROM Lead',
    'SELECT Id, FROM Lead',
    "SELECT Id FROM Lead WHERE Email LIKE 'a%'",
    "SELECT Id FROM Lead WHERE Email IN ('a@example.com'",
    "SELECT Id FROM Lead WHERE (Email = 'a@example.com'",
    'DELETE Lead',
  ])('explains what it cannot parse: %s', (soql) => {
    // Prepare, Act
    const query = parseQuery(soql);

    // Assess
    expect(typeof query).toBe('string');
  });
});

const CONDITION_CASES: [Condition, boolean][] = [
  [{ field: 'Email', op: 'IN', values: ['A@Example.com', 'b@example.com'] }, true],
  [{ field: 'Email', op: 'IN', values: ['c@example.com'] }, false],
  [
    {
      or: [
        { field: 'Phone', op: '=', value: null },
        { field: 'Email', op: '=', value: 'nope' },
      ],
    },
    true,
  ],
  [
    {
      and: [
        { field: 'Phone', op: '=', value: null },
        { field: 'Email', op: '=', value: 'nope' },
      ],
    },
    false,
  ],
];

describe('matches', () => {
  it.each(CONDITION_CASES)('evaluates %j to %s', (condition, expected) => {
    // Prepare
    const record: Record<string, unknown> = { Email: 'a@example.com' };

    // Act
    const result = matches(condition, (field) => record[field]);

    // Assess
    expect(result).toBe(expected);
  });
});
