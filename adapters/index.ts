import type { DeliveredStore, SecretResolver } from '../functions/ports.ts';
import type { DestinationConfig } from '../schemas/generated/config.ts';
import type { DestinationClients } from './destination-clients.ts';
import { optional } from './destination-clients.ts';
import { createHubspotClients } from './hubspot/destination.ts';
import type { LimiterFactory } from './rate-limit.ts';
import { createSalesforceClients } from './salesforce/destination.ts';
import { createSlackClients } from './slack/destination.ts';

export {
  type DestinationClients,
  type DestinationClientsFactory,
  type DestinationClientsOptions,
  MissingUrlError,
} from './destination-clients.ts';

/** Vendor sandboxes to use for destinations whose config names no URL (the local host sets these). */
export interface SandboxUrls {
  hubspot?: string;
  salesforce?: string;
  slack?: string;
  /** The Graph API sandbox, for Meta sources that enrich without a baseUrl. */
  meta?: string;
}

/**
 * The config field a destination leaves out to be delivered to its vendor's built-in sandbox, or
 * undefined when it names the vendor's URL: the one rule for which destinations get a sandbox URL
 * (createDestinationClients below; the vendors' factories fall back to it as `config.<field> ?? sandboxUrl`),
 * with the field names their MissingUrlError gives.
 */
export function sandboxUrlField(destination: DestinationConfig): string | undefined {
  switch (destination.type) {
    case 'hubspot':
    case 'slack':
      return destination.baseUrl === undefined ? 'baseUrl' : undefined;
    case 'salesforce': {
      const { auth } = destination;
      if ('accessToken' in auth) return auth.instanceUrl === undefined ? 'auth.instanceUrl' : undefined;
      return auth.loginUrl === undefined ? 'auth.loginUrl' : undefined;
    }
  }
}

/**
 * Builds the clients for one configured destination of any type: the one place that knows which
 * vendor's factory serves which destination type. It imports every vendor SDK, so it is for the
 * local host; each AWS deliver function imports only its own vendor's factory
 * (adapters/aws/lambda/deliver-<vendor>.lambda.ts).
 */
export async function createDestinationClients(
  name: string,
  config: DestinationConfig,
  options: {
    resolveSecret: SecretResolver;
    sandboxUrls?: SandboxUrls;
    alertsChannel?: string;
    delivered?: DeliveredStore;
    limiter?: LimiterFactory;
  },
): Promise<DestinationClients> {
  // Only a destination that names no URL of its own is handed its vendor's sandbox.
  const sandboxUrls = sandboxUrlField(config) === undefined ? {} : (options.sandboxUrls ?? {});
  const shared = {
    resolveSecret: options.resolveSecret,
    ...optional('alertsChannel', options.alertsChannel),
    ...optional('delivered', options.delivered),
    ...optional('limiter', options.limiter),
  };
  switch (config.type) {
    case 'hubspot':
      return createHubspotClients(name, config, {
        ...shared,
        ...optional('sandboxUrl', sandboxUrls.hubspot),
      });
    case 'salesforce':
      return createSalesforceClients(name, config, {
        ...shared,
        ...optional('sandboxUrl', sandboxUrls.salesforce),
      });
    case 'slack':
      return createSlackClients(name, config, { ...shared, ...optional('sandboxUrl', sandboxUrls.slack) });
  }
}

/** The enrichment fetchers live in their own module, so the enrich Lambda bundles no destination SDK. */
export { createReferenceFetcher } from './reference-fetchers.ts';
