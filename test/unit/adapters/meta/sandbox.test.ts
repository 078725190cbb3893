import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GRAPH_API_VERSION } from '../../../../adapters/meta/limits.ts';
import { createMetaSandbox, type MetaSandboxRecords } from '../../../../adapters/meta/sandbox.ts';
import type { RunningSandbox } from '../../../../adapters/sandbox/kit.ts';

const LEAD = JSON.parse(
  readFileSync(new URL('../../../fixtures/meta_lead_graph.json', import.meta.url), 'utf8'),
);
const TOKEN = 'EAAsandboxToken';

/** A Graph answer: a node's fields, or `{ error }`. */
type GraphAnswer = Record<string, unknown> & {
  error: { code: number; message: string; fbtrace_id: string; [key: string]: unknown };
};

/** The Graph API contract the sandbox speaks: GET /{version}/{leadgen-id}, Graph error bodies and codes. */
describe('the Meta Graph API sandbox', () => {
  let running: RunningSandbox;
  const get = async (path: string, headers: Record<string, string> = {}) => {
    const response = await fetch(`${running.url}${path}`, { headers });
    return {
      status: response.status,
      headers: response.headers,
      body: (await response.json()) as GraphAnswer,
    };
  };
  const post = (path: string, body: unknown) =>
    fetch(`${running.url}/__sandbox/${path}`, { method: 'POST', body: JSON.stringify(body) });
  const leadPath = (id: string, query = `access_token=${TOKEN}`) => `/${GRAPH_API_VERSION}/${id}?${query}`;

  beforeAll(async () => {
    running = await createMetaSandbox({ now: () => Date.parse('2026-12-02T12:00:00Z') }).listen();
  });
  afterAll(() => running.close());
  beforeEach(async () => {
    // Prepare: one lead, no faults.
    await fetch(`${running.url}/__sandbox/records`, { method: 'DELETE' });
    expect((await post('leads', { leads: [LEAD] })).status).toBe(201);
  });

  it('answers a seeded lead with the fields asked for, id always included', async () => {
    // Act
    const answer = await get(
      leadPath(LEAD.id, `access_token=${TOKEN}&fields=created_time,field_data,form_id`),
    );

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      id: LEAD.id,
      created_time: LEAD.created_time,
      field_data: LEAD.field_data,
      form_id: LEAD.form_id,
    });
  });

  it('answers id, created_time and field_data when no fields are asked for, and takes a Bearer token too', async () => {
    // Act
    const answer = await get(`/${GRAPH_API_VERSION}/${LEAD.id}`, { authorization: `Bearer ${TOKEN}` });

    // Assess
    expect(Object.keys(answer.body).sort()).toEqual(['created_time', 'field_data', 'id']);
  });

  it.each([
    ['no token', `/${GRAPH_API_VERSION}/${'1290384756102938'}`, 400, { code: 104, type: 'OAuthException' }],
    [
      'a token Meta did not issue',
      leadPath('1290384756102938', 'access_token=not-a-token'),
      400,
      { code: 190, type: 'OAuthException' },
    ],
    [
      'an unknown lead id',
      leadPath('999'),
      400,
      { code: 100, error_subcode: 33, type: 'GraphMethodException' },
    ],
    [
      'an unknown field',
      leadPath('1290384756102938', `access_token=${TOKEN}&fields=email`),
      400,
      { code: 100, type: 'OAuthException' },
    ],
    ['a path without a version', `/${'1290384756102938'}/x?access_token=${TOKEN}`, 400, { code: 2500 }],
  ])('refuses %s with a Graph error body', async (_case, path, status, error) => {
    // Act
    const answer = await get(path);

    // Assess
    expect(answer.status).toBe(status);
    expect(answer.body.error).toMatchObject(error);
    expect(typeof answer.body.error.message).toBe('string');
    expect(answer.body.error.fbtrace_id).toMatch(/^[\w-]{11}$/);
  });

  it('answers an expired token with 190 / 463 and Meta’s wording, until the token is made valid again', async () => {
    // Prepare
    await post('tokens', { expired: [TOKEN] });

    // Act
    const expired = await get(leadPath(LEAD.id));
    await post('tokens', { valid: [TOKEN] });
    const again = await get(leadPath(LEAD.id));

    // Assess
    expect(expired.status).toBe(400);
    expect(expired.body.error).toMatchObject({ code: 190, error_subcode: 463, type: 'OAuthException' });
    expect(expired.body.error.message).toMatch(/^Error validating access token: Session has expired on /);
    expect(expired.headers.get('www-authenticate')).toMatch(/^OAuth "Facebook Platform" "invalid_token"/);
    expect(again.status).toBe(200);
  });

  it.each([
    [4, 403, '(#4) Application request limit reached', 'x-app-usage'],
    [17, 400, '(#17) User request limit reached', 'x-app-usage'],
    [32, 400, '(#32) Page request limit reached', 'x-business-use-case-usage'],
    [613, 400, '(#613) Calls to this api have exceeded the rate limit.', 'x-business-use-case-usage'],
  ])(
    'answers an injected rate limit %i for the next N calls, with its usage header',
    async (code, status, message, header) => {
      // Prepare
      expect((await post('graph-faults', { code, count: 2 })).status).toBe(200);

      // Act
      const first = await get(leadPath(LEAD.id));
      const second = await get(leadPath(LEAD.id));
      const third = await get(leadPath(LEAD.id));

      // Assess
      for (const answer of [first, second]) {
        expect(answer.status).toBe(status);
        expect(answer.body.error).toMatchObject({ code, message, is_transient: true });
        expect(answer.headers.get(header)).toBeTruthy();
      }
      expect(third.status).toBe(200);
      const records = (await (await fetch(`${running.url}/__sandbox/records`)).json()) as MetaSandboxRecords;
      expect(records.requests).toMatchObject({ total: 3, served: 1, errors: { [code]: 2 } });
    },
  );

  it('refuses a malformed seed and a malformed fault with a message that says what to send', async () => {
    // Act
    const seed = await post('leads', { leads: [{ id: 'abc', form_id: '1', field_data: [] }] });
    const fault = await post('graph-faults', { count: 2 });

    // Assess
    expect(seed.status).toBe(400);
    expect(await seed.text()).toContain('id must be a string of digits');
    expect(fault.status).toBe(400);
    expect(await fault.text()).toContain('code');
  });
});
