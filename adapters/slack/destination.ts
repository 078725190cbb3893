import type { SlackDestination } from '../../schemas/generated/config.ts';
import type { DestinationClientsFactory } from '../destination-clients.ts';
import { optional } from '../destination-clients.ts';
import { createSlackAdapter } from './adapter.ts';
import { createOpsAlerter } from './ops-alerts.ts';

/**
 * A Slack destination's clients: the lead poster for its channel and, when settings.alerts names
 * this destination, the ops alerter for the alerts channel, both with the same token and limits.
 */
export const createSlackClients: DestinationClientsFactory<SlackDestination> = async (
  name,
  config,
  { resolveSecret, sandboxUrl, alertsChannel, delivered },
) => {
  const token = await resolveSecret(config.token);
  // The Slack SDK joins method names onto its base URL, so the URL ends with a slash.
  const baseUrl = config.baseUrl ?? (sandboxUrl ? `${sandboxUrl}/` : undefined);
  const common = { token, ...optional('baseUrl', baseUrl), ...optional('rateLimit', config.rateLimit) };
  return {
    adapter: createSlackAdapter({
      ...common,
      channel: config.channel,
      ...(delivered ? { delivered: { store: delivered, destination: name } } : {}),
    }),
    ...(alertsChannel ? { opsAlerts: createOpsAlerter({ ...common, channel: alertsChannel }) } : {}),
  };
};
