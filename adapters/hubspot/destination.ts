import type { HubspotDestination } from '../../schemas/generated/config.ts';
import type { DestinationClientsFactory } from '../destination-clients.ts';
import { optional } from '../destination-clients.ts';
import { createHubspotAdapter } from './adapter.ts';
import { withLeadIdProperty } from './contact-inputs.ts';
import { DEFAULT_RATE_LIMIT } from './limits.ts';

/** A HubSpot destination's clients: the contacts adapter, against config.baseUrl, the sandbox, or api.hubapi.com. */
export const createHubspotClients: DestinationClientsFactory<HubspotDestination> = async (
  _name,
  config,
  { resolveSecret, sandboxUrl, limiter },
) => {
  const accessToken = await resolveSecret(config.accessToken);
  // HubSpot's rolling limit is per private app, i.e. per token.
  const limit = config.rateLimit ?? DEFAULT_RATE_LIMIT;
  return {
    adapter: createHubspotAdapter({
      accessToken,
      ...optional('baseUrl', config.baseUrl ?? sandboxUrl),
      ...optional('properties', withLeadIdProperty(config.properties, config.leadIdProperty)),
      ...optional('personIdProperty', config.personIdProperty),
      ...optional('fieldPolicy', config.fieldPolicy),
      ...optional('rateLimit', config.rateLimit),
      ...optional('limiter', limiter?.({ vendor: 'hubspot', account: accessToken, limit })),
    }),
  };
};
