import { describe, expect, it } from 'vitest';
import {
  createSalesforceAdapter,
  SALESFORCE_BATCH_LIMIT,
  type SalesforceAdapterOptions,
  SalesforceConfigError,
} from '../../../../adapters/salesforce/adapter.ts';

const valid: SalesforceAdapterOptions = {
  auth: { clientId: 'id', clientSecret: 'secret', loginUrl: 'https://acme.my.salesforce.com' },
};

describe('createSalesforceAdapter options', () => {
  it('accepts valid options without calling anyone', () => {
    // Prepare, Act
    const adapter = createSalesforceAdapter(valid);

    // Assess
    expect(adapter.maxBatchSize).toBe(SALESFORCE_BATCH_LIMIT);
  });

  it.each([
    ['an API version in the wrong shape', { apiVersion: 'v62' }, 'apiVersion must look like "62.0"'],
    [
      'an API version without sObject Collections upsert',
      { apiVersion: '45.0' },
      'apiVersion must be 46.0 or later',
    ],
    ['an object name that is no API name', { object: 'Lead; DROP' }, 'object must be an sObject API name'],
    [
      'an external id field that is no API name',
      { externalIdField: 'Email Key' },
      'externalIdField must be a field API name',
    ],
    [
      'a person id field that is no API name',
      { personIdField: "Person'Id" },
      'personIdField must be a field API name',
    ],
    [
      'a field policy for a field that is no API name',
      { fieldPolicy: { 'Last Name': 'always' as const } },
      'fieldPolicy["Last Name"] must name a field API name',
    ],
    ['a zero timeout', { timeoutMs: 0 }, 'timeoutMs must be > 0'],
    [
      'a mapped field that is no API name',
      { fields: { 'utm.campaign': 'UTM Campaign' } },
      'fields["utm.campaign"]',
    ],
    [
      'an empty client secret',
      { auth: { clientId: 'id', clientSecret: '', loginUrl: 'https://acme.my.salesforce.com' } },
      'auth.clientSecret is empty',
    ],
    [
      'a login URL that is no URL',
      { auth: { clientId: 'id', clientSecret: 'secret', loginUrl: 'acme.my.salesforce.com' } },
      'auth.loginUrl must be a URL',
    ],
    [
      'a Lightning instance URL',
      { auth: { accessToken: 'token', instanceUrl: 'https://acme.lightning.force.com' } },
      'not a Lightning URL',
    ],
  ])('refuses %s at creation', (_, overrides, problem) => {
    // Prepare
    const options = { ...valid, ...overrides } as SalesforceAdapterOptions;

    // Act
    const create = () => createSalesforceAdapter(options);

    // Assess
    expect(create).toThrow(SalesforceConfigError);
    expect(create).toThrow(problem);
  });

  it('never puts the secret in the error', () => {
    // Prepare
    const options = { ...valid, auth: { clientId: '', clientSecret: 'very-secret-value', loginUrl: 'nope' } };

    // Act
    const create = () => createSalesforceAdapter(options);

    // Assess
    expect(create).toThrow(SalesforceConfigError);
    expect(create).not.toThrow(/very-secret-value/);
  });
});
