import { describe, expect, it } from 'vitest';
import { DEFAULT_FIELD_POLICY } from '../../../../adapters/salesforce/field-defaults.ts';
import {
  consentValues,
  contactWrite,
  encodeSoql,
  leadWrite,
  matchPersons,
  type PersonMapping,
  personQueries,
  personValues,
} from '../../../../adapters/salesforce/person-records.ts';
import { parseQuery } from '../../../../adapters/salesforce/sandbox-query.ts';
import { buildLead } from './lead-factory.ts';

const PERSON = `person_${'a'.repeat(32)}`;
const MAPPING: PersonMapping = {
  object: 'Lead',
  personIdField: 'Leadpipe_Person_Id__c',
  keyField: 'Email_Key__c',
  fields: {},
  placeholders: { LastName: '[not provided]', Company: '[not provided]' },
  policy: { ...DEFAULT_FIELD_POLICY, Email_Key__c: 'ifEmpty' },
};

describe('consentValues', () => {
  it.each([
    ['refused', { marketing: false }, { HasOptedOutOfEmail: true, Leadpipe_Consent_At__c: 'T' }],
    [
      'given',
      { marketing: true, text: 'News' },
      { HasOptedOutOfEmail: false, Leadpipe_Consent_Text__c: 'News' },
    ],
    ['terms only', { terms: true }, { HasOptedOutOfEmail: undefined, Leadpipe_Consent_At__c: 'T' }],
  ])('maps consent %s', (_, consent, expected) => {
    // Prepare
    const lead = buildLead({ consent });

    // Act
    const values = consentValues(lead, 'T');

    // Assess
    expect(values).toMatchObject(expected);
  });

  it('says nothing when the lead has no consent', () => {
    // Prepare, Act
    const values = consentValues(buildLead(), 'T');

    // Assess
    expect(values).toEqual({});
  });
});

describe('leadWrite', () => {
  it('sends placeholders and the first touch on create', () => {
    // Prepare
    const values = personValues(buildLead({ personId: PERSON, lastName: undefined, company: ' ' }), MAPPING);

    // Act
    const write = leadWrite(values, undefined, MAPPING);

    // Assess
    expect(write).toMatchObject({
      LastName: '[not provided]',
      Company: '[not provided]',
      Leadpipe_Person_Id__c: PERSON,
      Leadpipe_First_Source__c: 'website',
    });
  });

  it('leaves a recorded first touch whole, and clears what the latest touch lacks', () => {
    // Prepare
    const values = personValues(buildLead({ personId: PERSON, utm: { campaign: 'later' } }), MAPPING);
    const current = {
      Leadpipe_First_Seen__c: '2026-01-01T00:00:00.000Z',
      Leadpipe_Latest_UTM_Source__c: 'google',
      LastName: 'Hopper',
    };

    // Act
    const write = leadWrite(values, current, MAPPING);

    // Assess
    expect(write).not.toHaveProperty('Leadpipe_First_UTM_Campaign__c');
    expect(write).not.toHaveProperty('LastName');
    expect(write).toMatchObject({
      Leadpipe_Latest_UTM_Campaign__c: 'later',
      Leadpipe_Latest_UTM_Source__c: null,
    });
  });

  it('lets a config policy of always update one first-touch field', () => {
    // Prepare
    const mapping = {
      ...MAPPING,
      policy: { ...MAPPING.policy, Leadpipe_First_UTM_Campaign__c: 'always' as const },
    };
    const values = personValues(
      buildLead({ personId: PERSON, utm: { campaign: 'later', source: 'bing' } }),
      mapping,
    );

    // Act
    const write = leadWrite(values, { Leadpipe_First_Seen__c: '2026-01-01T00:00:00.000Z' }, mapping);

    // Assess
    expect(write).toMatchObject({ Leadpipe_First_UTM_Campaign__c: 'later' });
    expect(write).not.toHaveProperty('Leadpipe_First_UTM_Source__c');
  });

  it('never sends a placeholder on update', () => {
    // Prepare
    const values = personValues(buildLead({ personId: PERSON, lastName: undefined }), MAPPING);

    // Act
    const write = leadWrite(values, { LastName: '' }, MAPPING);

    // Assess
    expect(write).not.toHaveProperty('LastName');
  });
});

describe('contactWrite', () => {
  it('sends only the Contact fields that correspond, replacing a placeholder LastName', () => {
    // Prepare
    const values = personValues(buildLead({ personId: PERSON, company: 'Navy' }), MAPPING);

    // Act
    const write = contactWrite(values, { LastName: '[not provided]', Phone: '+10000000000' }, MAPPING);

    // Assess
    expect(write).toMatchObject({
      LastName: 'Lovelace',
      FirstName: 'Ada',
      Leadpipe_Latest_Source__c: 'website',
    });
    expect(write).not.toHaveProperty('Phone');
    expect(write).not.toHaveProperty('Company');
    expect(write).not.toHaveProperty('Leadpipe_First_Source__c');
    expect(write).not.toHaveProperty('Leadpipe_Person_Id__c');
  });
});

describe('personQueries', () => {
  const options = {
    object: 'Lead',
    personIdField: 'Leadpipe_Person_Id__c',
    select: ['Id', 'Email'],
    path: '/services/data/v62.0/query?q=',
  };

  it('finds persons by id or email in one query, with quotes escaped', () => {
    // Prepare
    const persons = [
      { personId: PERSON, email: "O'Neil@example.com" },
      { personId: `person_${'b'.repeat(32)}` },
    ];

    // Act
    const queries = personQueries(persons, { ...options, maxUriChars: 15_000 });

    // Assess
    expect(queries).toHaveLength(1);
    const parsed = parseQuery(queries[0] ?? '');
    expect(parsed).toMatchObject({
      where: {
        or: [
          { field: 'Leadpipe_Person_Id__c', op: 'IN', values: [PERSON, `person_${'b'.repeat(32)}`] },
          { field: 'Email', op: 'IN', values: ["o'neil@example.com"] },
        ],
      },
    });
  });

  it('splits into queries whose URIs each fit the budget, losing no person', () => {
    // Prepare
    const persons = Array.from({ length: 200 }, (_, i) => ({
      personId: `person_${i.toString(16).padStart(32, '0')}`,
      email: `someone.with.a.long.address.${i}@example.com`,
    }));

    // Act
    const queries = personQueries(persons, { ...options, maxUriChars: 4000 });

    // Assess
    expect(queries.length).toBeGreaterThan(1);
    for (const soql of queries) {
      const uri = options.path + encodeSoql(soql);
      expect(uri.length).toBeLessThanOrEqual(4000);
      // What an HTTP client sends is what was measured: the URL parser rewrites none of it.
      const sent = new URL(`https://acme.my.salesforce.com${uri}`);
      expect(sent.pathname + sent.search).toBe(uri);
    }
    const found = queries.flatMap((soql) => soql.match(/person_[0-9a-f]{32}/g) ?? []);
    expect(new Set(found).size).toBe(200);
  });
});

describe('matchPersons', () => {
  it('prefers the Lead holding the person id, else the oldest unclaimed Lead with the email', () => {
    // Prepare
    const other = `person_${'c'.repeat(32)}`;
    const rows = [
      {
        Id: '00Q2',
        Email: 'x@example.com',
        CreatedDate: '2026-02-01T00:00:00.000+0000',
        Leadpipe_Person_Id__c: null,
      },
      {
        Id: '00Q1',
        Email: 'X@example.com',
        CreatedDate: '2026-01-01T00:00:00.000+0000',
        Leadpipe_Person_Id__c: null,
      },
      { Id: '00Q3', Email: 'y@example.com', Leadpipe_Person_Id__c: PERSON },
      { Id: '00Q4', Email: 'z@example.com', Leadpipe_Person_Id__c: other },
    ];

    // Act
    const known = matchPersons(
      [
        { personId: PERSON, email: 'x@example.com' },
        { personId: `person_${'d'.repeat(32)}`, email: 'x@example.com' },
        { personId: `person_${'e'.repeat(32)}`, email: 'z@example.com' },
      ],
      rows,
      'Leadpipe_Person_Id__c',
    );

    // Assess
    expect(known.get(PERSON)?.id).toBe('00Q3');
    expect(known.get(`person_${'d'.repeat(32)}`)?.id).toBe('00Q1');
    // z@example.com belongs to another person: not adopted.
    expect(known.has(`person_${'e'.repeat(32)}`)).toBe(false);
  });
});
