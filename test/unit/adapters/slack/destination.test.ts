import { describe, expect, it } from 'vitest';
import { SLACK_MAX_BATCH_SIZE } from '../../../../adapters/slack/adapter.ts';
import { createSlackClients } from '../../../../adapters/slack/destination.ts';
import type { SlackDestination } from '../../../../schemas/generated/config.ts';
import { recordingResolver } from '../../../support/secrets.ts';

const destination = (): SlackDestination => ({ type: 'slack', token: 'env:SLACK_TOKEN', channel: '#sales' });

describe('createSlackClients', () => {
  it.each([
    { case: 'without an ops alerter', alertsChannel: undefined, alerter: false },
    { case: 'with an ops alerter when it takes the alerts', alertsChannel: '#ops', alerter: true },
  ])('builds the lead poster $case, reading the token once', async ({ alertsChannel, alerter }) => {
    // Prepare
    const { asked, resolveSecret } = recordingResolver();

    // Act
    const clients = await createSlackClients('chat', destination(), {
      resolveSecret,
      ...(alertsChannel ? { alertsChannel } : {}),
    });

    // Assess
    expect(asked).toEqual(['env:SLACK_TOKEN']);
    expect(clients.adapter.maxBatchSize).toBe(SLACK_MAX_BATCH_SIZE);
    expect(clients.opsAlerts !== undefined).toBe(alerter);
  });
});
