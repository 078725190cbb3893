import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createMetaFetcher } from '../../adapters/meta/fetch.ts';
import { createMetaSandbox } from '../../adapters/meta/sandbox.ts';
import type { RunningSandbox } from '../../adapters/sandbox/kit.ts';
import type { ReferenceFetcher } from '../../functions/enrich/types.ts';

const LEAD = JSON.parse(readFileSync(new URL('../fixtures/meta_lead_graph.json', import.meta.url), 'utf8'));
const TOKEN = 'EAAfetcherToken';
const reference = (id: string) => ({ sender: 'meta' as const, id });

/** The Graph API fetcher against the Graph API sandbox: each Graph answer becomes the right outcome. */
describe('the Meta lead fetcher against the Graph API sandbox', () => {
  let running: RunningSandbox;
  let fetcher: ReferenceFetcher;
  let token = TOKEN;
  const post = (path: string, body: unknown) =>
    fetch(`${running.url}/__sandbox/${path}`, { method: 'POST', body: JSON.stringify(body) });

  beforeAll(async () => {
    running = await createMetaSandbox({ regainAccessMinutes: 3 }).listen();
    fetcher = createMetaFetcher({ accessToken: async () => token, baseUrl: running.url });
  });
  afterAll(() => running.close());
  beforeEach(async () => {
    // Prepare: the fixture's lead, a good token, no faults.
    token = TOKEN;
    await fetch(`${running.url}/__sandbox/records`, { method: 'DELETE' });
    await post('leads', LEAD);
  });

  it('fetches the lead with its field_data', async () => {
    // Act
    const outcome = await fetcher.fetch(reference(LEAD.id));

    // Assess
    expect(outcome).toEqual({
      status: 'fetched',
      payload: expect.objectContaining({ id: LEAD.id, field_data: LEAD.field_data, form_id: LEAD.form_id }),
    });
  });

  it.each([
    [4, undefined],
    [17, undefined],
    [32, 180_000],
    [613, 180_000],
  ])('retries on rate limit code %i, no sooner than the Page is told to wait', async (code, retryAfterMs) => {
    // Prepare
    await post('graph-faults', { code });

    // Act
    const outcome = await fetcher.fetch(reference(LEAD.id));

    // Assess
    expect(outcome).toMatchObject({
      status: 'retry',
      reason: expect.stringContaining(`Graph error ${code} `),
    });
    expect(outcome.status === 'retry' && outcome.retryAfterMs).toBe(retryAfterMs ?? undefined);
  });

  it('is blocked by an expired token, naming 190/463 but never the token', async () => {
    // Prepare
    await post('tokens', { expired: [TOKEN] });

    // Act
    const outcome = await fetcher.fetch(reference(LEAD.id));

    // Assess
    expect(outcome).toMatchObject({
      status: 'blocked',
      reason: expect.stringContaining('Graph error 190/463'),
    });
    expect(JSON.stringify(outcome)).not.toContain(TOKEN);
    expect(JSON.stringify(outcome)).toContain('expired');
  });

  it('is blocked by an invalid token (190 without subcode)', async () => {
    // Prepare
    token = 'not-a-meta-token';

    // Act
    const outcome = await fetcher.fetch(reference(LEAD.id));

    // Assess
    expect(outcome).toMatchObject({
      status: 'blocked',
      reason: expect.stringContaining('invalid or revoked'),
    });
  });

  it('uses a replaced token at the next fetch', async () => {
    // Prepare
    token = 'not-a-meta-token';
    const refused = await fetcher.fetch(reference(LEAD.id));
    token = TOKEN;

    // Act
    const outcome = await fetcher.fetch(reference(LEAD.id));

    // Assess
    expect(refused.status).toBe('blocked');
    expect(outcome.status).toBe('fetched');
  });

  it('rejects an unknown leadgen id (code 100) without quoting Meta’s message', async () => {
    // Act
    const outcome = await fetcher.fetch(reference('5550001112223334'));

    // Assess
    expect(outcome).toMatchObject({
      status: 'rejected',
      reason: expect.stringContaining('Graph error 100/33'),
    });
    expect(JSON.stringify(outcome)).not.toContain('5550001112223334');
  });

  it('retries a Graph service error (code 2, HTTP 500) and an unreachable API', async () => {
    // Prepare
    await post('graph-faults', { code: 2 });
    const unreachable = createMetaFetcher({ accessToken: async () => TOKEN, baseUrl: 'http://127.0.0.1:1' });

    // Act
    const service = await fetcher.fetch(reference(LEAD.id));
    const network = await unreachable.fetch(reference(LEAD.id));

    // Assess
    expect(service).toMatchObject({ status: 'retry', reason: expect.stringContaining('Graph error 2 ') });
    expect(network).toMatchObject({ status: 'retry', reason: expect.stringContaining('unreachable') });
  });

  it('is blocked when the token lacks a permission (code 200)', async () => {
    // Prepare
    await post('graph-faults', { code: 200 });

    // Act
    const outcome = await fetcher.fetch(reference(LEAD.id));

    // Assess
    expect(outcome).toMatchObject({ status: 'blocked', reason: expect.stringContaining('permission') });
  });

  it('rejects a reference that is not a Graph id without calling the API', async () => {
    // Act
    const outcome = await fetcher.fetch(reference('12;drop'));
    const { requests } = (await (await fetch(`${running.url}/__sandbox/records`)).json()) as {
      requests: { total: number };
    };

    // Assess
    expect(outcome.status).toBe('rejected');
    expect(requests.total).toBe(0);
  });
});
