import type { HubspotDestination } from '../../schemas/generated/config.ts';
import type { DestinationClientsFactory } from '../destination-clients.ts';
import { optional } from '../destination-clients.ts';
import { createHubspotAdapter } from './adapter.ts';

/** A HubSpot destination's clients: the contacts adapter, against config.baseUrl, the sandbox, or api.hubapi.com. */
export const createHubspotClients: DestinationClientsFactory<HubspotDestination> = async (
  _name,
  config,
  { resolveSecret, sandboxUrl },
) => ({
  adapter: createHubspotAdapter({
    accessToken: await resolveSecret(config.accessToken),
    ...optional('baseUrl', config.baseUrl ?? sandboxUrl),
    ...optional('properties', config.properties),
    ...optional('rateLimit', config.rateLimit),
  }),
});
