import { referenceSenderOf } from '../functions/enrich/reference.ts';
import type { ReferenceFetcher } from '../functions/enrich/types.ts';
import type { SecretResolver } from '../functions/ports.ts';
import type { SourceConfig } from '../schemas/generated/config.ts';
import { optional } from './destination-clients.ts';
import { createHubspotContactFetcher } from './hubspot/fetch-contact.ts';
import type { SandboxUrls } from './index.ts';
import { createMetaFetcher } from './meta/fetch.ts';

/**
 * The fetcher of a source that enriches (functions/enrich/): the Graph API for the meta preset, the
 * HubSpot CRM API for the hubspot preset; `enrich.baseUrl` or else the vendor's sandbox URL when
 * one is given (the local host), else the vendor's own API. The token is resolved at each fetch.
 */
export function createReferenceFetcher(
  source: SourceConfig,
  options: { resolveSecret: SecretResolver; sandboxUrls?: Pick<SandboxUrls, 'meta' | 'hubspot'> },
): ReferenceFetcher | undefined {
  const sender = referenceSenderOf(source);
  const enrich = source.enrich;
  if (!sender || !enrich) return undefined;
  const accessToken = () => options.resolveSecret(enrich.accessToken);
  const baseUrl = enrich.baseUrl ?? options.sandboxUrls?.[sender];
  return sender === 'meta'
    ? createMetaFetcher({ accessToken, ...optional('baseUrl', baseUrl) })
    : createHubspotContactFetcher({ accessToken, ...optional('baseUrl', baseUrl) });
}
