import { describe, expect, it } from 'vitest';
import { sandboxesToMount } from '../../../local/host.ts';
import { SettingsError } from '../../../local/settings.ts';
import type { LeadpipeConfig } from '../../../schemas/generated/config.ts';

const config = (enrich: Record<string, string>): LeadpipeConfig =>
  ({
    sources: {
      'meta-ads': {
        verify: { scheme: 'none' },
        mapping: { preset: 'meta' },
        enrich: { accessToken: 'env:T', ...enrich },
      },
      contacts: {
        verify: { scheme: 'none' },
        mapping: { preset: 'hubspot' },
        enrich: { accessToken: 'env:H' },
      },
    },
    destinations: {
      crm: {
        type: 'salesforce',
        auth: { accessToken: 'env:S', instanceUrl: 'https://acme.my.salesforce.com' },
      },
    },
  }) as LeadpipeConfig;

describe('the sandboxes a host mounts for sources that enrich', () => {
  it('mounts the Graph API and HubSpot sandboxes for sources that name no API URL, and none for one that does', () => {
    // Act
    const both = sandboxesToMount(config({}), '127.0.0.1');
    const hubspotOnly = sandboxesToMount(config({ baseUrl: 'https://graph.facebook.com' }), '127.0.0.1');

    // Assess
    expect(both.sort()).toEqual(['hubspot', 'meta']);
    expect(hubspotOnly).toEqual(['hubspot']);
  });

  it('refuses to start beyond loopback, naming the source field to set', () => {
    // Act
    const start = () => sandboxesToMount(config({}), '0.0.0.0');

    // Assess
    expect(start).toThrow(SettingsError);
    expect(start).toThrow(
      /sources\.meta-ads\.enrich\.baseUrl is not set, so "meta-ads" would fetch from the meta sandbox/,
    );
  });
});
