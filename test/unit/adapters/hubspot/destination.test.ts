import { describe, expect, it } from 'vitest';
import { HUBSPOT_BATCH_LIMIT } from '../../../../adapters/hubspot/adapter.ts';
import { createHubspotClients } from '../../../../adapters/hubspot/destination.ts';
import type { HubspotDestination } from '../../../../schemas/generated/config.ts';
import { recordingResolver } from '../../../support/secrets.ts';

const destination = (): HubspotDestination => ({ type: 'hubspot', accessToken: 'env:HUBSPOT_TOKEN' });

describe('createHubspotClients', () => {
  it('resolves the access token and builds the contacts adapter with HubSpot batch limit', async () => {
    // Prepare
    const { asked, resolveSecret } = recordingResolver();

    // Act
    const clients = await createHubspotClients('crm', destination(), { resolveSecret });

    // Assess
    expect(asked).toEqual(['env:HUBSPOT_TOKEN']);
    expect(clients.adapter.maxBatchSize).toBe(HUBSPOT_BATCH_LIMIT);
    expect(clients.opsAlerts).toBeUndefined();
  });

  it('takes no ops alerts even when asked to: only a Slack destination posts them', async () => {
    // Prepare
    const { resolveSecret } = recordingResolver();

    // Act
    const clients = await createHubspotClients('crm', destination(), {
      resolveSecret,
      alertsChannel: '#ops',
    });

    // Assess
    expect(clients.opsAlerts).toBeUndefined();
  });

  it('fails when its secret cannot be read', async () => {
    // Prepare
    const failure = new Error('secret unavailable');

    // Act
    const built = createHubspotClients('crm', destination(), {
      resolveSecret: async () => {
        throw failure;
      },
    });

    // Assess
    await expect(built).rejects.toBe(failure);
  });
});
