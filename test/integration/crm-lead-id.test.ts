import { afterEach, describe, expect, it } from 'vitest';
import { createHubspotClients } from '../../adapters/hubspot/destination.ts';
import { createHubspotSandbox } from '../../adapters/hubspot/sandbox.ts';
import { createSalesforceClients } from '../../adapters/salesforce/destination.ts';
import { createSalesforceSandbox } from '../../adapters/salesforce/sandbox.ts';
import { DEFAULT_CUSTOM_FIELDS } from '../../adapters/salesforce/sandbox-objects.ts';
import type { HubspotDestination, SalesforceDestination } from '../../schemas/generated/config.ts';
import { buildLead as hubspotLead } from '../unit/adapters/hubspot/lead-factory.ts';
import { buildLead as salesforceLead } from '../unit/adapters/salesforce/lead-factory.ts';

const TOKEN = 'sandbox-access-token';
const resolveSecret = async () => TOKEN;
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

/** Contacts the HubSpot sandbox holds, delivered through the destination as config builds it. */
async function deliverToHubspot(config: Omit<HubspotDestination, 'type' | 'accessToken'>) {
  const running = await createHubspotSandbox({ accessTokens: [TOKEN] }).listen(0);
  closers.push(() => running.close());
  const { adapter } = await createHubspotClients(
    'crm',
    { type: 'hubspot', accessToken: 'env:HUBSPOT_TOKEN', ...config },
    { resolveSecret, sandboxUrl: running.url },
  );
  const lead = hubspotLead({ email: 'ada@example.com' });
  const outcomes = await adapter.deliver([lead]);
  const { contacts } = (await (await fetch(`${running.url}/__sandbox/records`)).json()) as {
    contacts: { properties: Record<string, string> }[];
  };
  return { lead, outcome: outcomes.get(lead.id), properties: contacts[0]?.properties ?? {} };
}

/** Leads the Salesforce sandbox holds, delivered through the destination as config builds it. */
async function deliverToSalesforce(config: Omit<SalesforceDestination, 'type' | 'auth'>) {
  const sandbox = createSalesforceSandbox({
    accessTokens: [TOKEN],
    customFields: [...DEFAULT_CUSTOM_FIELDS, 'Leadpipe_Lead_Id__c'],
  });
  const server = await sandbox.listen(0);
  closers.push(server.close);
  const { adapter } = await createSalesforceClients(
    'crm',
    { type: 'salesforce', auth: { accessToken: 'env:SF_TOKEN' }, ...config },
    { resolveSecret, sandboxUrl: server.url },
  );
  const lead = salesforceLead({ email: 'ada@example.com' });
  const outcomes = await adapter.deliver([lead]);
  const { records } = (await (await fetch(`${server.url}/__sandbox/records`)).json()) as {
    records: { Lead?: Record<string, unknown>[] };
  };
  return { lead, outcome: outcomes.get(lead.id), record: records.Lead?.[0] ?? {} };
}

describe('the lead id in the CRM record (leadIdProperty / leadIdField)', () => {
  it('writes the lead id into the configured HubSpot contact property', async () => {
    const { lead, outcome, properties } = await deliverToHubspot({ leadIdProperty: 'leadpipe_lead_id' });
    expect(outcome?.status).toBe('delivered');
    expect(properties.leadpipe_lead_id).toBe(lead.id);
  });

  it('writes no lead id property to HubSpot by default', async () => {
    const { lead, outcome, properties } = await deliverToHubspot({});
    expect(outcome?.status).toBe('delivered');
    expect(Object.values(properties)).not.toContain(lead.id);
  });

  it('writes the lead id into the configured Salesforce field', async () => {
    const { lead, outcome, record } = await deliverToSalesforce({ leadIdField: 'Leadpipe_Lead_Id__c' });
    expect(outcome?.status).toBe('delivered');
    expect(record.Leadpipe_Lead_Id__c).toBe(lead.id);
  });

  it('writes no lead id field to Salesforce by default', async () => {
    const { lead, outcome, record } = await deliverToSalesforce({});
    expect(outcome?.status).toBe('delivered');
    expect(record).not.toHaveProperty('Leadpipe_Lead_Id__c');
    expect(Object.values(record)).not.toContain(lead.id);
  });
});
