// The CRM erasers through the vendors' SDKs (@hubspot/api-client, jsforce) against the sandboxes.
import { afterEach, describe, expect, it } from 'vitest';
import { createHubspotEraser, HubspotEraseError } from '../../adapters/hubspot/erase.ts';
import { createHubspotSandbox } from '../../adapters/hubspot/sandbox.ts';
import { createSalesforceEraser, soqlString } from '../../adapters/salesforce/erase.ts';
import { createSalesforceSandbox } from '../../adapters/salesforce/sandbox.ts';
import type { RunningSandbox } from '../../adapters/sandbox/kit.ts';

const TOKEN = 'pat-erase-test';
const EMAIL = 'ada@example.com';
const PHONE = '+14155550101';
const running: RunningSandbox[] = [];

afterEach(async () => {
  for (const sandbox of running.splice(0)) await sandbox.close();
});

async function start(sandbox: { listen(port: number): Promise<RunningSandbox> }): Promise<RunningSandbox> {
  const server = await sandbox.listen(0);
  running.push(server);
  return server;
}

async function call(url: string, init: RequestInit & { token?: string } = {}): Promise<unknown> {
  const response = await fetch(url, {
    ...init,
    headers: { authorization: `Bearer ${init.token ?? TOKEN}`, 'content-type': 'application/json' },
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${url} answered ${response.status}: ${text}`);
  return text ? JSON.parse(text) : undefined;
}

describe('HubSpot eraser (GDPR delete)', () => {
  /** A sandbox with Ada's contact (by email) and a phone-only contact of hers, as upserts made them. */
  async function hubspotWithAda() {
    const server = await start(createHubspotSandbox({ accessTokens: [TOKEN] }));
    const created = (await call(`${server.url}/crm/v3/objects/contacts/batch/create`, {
      method: 'POST',
      body: JSON.stringify({
        inputs: [{ properties: { email: EMAIL, firstname: 'Ada' } }, { properties: { phone: PHONE } }],
      }),
    })) as { results: { id: string; properties: Record<string, string> }[] };
    const byEmail = created.results.find((contact) => contact.properties.email === EMAIL)?.id ?? '';
    const phoneOnly = created.results.find((contact) => contact.properties.email === undefined)?.id ?? '';
    const contacts = async () =>
      ((await call(`${server.url}/__sandbox/records`)) as { contacts: { id: string }[] }).contacts.map(
        (contact) => contact.id,
      );
    return { server, byEmail, phoneOnly, contacts };
  }

  it('finds the contact by email and the ledger’s ids, GDPR-deletes each by id, and names them', async () => {
    // Prepare
    const { server, byEmail, phoneOnly, contacts } = await hubspotWithAda();
    const eraser = createHubspotEraser({ accessToken: TOKEN, baseUrl: server.url });

    // Act
    const deleted = await eraser.erase({ email: EMAIL, phone: PHONE }, [phoneOnly]);
    const again = await eraser.erase({ email: EMAIL, phone: PHONE }, [phoneOnly]);

    // Assess: gone; the second run finds nothing (404s are not failures).
    expect(deleted.sort((a, b) => a.id.localeCompare(b.id))).toEqual(
      [byEmail, phoneOnly].sort().map((id) => ({ type: 'contact', id })),
    );
    expect(await contacts()).toEqual([]);
    expect(again).toEqual([]);
  });

  it('answers a refused token with the status and what the token needs, never the email', async () => {
    // Prepare
    const { server } = await hubspotWithAda();
    const eraser = createHubspotEraser({ accessToken: 'pat-wrong', baseUrl: server.url });

    // Act
    const erasing = eraser.erase({ email: EMAIL }, []);

    // Assess
    await expect(erasing).rejects.toThrow(HubspotEraseError);
    await expect(erasing).rejects.toThrow(
      'HubSpot answered 401 INVALID_AUTHENTICATION to look up the contact by email (the token needs crm.objects.contacts.write)',
    );
    await expect(erasing).rejects.not.toThrow(EMAIL);
  });

  it('speaks HubSpot’s contract: 204 for an email with no contact, 404 for an unknown id, 400 without objectId', async () => {
    // Prepare
    const { server } = await hubspotWithAda();
    const purge = (body: unknown) =>
      fetch(`${server.url}/crm/v3/objects/contacts/gdpr-delete`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });

    // Act
    const unknownEmail = await purge({ objectId: 'nobody@example.com', idProperty: 'email' });
    const unknownId = await purge({ objectId: '999999' });
    const missing = await purge({ idProperty: 'email' });

    // Assess
    expect(unknownEmail.status).toBe(204);
    expect(await unknownEmail.text()).toBe('');
    expect(unknownId.status).toBe(404);
    expect(await unknownId.json()).toMatchObject({ status: 'error', category: 'OBJECT_NOT_FOUND' });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
  });
});

describe('Salesforce eraser (SOQL + sObject Collections DELETE)', () => {
  const CLIENT = { clientId: 'erase-client', clientSecret: 'erase-secret' };

  /** A sandbox org with Ada as a Lead (email and phone) and as a Contact (phone only), and Grace's Lead. */
  async function salesforceWithAda() {
    const server = await start(createSalesforceSandbox({ clients: [CLIENT], accessTokens: [TOKEN] }));
    const base = `${server.url}/services/data/v62.0`;
    const results = (await call(`${base}/composite/sobjects`, {
      method: 'POST',
      body: JSON.stringify({
        allOrNone: true,
        records: [
          {
            attributes: { type: 'Lead' },
            LastName: 'Lovelace',
            Company: 'Engines',
            Email: EMAIL,
            Phone: PHONE,
          },
          { attributes: { type: 'Contact' }, LastName: 'Lovelace', Phone: PHONE },
          { attributes: { type: 'Lead' }, LastName: 'Hopper', Company: 'Navy', Email: 'grace@example.com' },
        ],
      }),
    })) as { id: string }[];
    const [lead, contact, grace] = results.map((result) => result.id);
    const records = async () =>
      ((await call(`${server.url}/__sandbox/records`)) as { records: Record<string, { Id: string }[]> })
        .records;
    return { server, lead, contact, grace, records };
  }

  it('deletes every Lead and Contact with the email or the phone, and leaves the others', async () => {
    // Prepare
    const { server, lead, contact, grace, records } = await salesforceWithAda();
    const eraser = createSalesforceEraser({ auth: { ...CLIENT, loginUrl: server.url } });

    // Act
    const deleted = await eraser.erase({ email: EMAIL, phone: PHONE }, []);

    // Assess
    expect(deleted).toEqual([
      { type: 'Lead', id: lead },
      { type: 'Contact', id: contact },
    ]);
    const left = await records();
    expect((left.Lead ?? []).map((record) => record.Id)).toEqual([grace]);
    expect(left.Contact ?? []).toEqual([]);
  });

  it('takes a record already in the Recycle Bin as done, and deletes the ledger’s ids of a Lead it cannot find by key', async () => {
    // Prepare: the Lead deleted once; Grace's Lead named by the ledger only.
    const { server, lead, grace } = await salesforceWithAda();
    const eraser = createSalesforceEraser({ auth: { ...CLIENT, loginUrl: server.url } });
    await eraser.erase({ email: EMAIL }, []);

    // Act
    const deleted = await eraser.erase({ email: EMAIL }, [lead ?? '', grace ?? '']);

    // Assess
    expect(deleted).toEqual([{ type: 'Lead', id: grace }]);
  });

  it('answers sObject Collections DELETE as Salesforce does: one DeleteResult per id, in order', async () => {
    // Prepare
    const { server, grace } = await salesforceWithAda();

    // Act
    const body = await call(
      `${server.url}/services/data/v62.0/composite/sobjects?ids=${grace},001000000000000AAA,bad`,
      {
        method: 'DELETE',
      },
    );

    // Assess
    expect(body).toEqual([
      { id: grace, success: true, errors: [] },
      {
        success: false,
        errors: [
          { statusCode: 'INVALID_CROSS_REFERENCE_KEY', message: 'invalid cross reference id', fields: [] },
        ],
      },
      { success: false, errors: [{ statusCode: 'MALFORMED_ID', message: 'malformed id bad', fields: [] }] },
    ]);
  });

  it('quotes SOQL strings, so an address with a quote cannot change the query', () => {
    // Act
    const literal = soqlString("o'brien\\@example.com");

    // Assess
    expect(literal).toBe("'o\\'brien\\\\@example.com'");
  });
});
