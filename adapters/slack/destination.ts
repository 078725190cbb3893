import type { SlackDestination } from '../../schemas/generated/config.ts';
import type { DestinationClientsFactory } from '../destination-clients.ts';
import { optional } from '../destination-clients.ts';
import { createSlackAdapter } from './adapter.ts';
import { createOpsAlerter } from './ops-alerts.ts';
import { SLACK_DEFAULT_RATE_LIMIT } from './poster.ts';

/**
 * A Slack destination's clients: the lead poster for its channel and, when settings.alerts names
 * this destination, the ops alerter for the alerts channel, both with the same token and limits.
 */
export const createSlackClients: DestinationClientsFactory<SlackDestination> = async (
  name,
  config,
  { resolveSecret, sandboxUrl, alertsChannel, delivered, limiter },
) => {
  const token = await resolveSecret(config.token);
  // The Slack SDK joins method names onto its base URL, so the URL ends with a slash.
  const baseUrl = config.baseUrl ?? (sandboxUrl ? `${sandboxUrl}/` : undefined);
  const common = { token, ...optional('baseUrl', baseUrl), ...optional('rateLimit', config.rateLimit) };
  // chat.postMessage's limit is per channel of the token's workspace.
  const limit = config.rateLimit ?? SLACK_DEFAULT_RATE_LIMIT;
  const channelLimiter = (channel: string) =>
    optional('limiter', limiter?.({ vendor: 'slack', account: `${token}#${channel}`, limit }));
  return {
    adapter: createSlackAdapter({
      ...common,
      channel: config.channel,
      ...channelLimiter(config.channel),
      ...(delivered ? { delivered: { store: delivered, destination: name } } : {}),
    }),
    ...(alertsChannel
      ? {
          opsAlerts: createOpsAlerter({
            ...common,
            channel: alertsChannel,
            ...channelLimiter(alertsChannel),
          }),
        }
      : {}),
  };
};
