// The generated contacts module alone, as the adapter uses it: no Client, no process-wide decorators.
import {
  ApiException,
  BasicApi,
  createConfiguration,
  ServerConfiguration,
} from '@hubspot/api-client/lib/codegen/crm/contacts/index.js';
import type { CrmEraser, ErasedRecord, SecretResolver } from '../../functions/ports.ts';
import type { HubspotDestination } from '../../schemas/generated/config.ts';
import { DEFAULT_TIMEOUT_MS, HUBSPOT_API_URL } from './adapter.ts';
import { recordingHttp } from './transport.ts';

export interface HubspotEraserOptions {
  accessToken: string;
  /** @default HUBSPOT_API_URL */
  baseUrl?: string;
  timeoutMs?: number;
}

/** HubSpot refused an erasure call; the message has the status and category, never the email. */
export class HubspotEraseError extends Error {
  override readonly name = 'HubspotEraseError';
}

/**
 * Erasure in HubSpot with its GDPR delete (`POST /crm/v3/objects/contacts/gdpr-delete`, the SDK's
 * contacts BasicApi `purge`), which removes the contact and its activity for good, unlike an
 * archive (restorable for 90 days). The contact is found by email (`GET …/contacts/{email}
 * ?idProperty=email`) and by the ids the ledger recorded; each found one is deleted by id, so the
 * report can name it. HubSpot then blocklists the email for its UI and imports; a later API upsert
 * (a new submission through leadpipe) may create the contact again, as HubSpot documents.
 * A phone alone is not searched for in HubSpot: its contacts are found only through the ledger.
 */
export function createHubspotEraser(options: HubspotEraserOptions): CrmEraser {
  const http = recordingHttp(options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const api = new BasicApi(
    createConfiguration({
      baseServer: new ServerConfiguration<Record<string, string>>(
        (options.baseUrl ?? HUBSPOT_API_URL).replace(/\/+$/, ''),
        {},
      ),
      authMethods: { oauth2: { accessToken: options.accessToken } },
      httpApi: http.httpApi,
    }),
  );

  /** The contact id for an email, or undefined when HubSpot has none (404). */
  async function idByEmail(email: string): Promise<string | undefined> {
    const { value, error } = await http.record(() =>
      api.getById(email, ['email'], undefined, undefined, false, 'email'),
    );
    if (value) return value.id;
    if (error instanceof ApiException && error.code === 404) return undefined;
    throw refusal('look up the contact by email', error);
  }

  /** GDPR-deletes one contact by id; false when it is already gone (404). */
  async function purge(id: string): Promise<boolean> {
    const { error } = await http.record(() => api.purge({ objectId: id }));
    if (error === undefined) return true;
    if (error instanceof ApiException && error.code === 404) return false;
    throw refusal(`GDPR-delete contact ${id}`, error);
  }

  return {
    method: 'GDPR delete',
    async erase(keys, recordIds) {
      const ids = new Set(recordIds.filter((id) => /^\d+$/.test(id)));
      if (keys.email !== undefined) {
        const id = await idByEmail(keys.email);
        if (id !== undefined) ids.add(id);
      }
      const deleted: ErasedRecord[] = [];
      for (const id of ids) if (await purge(id)) deleted.push({ type: 'contact', id });
      return deleted;
    },
  };
}

function refusal(action: string, error: unknown): HubspotEraseError {
  if (error instanceof ApiException) {
    const category = (error.body as { category?: unknown } | undefined)?.category;
    const hint =
      error.code === 401 || error.code === 403 ? ' (the token needs crm.objects.contacts.write)' : '';
    return new HubspotEraseError(
      `HubSpot answered ${error.code}${typeof category === 'string' ? ` ${category}` : ''} to ${action}${hint}`,
      { cause: error },
    );
  }
  return new HubspotEraseError(
    `HubSpot could not be reached to ${action} (${(error as Error)?.name ?? 'unknown'})`,
    {
      cause: error,
    },
  );
}

/** The eraser for a configured HubSpot destination: its token resolved, its URL or the sandbox's. */
export async function hubspotEraserFor(
  config: HubspotDestination,
  options: { resolveSecret: SecretResolver; sandboxUrl?: string },
): Promise<CrmEraser> {
  const baseUrl = config.baseUrl ?? options.sandboxUrl;
  return createHubspotEraser({
    accessToken: await options.resolveSecret(config.accessToken),
    ...(baseUrl === undefined ? {} : { baseUrl }),
  });
}
