import { describe, expect, it } from 'vitest';
import { MissingUrlError } from '../../../../adapters/destination-clients.ts';
import { SALESFORCE_BATCH_LIMIT } from '../../../../adapters/salesforce/adapter.ts';
import { createSalesforceClients } from '../../../../adapters/salesforce/destination.ts';
import type { SalesforceAuth, SalesforceDestination } from '../../../../schemas/generated/config.ts';
import { recordingResolver } from '../../../support/secrets.ts';

const destination = (auth: SalesforceAuth): SalesforceDestination => ({ type: 'salesforce', auth });
const SANDBOX = 'http://127.0.0.1:9/sandbox/salesforce';

describe('createSalesforceClients', () => {
  it.each([
    {
      case: 'an access token on its instance URL',
      auth: { accessToken: 'env:SF_TOKEN', instanceUrl: 'https://example.my.salesforce.com' },
      sandboxUrl: undefined,
      secrets: ['env:SF_TOKEN'],
    },
    {
      case: 'an access token on the sandbox',
      auth: { accessToken: 'env:SF_TOKEN' },
      sandboxUrl: SANDBOX,
      secrets: ['env:SF_TOKEN'],
    },
    {
      case: 'client credentials on their login URL',
      auth: {
        clientId: 'env:SF_ID',
        clientSecret: 'env:SF_SECRET',
        loginUrl: 'https://login.salesforce.com',
      },
      sandboxUrl: undefined,
      secrets: ['env:SF_ID', 'env:SF_SECRET'],
    },
    {
      case: 'client credentials on the sandbox',
      auth: { clientId: 'env:SF_ID', clientSecret: 'env:SF_SECRET' },
      sandboxUrl: SANDBOX,
      secrets: ['env:SF_ID', 'env:SF_SECRET'],
    },
  ])('builds the upsert adapter from $case', async ({ auth, sandboxUrl, secrets }) => {
    // Prepare
    const { asked, resolveSecret } = recordingResolver();

    // Act
    const clients = await createSalesforceClients('crm', destination(auth), {
      resolveSecret,
      ...(sandboxUrl ? { sandboxUrl } : {}),
    });

    // Assess
    expect(asked).toEqual(secrets);
    expect(clients.adapter.maxBatchSize).toBe(SALESFORCE_BATCH_LIMIT);
    expect(clients.opsAlerts).toBeUndefined();
  });

  it.each([
    { case: 'an access token', auth: { accessToken: 'env:SF_TOKEN' }, field: 'auth.instanceUrl' },
    {
      case: 'client credentials',
      auth: { clientId: 'env:SF_ID', clientSecret: 'env:SF_SECRET' },
      field: 'auth.loginUrl',
    },
  ])(
    'refuses $case with no URL outside the local host, naming the field and no secret',
    async ({ auth, field }) => {
      // Prepare
      const { resolveSecret } = recordingResolver();

      // Act
      const built = createSalesforceClients('crm', destination(auth), { resolveSecret });

      // Assess
      await expect(built).rejects.toThrow(MissingUrlError);
      await expect(built).rejects.toThrow(`destinations.crm.${field} is required outside the local host`);
      await expect(built).rejects.not.toThrow(/value-of/);
    },
  );
});
