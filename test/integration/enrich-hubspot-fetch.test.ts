import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHubspotContactFetcher } from '../../adapters/hubspot/fetch-contact.ts';
import { createHubspotSandbox } from '../../adapters/hubspot/sandbox.ts';
import type { RunningSandbox } from '../../adapters/sandbox/kit.ts';

const TOKEN = 'pat-fetch-token';

/** The contact.creation fetcher (the SDK's contacts BasicApi getById) against the HubSpot sandbox. */
describe('the HubSpot contact fetcher against the HubSpot sandbox', () => {
  let running: RunningSandbox;
  let contactId: string;
  const fetcherWith = (token: string) =>
    createHubspotContactFetcher({ accessToken: async () => token, baseUrl: running.url });

  beforeAll(async () => {
    running = await createHubspotSandbox({ accessTokens: [TOKEN] }).listen();
    // Prepare: the contact HubSpot's contact.creation event would name.
    const created = await fetch(`${running.url}/crm/v3/objects/contacts/batch/upsert`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        inputs: [
          {
            idProperty: 'email',
            id: 'ines@acme.example',
            properties: {
              email: 'ines@acme.example',
              firstname: 'Ines',
              lastname: 'Moreau',
              company: 'Acme',
            },
          },
        ],
      }),
    });
    contactId = ((await created.json()) as { results: { id: string }[] }).results[0]?.id ?? '';
  });
  afterAll(() => running.close());

  it('reads the contact’s properties', async () => {
    // Act
    const outcome = await fetcherWith(TOKEN).fetch({ sender: 'hubspot', id: contactId });

    // Assess
    expect(outcome).toMatchObject({
      status: 'fetched',
      payload: {
        objectId: contactId,
        properties: { email: 'ines@acme.example', firstname: 'Ines', lastname: 'Moreau' },
      },
    });
  });

  it('is blocked by a refused token, rejects an unknown contact, and retries a 5xx', async () => {
    // Act
    const refused = await fetcherWith('pat-revoked').fetch({ sender: 'hubspot', id: contactId });
    const unknown = await fetcherWith(TOKEN).fetch({ sender: 'hubspot', id: '987654321' });
    await fetch(`${running.url}/__sandbox/faults`, {
      method: 'POST',
      body: JSON.stringify({ serverErrorRate: 1 }),
    });
    const outage = await fetcherWith(TOKEN).fetch({ sender: 'hubspot', id: contactId });
    await fetch(`${running.url}/__sandbox/faults`, { method: 'POST', body: '{}' });

    // Assess
    expect(refused).toMatchObject({ status: 'blocked', reason: expect.stringContaining('401') });
    expect(unknown).toMatchObject({ status: 'rejected', reason: expect.stringContaining('404') });
    expect(outage.status).toBe('retry');
  });

  it('retries a 429, no sooner than Retry-After', async () => {
    // Prepare
    await fetch(`${running.url}/__sandbox/faults`, {
      method: 'POST',
      body: JSON.stringify({ rateLimitRate: 1, retryAfterSeconds: 7 }),
    });

    // Act
    const outcome = await fetcherWith(TOKEN).fetch({ sender: 'hubspot', id: contactId });
    await fetch(`${running.url}/__sandbox/faults`, { method: 'POST', body: '{}' });

    // Assess
    expect(outcome).toEqual({ status: 'retry', reason: 'HubSpot answered 429', retryAfterMs: 7000 });
  });
});
