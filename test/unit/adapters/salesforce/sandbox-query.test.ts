import { describe, expect, it } from 'vitest';
import { parseQuery } from '../../../../adapters/salesforce/sandbox-query.ts';

describe('parseQuery', () => {
  it.each([
    ['SELECT Id FROM Lead', { fields: ['Id'], object: 'Lead', where: [], limit: undefined }],
    [
      "select Id, Email from Lead where Email_Key__c = 'o\\'neil@example.com' and IsDeleted = false limit 3",
      {
        fields: ['Id', 'Email'],
        object: 'Lead',
        where: [
          { field: 'Email_Key__c', value: "o'neil@example.com" },
          { field: 'IsDeleted', value: false },
        ],
        limit: 3,
      },
    ],
    [
      'SELECT Id FROM Lead WHERE Lead_Score__c = 70 AND Phone = null',
      {
        fields: ['Id'],
        object: 'Lead',
        where: [
          { field: 'Lead_Score__c', value: 70 },
          { field: 'Phone', value: null },
        ],
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
    'DELETE Lead',
  ])('explains what it cannot parse: %s', (soql) => {
    // Prepare, Act
    const query = parseQuery(soql);

    // Assess
    expect(typeof query).toBe('string');
  });
});
