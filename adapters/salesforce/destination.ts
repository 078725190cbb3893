import type { SalesforceDestination } from '../../schemas/generated/config.ts';
import type { DestinationClientsFactory } from '../destination-clients.ts';
import { optional, requiredUrl } from '../destination-clients.ts';
import { createSalesforceAdapter } from './adapter.ts';
import { withLeadIdField } from './records.ts';

/**
 * A Salesforce destination's clients: the upsert adapter, authenticated with an access token on
 * an instance URL or with client credentials on a login URL (the sandbox's when config names none).
 */
export const createSalesforceClients: DestinationClientsFactory<SalesforceDestination> = async (
  name,
  config,
  { resolveSecret, sandboxUrl, limiter },
) => {
  const { auth } = config;
  const resolvedAuth =
    'accessToken' in auth
      ? {
          accessToken: await resolveSecret(auth.accessToken),
          instanceUrl: requiredUrl(name, 'auth.instanceUrl', auth.instanceUrl ?? sandboxUrl),
        }
      : {
          clientId: await resolveSecret(auth.clientId),
          clientSecret: await resolveSecret(auth.clientSecret),
          loginUrl: requiredUrl(name, 'auth.loginUrl', auth.loginUrl ?? sandboxUrl),
        };
  // Salesforce counts calls per org; the identity the adapter signs in with stands for it.
  const account =
    'accessToken' in resolvedAuth
      ? `${resolvedAuth.instanceUrl}#${resolvedAuth.accessToken}`
      : `${resolvedAuth.loginUrl}#${resolvedAuth.clientId}`;
  const shared = config.rateLimit
    ? limiter?.({ vendor: 'salesforce', account, limit: config.rateLimit })
    : undefined;
  return {
    adapter: createSalesforceAdapter({
      auth: resolvedAuth,
      ...optional('apiVersion', config.apiVersion),
      ...optional('object', config.object),
      ...optional('externalIdField', config.externalIdField),
      ...optional('personIdField', config.personIdField),
      ...optional('fieldPolicy', config.fieldPolicy),
      ...optional('fields', withLeadIdField(config.fields, config.leadIdField)),
      ...optional('fallbacks', config.fallbacks),
      ...optional('rateLimit', config.rateLimit),
      ...optional('limiter', shared),
    }),
  };
};
