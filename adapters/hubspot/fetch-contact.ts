import {
  ApiException,
  BasicApi,
  createConfiguration,
  ServerConfiguration,
} from '@hubspot/api-client/lib/codegen/crm/contacts/index.js';
import type { FetchOutcome, ReferenceFetcher, SenderReference } from '../../functions/enrich/types.ts';
import { HUBSPOT_API_URL } from './adapter.ts';
import { HubspotTimeoutError, recordingHttp } from './transport.ts';

/** The contact properties a lead is made of (the hubspot preset reads them like a workflow webhook's). */
export const CONTACT_FETCH_PROPERTIES = [
  'email',
  'firstname',
  'lastname',
  'phone',
  'mobilephone',
  'company',
  'jobtitle',
  'city',
  'country',
  'message',
  'hs_object_id',
] as const;

const DEFAULT_TIMEOUT_MS = 10_000;

export interface HubspotContactFetcherOptions {
  /** The private app token (crm.objects.contacts.read), resolved per call so a replaced secret is used at once. */
  accessToken: () => Promise<string>;
  /** @default HUBSPOT_API_URL */
  baseUrl?: string;
  timeoutMs?: number;
}

/**
 * Reads the contact a `contact.creation` webhook names, with the SDK's contacts BasicApi
 * (`GET /crm/v3/objects/contacts/{contactId}?properties=…`), and classifies HubSpot's answer.
 */
export function createHubspotContactFetcher(options: HubspotContactFetcherOptions): ReferenceFetcher {
  const http = recordingHttp(options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const baseServer = new ServerConfiguration<Record<string, string>>(
    (options.baseUrl ?? HUBSPOT_API_URL).replace(/\/+$/, ''),
    {},
  );
  return {
    async fetch(reference: SenderReference): Promise<FetchOutcome> {
      if (!/^\d+$/.test(reference.id)) return { status: 'rejected', reason: 'the contact id is not numeric' };
      let token: string;
      try {
        token = await options.accessToken();
      } catch (error) {
        return {
          status: 'blocked',
          reason: `the HubSpot token could not be resolved (${(error as Error).name})`,
        };
      }
      const api = new BasicApi(
        createConfiguration({
          baseServer,
          authMethods: { oauth2: { accessToken: token } },
          httpApi: http.httpApi,
        }),
      );
      const { value, error } = await http.record(() =>
        api.getById(reference.id, [...CONTACT_FETCH_PROPERTIES]),
      );
      if (value) return { status: 'fetched', payload: { objectId: value.id, properties: value.properties } };
      return classifyHubspotError(error);
    },
  };
}

/** HubSpot's refusal as an outcome: 401/403 blocked, 404 rejected, 429 and 5xx retry. */
export function classifyHubspotError(error: unknown): FetchOutcome {
  if (error instanceof HubspotTimeoutError) return { status: 'retry', reason: error.message };
  if (!(error instanceof ApiException))
    return { status: 'retry', reason: `HubSpot unreachable (${(error as Error)?.name ?? 'unknown'})` };
  const code = error.code;
  if (code === 401 || code === 403)
    return {
      status: 'blocked',
      reason: `HubSpot answered ${code}: the token is refused or lacks crm.objects.contacts.read`,
    };
  if (code === 404)
    return { status: 'rejected', reason: 'HubSpot answered 404: no such contact (deleted or merged)' };
  if (code === 429 || code >= 500) {
    const retryAfter = Number(error.headers?.['retry-after']);
    return {
      status: 'retry',
      reason: `HubSpot answered ${code}`,
      ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterMs: retryAfter * 1000 } : {}),
    };
  }
  return { status: 'rejected', reason: `HubSpot answered ${code}` };
}
