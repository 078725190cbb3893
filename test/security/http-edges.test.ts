// Every refusal of the local HTTP server, over real HTTP on 127.0.0.1: each is the documented JSON
// {"error":{"code","message"}} with no internal text, and every route bounds the body it reads,
// answering 413 without reading a larger one whole.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_MAX_BODY_BYTES } from '../../adapters/sandbox/kit.ts';
import { type LocalHost, startLocalHost } from '../../local/host.ts';
import { E2E_DESTINATIONS, e2eConfig, resolveE2eSecret } from '../support/config.ts';
import { rawExchange } from '../support/raw-http.ts';

/** API Gateway's own limit, which the local stand-in keeps for the webhook route. */
const WEBHOOK_MAX_BODY = 10 * 1024 * 1024;
const UPSERT = '/sandbox/hubspot/crm/v3/objects/contacts/batch/upsert';

let host: LocalHost;

beforeAll(async () => {
  host = await startLocalHost({
    // HubSpot on its sandbox, so /sandbox/hubspot is mounted and the others are not.
    config: e2eConfig({ hubspot: E2E_DESTINATIONS.hubspot }),
    port: 0,
    resolveSecret: resolveE2eSecret,
    deliver: false,
  });
});

afterAll(async () => {
  await host?.end();
});

/** Nothing a refusal says may come from a stack, an exception or the request itself. */
function expectNoInternalText(message: string): void {
  expect(message).not.toMatch(/URIError|TypeError|Error:|\bat \S+ \(|node:|%ZZ|\/work\//);
}

describe('refusals of the local HTTP server', () => {
  it.each([
    { method: 'POST', path: '/webhooks/%ZZ', status: 400, code: 'malformed_path' },
    { method: 'POST', path: '/webhooks/%E0%A4%A', status: 400, code: 'malformed_path' },
    { method: 'POST', path: '/webhooks/', status: 404, code: 'not_found' },
    { method: 'POST', path: '/webhooks', status: 404, code: 'not_found' },
    { method: 'POST', path: '/webhooks/form/extra', status: 404, code: 'not_found' },
    { method: 'POST', path: '/webhooks/nope', status: 404, code: 'unknown_source' },
    { method: 'GET', path: '/', status: 404, code: 'not_found' },
    { method: 'GET', path: '/nope', status: 404, code: 'not_found' },
    { method: 'PUT', path: '/nope', status: 404, code: 'not_found' },
    { method: 'POST', path: '/health', status: 405, code: 'method_not_allowed' },
    { method: 'DELETE', path: '/health', status: 405, code: 'method_not_allowed' },
    { method: 'GET', path: '/health/', status: 404, code: 'not_found' },
    { method: 'GET', path: '/sandbox', status: 404, code: 'not_found' },
    { method: 'GET', path: '/sandbox/', status: 404, code: 'not_found' },
    { method: 'GET', path: '/sandbox/salesforce/__sandbox/records', status: 404, code: 'not_found' },
    { method: 'GET', path: '/sandbox/HUBSPOT/__sandbox/records', status: 404, code: 'not_found' },
  ])('$method $path: $status $code', async ({ method, path, status, code }) => {
    // Act
    const answer = await fetch(`${host.url}${path}`, {
      method,
      ...(method === 'GET' ? {} : { body: '{}', headers: { 'content-type': 'application/json' } }),
    });
    const body = (await answer.json()) as { error: { code: string; message: string } };

    // Assess
    expect(answer.status).toBe(status);
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    expect(body).toEqual({ error: { code, message: expect.any(String) } });
    expectNoInternalText(body.error.message);
    if (status === 405) expect(answer.headers.get('allow')).toBe('GET');
  });

  it.each([
    { name: 'a request target that is no URL', head: 'GET http://[ HTTP/1.1\r\nhost: x', status: 400 },
    { name: 'an unknown method', head: 'BREW /health HTTP/1.1\r\nhost: x', status: 400 },
    { name: 'a broken request line', head: 'GET /health HTTP/9\r\nhost: x', status: 400 },
    {
      name: 'headers over the limit',
      head: `GET /health HTTP/1.1\r\nx-big: ${'a'.repeat(20_000)}`,
      status: 431,
    },
  ])('answers $name with $status in the JSON shape', async ({ head, status }) => {
    // Act
    const answer = await rawExchange(host.port, { head });

    // Assess
    expect(answer.status).toBe(status);
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(answer.body)).toEqual({
      error: { code: expect.any(String), message: expect.any(String) },
    });
  });
});

describe('body limits', () => {
  it.each([
    { route: 'a sandbox', path: UPSERT, limit: SANDBOX_MAX_BODY_BYTES },
    { route: 'the webhook route', path: '/webhooks/form', limit: WEBHOOK_MAX_BODY },
  ])(
    'refuses $route a declared Content-Length over its limit at once, reading none of it',
    async ({ path, limit }) => {
      // Act: the head alone; the body it announces never comes.
      const answer = await rawExchange(host.port, {
        head: `POST ${path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${limit + 1}`,
      });

      // Assess
      expect(answer.status).toBe(413);
      expect(JSON.parse(answer.body)).toEqual({
        error: { code: 'body_too_large', message: expect.any(String) },
      });
      expect(answer.closed).toBe(true);
    },
  );

  it.each([
    { route: 'a sandbox', path: UPSERT, limit: SANDBOX_MAX_BODY_BYTES },
    { route: 'the webhook route', path: '/webhooks/form', limit: WEBHOOK_MAX_BODY },
  ])(
    'stops reading a chunked body to $route once it passes the limit, and closes the connection',
    async ({ path, limit }) => {
      // Act: a body with no declared length that would go on well past the limit.
      const answer = await rawExchange(host.port, {
        head: `POST ${path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ntransfer-encoding: chunked`,
        bodyBytes: limit * 4,
        chunked: true,
      });

      // Assess
      expect(answer.status).toBe(413);
      expect(JSON.parse(answer.body)).toEqual({
        error: { code: 'body_too_large', message: expect.any(String) },
      });
      expect(answer.closed).toBe(true);
      expect(answer.sent).toBeLessThan(limit * 4);
    },
  );

  it('still reads a sandbox body under its limit', async () => {
    // Act: within the limit, the sandbox itself answers (HubSpot's 400 for a body that is no batch).
    const answer = await fetch(`${host.url}${UPSERT}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer pat-e2e-token' },
      body: JSON.stringify({ inputs: [], padding: 'x'.repeat(1024 * 1024) }),
    });
    await answer.arrayBuffer();

    // Assess
    expect(answer.status).not.toBe(413);
    expect(answer.status).toBeLessThan(500);
  });
});
