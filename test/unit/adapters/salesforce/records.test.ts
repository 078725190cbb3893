import { describe, expect, it } from 'vitest';
import {
  NO_EXTERNAL_ID_REASON,
  type RecordMapping,
  readPath,
  redact,
  toSalesforceRecord,
} from '../../../../adapters/salesforce/records.ts';
import { buildLead } from './lead-factory.ts';

const mapping: RecordMapping = {
  object: 'Lead',
  externalIdField: 'Email_Key__c',
  fields: {},
  fallbacks: { lastName: '[not provided]', company: '[not provided]' },
};

describe('toSalesforceRecord', () => {
  it('maps a complete lead to the default Lead fields plus the lower-cased key', () => {
    // Prepare
    const lead = buildLead({ email: 'Ada@Example.COM', source: 'typeform' });

    // Act
    const mapped = toSalesforceRecord(lead, mapping);

    // Assess
    expect(mapped).toEqual({
      key: 'ada@example.com',
      record: {
        attributes: { type: 'Lead' },
        Email: 'Ada@Example.COM',
        FirstName: 'Ada',
        LastName: 'Lovelace',
        Company: 'Analytical Engines Ltd',
        Phone: '+442071838750',
        Description: 'Please call me back',
        LeadSource: 'typeform',
        Email_Key__c: 'ada@example.com',
      },
    });
  });

  it.each([
    ['missing', { lastName: undefined, company: undefined }],
    ['blank', { lastName: ' ', company: '' }],
  ])('uses the fallbacks when LastName and Company are %s', (_, overrides) => {
    // Prepare
    const lead = buildLead(overrides);
    const custom = { ...mapping, fallbacks: { lastName: 'Unknown', company: 'n/a' } };

    // Act
    const mapped = toSalesforceRecord(lead, custom);

    // Assess
    expect(mapped).toMatchObject({ record: { LastName: 'Unknown', Company: 'n/a' } });
  });

  it('leaves out optional fields the lead does not have', () => {
    // Prepare
    const lead = buildLead({ firstName: undefined, phone: undefined, message: undefined });

    // Act
    const mapped = toSalesforceRecord(lead, mapping);

    // Assess
    expect('record' in mapped && Object.keys(mapped.record).sort()).toEqual(
      ['Company', 'Email', 'Email_Key__c', 'LastName', 'LeadSource', 'attributes'].sort(),
    );
  });

  it.each([undefined, '', '   '])('refuses a lead whose email is %j', (email) => {
    // Prepare
    const lead = buildLead({ email });

    // Act
    const mapped = toSalesforceRecord(lead, mapping);

    // Assess
    expect(mapped).toEqual({ reason: NO_EXTERNAL_ID_REASON });
  });

  it('adds configured fields and never lets them overwrite the external id', () => {
    // Prepare
    const lead = buildLead({
      email: 'x@example.com',
      utm: { campaign: 'spring' },
      score: 80,
      custom: { vip: true },
    });
    const withFields = {
      ...mapping,
      fields: {
        'utm.campaign': 'UTM_Campaign__c',
        score: 'Lead_Score__c',
        'custom.vip': 'VIP__c',
        'utm.source': 'UTM_Source__c',
        message: 'Email_Key__c',
      },
    };

    // Act
    const mapped = toSalesforceRecord(lead, withFields);

    // Assess
    expect(mapped).toMatchObject({
      record: { UTM_Campaign__c: 'spring', Lead_Score__c: 80, VIP__c: true, Email_Key__c: 'x@example.com' },
    });
    expect('record' in mapped && 'UTM_Source__c' in mapped.record).toBe(false);
  });

  it('uses another object and external id field when configured', () => {
    // Prepare
    const lead = buildLead({ email: 'y@example.com' });

    // Act
    const mapped = toSalesforceRecord(lead, { ...mapping, object: 'Contact', externalIdField: 'Email' });

    // Assess
    expect(mapped).toMatchObject({
      key: 'y@example.com',
      record: { attributes: { type: 'Contact' }, Email: 'y@example.com' },
    });
  });
});

describe('readPath', () => {
  it.each([
    ['utm.campaign', { utm: { campaign: 'c' } }, 'c'],
    ['score', { score: 0 }, 0],
    ['consent.marketing', { consent: { marketing: false } }, false],
    ['utm', { utm: { campaign: 'c' } }, undefined],
    ['utm.missing', { utm: {} }, undefined],
    ['custom.toString', { custom: {} }, undefined],
    ['message', { message: '  ' }, undefined],
  ])('reads %s', (path, overrides, expected) => {
    // Prepare
    const lead = buildLead(overrides);

    // Act
    const value = readPath(lead, path);

    // Assess
    expect(value).toBe(expected);
  });
});

describe('redact', () => {
  it.each([
    ['Email: invalid email address: ada@@example', 'Email: invalid email address: [redacted]'],
    ['Duplicate external id specified: ada@example.com', 'Duplicate external id specified: [redacted]'],
    ['value too long for Lovelace', 'value too long for [redacted]'],
    ['Required fields are missing: [Company]', 'Required fields are missing: [Company]'],
  ])('turns %j into %j', (message, expected) => {
    // Prepare
    const lead = buildLead({ email: 'ada@@example' });
    const mapped = toSalesforceRecord(lead, mapping);
    const record = 'record' in mapped ? mapped.record : undefined;

    // Act
    const redacted = redact(message, record);

    // Assess
    expect(redacted).toBe(expected);
  });
});
