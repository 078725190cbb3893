import type { OpsAlertSink } from '../functions/deliver/deliver.ts';
import type { DestinationConfig } from '../schemas/generated/config.ts';
import { createHubspotAdapter } from './hubspot/adapter.ts';
import { createSalesforceAdapter } from './salesforce/adapter.ts';
import { createSlackAdapter } from './slack/adapter.ts';
import { createOpsAlerter } from './slack/ops-alerts.ts';
import type { DestinationAdapter, SecretResolver } from './types.ts';

/** Vendor sandboxes to use for destinations whose config names no URL (the local host sets these). */
export interface SandboxUrls {
  hubspot?: string;
  salesforce?: string;
  slack?: string;
}

export interface DestinationClients {
  adapter: DestinationAdapter;
  /** Only for the destination that settings.alerts names. */
  opsAlerts?: OpsAlertSink;
}

/** A destination URL left out of config means the vendor's real API on AWS, and its sandbox locally. */
export class MissingUrlError extends Error {
  override readonly name = 'MissingUrlError';
}

/**
 * Builds the adapter for one configured destination, resolving its secret references. The only
 * place that knows which adapter serves which destination type.
 */
export async function createDestinationClients(
  name: string,
  config: DestinationConfig,
  options: { resolveSecret: SecretResolver; sandboxUrls?: SandboxUrls; alertsChannel?: string },
): Promise<DestinationClients> {
  const { resolveSecret, sandboxUrls = {} } = options;
  switch (config.type) {
    case 'hubspot':
      return {
        adapter: createHubspotAdapter({
          accessToken: await resolveSecret(config.accessToken),
          ...optional('baseUrl', config.baseUrl ?? sandboxUrls.hubspot),
          ...optional('properties', config.properties),
          ...optional('rateLimit', config.rateLimit),
        }),
      };
    case 'salesforce': {
      const { auth } = config;
      const sandbox = sandboxUrls.salesforce;
      const resolvedAuth =
        'accessToken' in auth
          ? {
              accessToken: await resolveSecret(auth.accessToken),
              instanceUrl: required(name, 'auth.instanceUrl', auth.instanceUrl ?? sandbox),
            }
          : {
              clientId: await resolveSecret(auth.clientId),
              clientSecret: await resolveSecret(auth.clientSecret),
              loginUrl: required(name, 'auth.loginUrl', auth.loginUrl ?? sandbox),
            };
      return {
        adapter: createSalesforceAdapter({
          auth: resolvedAuth,
          ...optional('apiVersion', config.apiVersion),
          ...optional('object', config.object),
          ...optional('externalIdField', config.externalIdField),
          ...optional('fields', config.fields),
          ...optional('fallbacks', config.fallbacks),
          ...optional('rateLimit', config.rateLimit),
        }),
      };
    }
    case 'slack': {
      const token = await resolveSecret(config.token);
      const baseUrl = config.baseUrl ?? (sandboxUrls.slack ? `${sandboxUrls.slack}/` : undefined);
      const common = { token, ...optional('baseUrl', baseUrl), ...optional('rateLimit', config.rateLimit) };
      return {
        adapter: createSlackAdapter({ ...common, channel: config.channel }),
        ...(options.alertsChannel
          ? { opsAlerts: createOpsAlerter({ ...common, channel: options.alertsChannel }) }
          : {}),
      };
    }
  }
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function required(destination: string, field: string, value: string | undefined): string {
  if (!value)
    throw new MissingUrlError(`destinations.${destination}.${field} is required outside the local host`);
  return value;
}
