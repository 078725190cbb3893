import { describe, expect, it } from 'vitest';
import { createDestinationClients, MissingUrlError } from '../../../adapters/index.ts';
import type { DestinationConfig } from '../../../schemas/generated/config.ts';
import { recordingResolver } from '../../support/secrets.ts';

const SANDBOXES = {
  hubspot: 'http://127.0.0.1:9/sandbox/hubspot',
  salesforce: 'http://127.0.0.1:9/sandbox/salesforce',
  slack: 'http://127.0.0.1:9/sandbox/slack',
};

describe('createDestinationClients', () => {
  it.each<{ config: DestinationConfig; secrets: string[]; alerter: boolean }>([
    {
      config: { type: 'hubspot', accessToken: 'env:HUBSPOT_TOKEN' },
      secrets: ['env:HUBSPOT_TOKEN'],
      alerter: false,
    },
    {
      config: { type: 'salesforce', auth: { clientId: 'env:SF_ID', clientSecret: 'env:SF_SECRET' } },
      secrets: ['env:SF_ID', 'env:SF_SECRET'],
      alerter: false,
    },
    {
      config: { type: 'slack', token: 'env:SLACK_TOKEN', channel: '#sales' },
      secrets: ['env:SLACK_TOKEN'],
      alerter: true,
    },
  ])('hands a $config.type destination to its vendor factory', async ({ config, secrets, alerter }) => {
    // Prepare
    const { asked, resolveSecret } = recordingResolver();

    // Act
    const clients = await createDestinationClients('dest', config, {
      resolveSecret,
      sandboxUrls: SANDBOXES,
      alertsChannel: '#ops',
    });

    // Assess
    expect(asked).toEqual(secrets);
    expect(clients.opsAlerts !== undefined).toBe(alerter);
  });

  it.each([
    { case: 'its own sandbox', sandboxUrls: SANDBOXES, missing: false },
    {
      case: 'only the other vendors’ sandboxes',
      sandboxUrls: { hubspot: SANDBOXES.hubspot, slack: SANDBOXES.slack },
      missing: true,
    },
    { case: 'no sandbox', sandboxUrls: undefined, missing: true },
  ])('gives a destination with no URL $case', async ({ sandboxUrls, missing }) => {
    // Prepare
    const { resolveSecret } = recordingResolver();
    const config: DestinationConfig = { type: 'salesforce', auth: { accessToken: 'env:SF_TOKEN' } };

    // Act
    const built = createDestinationClients('crm', config, {
      resolveSecret,
      ...(sandboxUrls ? { sandboxUrls } : {}),
    });

    // Assess
    if (missing) await expect(built).rejects.toThrow(MissingUrlError);
    else await expect(built).resolves.toHaveProperty('adapter');
  });
});
