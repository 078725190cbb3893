import { Connection } from 'jsforce';
import type { CrmEraser, ErasedRecord, PersonKeys, SecretResolver } from '../../functions/ports.ts';
import type { SalesforceDestination } from '../../schemas/generated/config.ts';
import { requiredUrl } from '../destination-clients.ts';
import { DEFAULT_API_VERSION, DEFAULT_TIMEOUT_MS } from './adapter.ts';
import { clientCredentialsSession, fixedSession, type SessionSource } from './auth.ts';
import { salesforceEmail } from './records.ts';
import { ObservedTransport } from './transport.ts';

/** The objects a person's data is in, as leadpipe writes it: its Leads, and the Contacts they were converted to. */
export const ERASED_OBJECTS = ['Lead', 'Contact'] as const;
/** sObject Collections DELETE takes at most 200 ids per call. */
const DELETE_LIMIT = 200;

export interface SalesforceEraserOptions {
  auth:
    | { accessToken: string; instanceUrl: string }
    | { clientId: string; clientSecret: string; loginUrl: string };
  /** @default DEFAULT_API_VERSION */
  apiVersion?: string;
  timeoutMs?: number;
}

/** Salesforce refused an erasure call; the message names the object and errorCode, never the email. */
export class SalesforceEraseError extends Error {
  override readonly name = 'SalesforceEraseError';
}

/**
 * Erasure in Salesforce, as chosen for leadpipe (docs/architecture.md "Erasure (GDPR)"): every
 * Lead and every Contact whose Email or Phone is the person's (a SOQL query per object; a
 * converted Lead's Contact carries the same Email), plus any of the ledger's record ids, deleted
 * with sObject Collections DELETE (`/composite/sobjects?ids=…`, allOrNone false). Accounts and
 * Opportunities are the company's, not the person's, and are left. A deleted record sits in the
 * org's Recycle Bin for 15 days and can be undeleted there; a hard delete needs the Bulk API
 * (`hardDelete`, with the "Bulk API Hard Delete" permission), which leadpipe does not do: empty
 * the Recycle Bin, or wait the 15 days.
 */
export function createSalesforceEraser(options: SalesforceEraserOptions): CrmEraser {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const version = options.apiVersion ?? DEFAULT_API_VERSION;
  const sessions: SessionSource =
    'accessToken' in options.auth
      ? fixedSession(options.auth)
      : clientCredentialsSession({ ...options.auth, timeoutMs });

  async function connection(): Promise<Connection> {
    let session: Awaited<ReturnType<SessionSource['current']>>;
    try {
      session = await sessions.current();
    } catch (error) {
      throw new SalesforceEraseError(`Salesforce sign-in failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
    const conn = new Connection({
      instanceUrl: session.instanceUrl,
      accessToken: session.accessToken,
      version,
    });
    // A bounded wait and no retries inside jsforce, as the adapter's calls have.
    conn._transport = new ObservedTransport(timeoutMs);
    return conn;
  }

  return {
    method: 'deleted (in the Recycle Bin for 15 days)',
    async erase(keys, recordIds) {
      const conn = await connection();
      const deleted: ErasedRecord[] = [];
      for (const object of ERASED_OBJECTS) {
        const found = await findIds(conn, object, keys);
        // Ledger ids of this object (Salesforce ids start with the object's key prefix: 00Q Lead, 003 Contact).
        const prefix = object === 'Lead' ? '00Q' : '003';
        for (const id of recordIds) if (id.startsWith(prefix)) found.add(id);
        deleted.push(...(await destroy(conn, object, [...found])));
      }
      return deleted;
    },
  };
}

/** The ids of `object` records whose Email or Phone is the person's. */
async function findIds(conn: Connection, object: string, keys: PersonKeys): Promise<Set<string>> {
  const conditions: string[] = [];
  const email = salesforceEmail(keys.email);
  if (email !== undefined) conditions.push(`Email = ${soqlString(email)}`);
  if (keys.phone !== undefined) conditions.push(`Phone = ${soqlString(keys.phone)}`);
  if (conditions.length === 0) return new Set();
  try {
    const result = await conn.query<{ Id: string }>(
      `SELECT Id FROM ${object} WHERE ${conditions.join(' OR ')}`,
      { autoFetch: true, maxFetch: 10_000 },
    );
    return new Set(result.records.map((record) => record.Id));
  } catch (error) {
    throw refusal(`query ${object}`, error);
  }
}

/** Deletes records in calls of 200; a record already gone (ENTITY_IS_DELETED) counts as done, not as deleted now. */
async function destroy(conn: Connection, object: string, ids: readonly string[]): Promise<ErasedRecord[]> {
  const deleted: ErasedRecord[] = [];
  for (let i = 0; i < ids.length; i += DELETE_LIMIT) {
    let results: { id?: string | null; success: boolean; errors: unknown[] }[];
    try {
      results = (await conn.destroy(object, ids.slice(i, i + DELETE_LIMIT), {
        allOrNone: false,
      })) as typeof results;
    } catch (error) {
      throw refusal(`delete ${object} records`, error);
    }
    const problems: string[] = [];
    results.forEach((result, index) => {
      const id = result.id ?? ids[i + index] ?? '';
      if (result.success) {
        deleted.push({ type: object, id });
        return;
      }
      const codes = result.errors.map((error) => (error as { statusCode?: string }).statusCode ?? 'UNKNOWN');
      if (!codes.every((code) => code === 'ENTITY_IS_DELETED')) problems.push(`${id}: ${codes.join(', ')}`);
    });
    if (problems.length > 0) {
      throw new SalesforceEraseError(
        `Salesforce refused to delete ${problems.length} ${object} record(s): ${problems.join('; ')}`,
      );
    }
  }
  return deleted;
}

/** A SOQL string literal: backslash and single quote escaped, as SOQL requires. */
export function soqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function refusal(action: string, error: unknown): SalesforceEraseError {
  const code = (error as { errorCode?: unknown })?.errorCode;
  const name = typeof code === 'string' ? code : ((error as Error)?.name ?? 'unknown');
  const hint = name === 'INVALID_SESSION_ID' ? ' (the token is refused)' : '';
  return new SalesforceEraseError(`Salesforce could not ${action}: ${name}${hint}`, { cause: error });
}

/** The eraser for a configured Salesforce destination: its credentials resolved, its URL or the sandbox's. */
export async function salesforceEraserFor(
  name: string,
  config: SalesforceDestination,
  options: { resolveSecret: SecretResolver; sandboxUrl?: string },
): Promise<CrmEraser> {
  const { auth } = config;
  return createSalesforceEraser({
    auth:
      'accessToken' in auth
        ? {
            accessToken: await options.resolveSecret(auth.accessToken),
            instanceUrl: requiredUrl(name, 'auth.instanceUrl', auth.instanceUrl ?? options.sandboxUrl),
          }
        : {
            clientId: await options.resolveSecret(auth.clientId),
            clientSecret: await options.resolveSecret(auth.clientSecret),
            loginUrl: requiredUrl(name, 'auth.loginUrl', auth.loginUrl ?? options.sandboxUrl),
          },
    ...(config.apiVersion === undefined ? {} : { apiVersion: config.apiVersion }),
  });
}
