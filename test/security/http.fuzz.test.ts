import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schemeFor } from '../../functions/verify/index.ts';
import { type LocalHost, startLocalHost } from '../../local/host.ts';
import { E2E_DESTINATIONS, e2eConfig, resolveE2eSecret } from '../support/config.ts';
import { mapConcurrently } from '../support/webhooks.ts';

/** Requests in one run; the property holds for every one of them. */
const REQUESTS = 10_000;
/** Signed deliveries draw their ids from this pool, so many arrive more than once (with other bodies, too). */
const DELIVERY_IDS = 400;
const SEED = Number(process.env.HTTP_FUZZ_SEED ?? 20261202);

const config = e2eConfig({ hubspot: E2E_DESTINATIONS.hubspot });

interface Generated {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer;
  /** Set on a correctly signed delivery: its id. */
  deliveryId?: string;
}

const leadish = fc.oneof(
  fc.emailAddress(),
  fc.constantFrom('+14155552671', 'Zoë 🙂', 'שלום', '', 70, '"\\\u0000'),
  fc.string({ maxLength: 40 }),
  fc.integer(),
  fc.constant(null),
);
const payloads = fc.dictionary(
  fc.constantFrom('email', 'phone', 'first_name', 'last_name', 'company', 'score', 'message', 'x'),
  leadish,
  { maxKeys: 7 },
);
const contentTypes = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'text/plain',
  'application/pdf',
  '',
);
const garbage = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
);

/** A correctly signed delivery (the host must accept, quarantine or call it a duplicate). */
const signed = fc.record({
  kind: fc.constant('signed' as const),
  id: fc.integer({ min: 0, max: DELIVERY_IDS - 1 }),
  payload: payloads,
});
/** Anything else a sender or an attacker might send. */
const hostile = fc.record({
  kind: fc.constant('hostile' as const),
  method: fc.constantFrom('POST', 'GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'),
  path: fc.oneof(
    fc.constantFrom(
      '/webhooks/form',
      '/webhooks/',
      '/webhooks/%ZZ',
      '/webhooks/nope',
      '/sandbox/nope',
      '/',
      '/webhooks/form/x',
    ),
    fc.string({ maxLength: 30 }).map((tail) => `/webhooks/${encodeURIComponent(tail)}`),
  ),
  contentType: contentTypes,
  headers: fc.dictionary(
    fc.constantFrom('webhook-id', 'webhook-timestamp', 'webhook-signature', 'content-length-x', 'x-other'),
    fc.string({ maxLength: 60 }).map((value) => value.replace(/[^\x20-\x7e]/g, '')),
    { maxKeys: 4 },
  ),
  body: fc.oneof(
    payloads.map((payload) => JSON.stringify(payload)),
    garbage,
  ),
});

describe(`HTTP fuzz: ${REQUESTS} generated requests against the local host (seed ${SEED})`, () => {
  let host: LocalHost;

  beforeAll(async () => {
    host = await startLocalHost({
      config,
      port: 0,
      resolveSecret: resolveE2eSecret,
      // The queue must hold exactly what was accepted: nothing drains it during the run.
      deliver: false,
      throttle: { limit: { ratePerSecond: 1_000_000, burst: 1_000_000 } },
    });
  });
  afterAll(async () => {
    await host?.end();
  });

  it('never answers 5xx, always answers the documented JSON, and never makes a second lead for one delivery', async () => {
    // Prepare
    const scheme = schemeFor(config.sources.form?.verify ?? { scheme: 'none' });
    const secret = await resolveE2eSecret('env:E2E_SOURCE_SECRET');
    const url = `${host.url}/webhooks/form`;
    const generated: Generated[] = fc
      .sample(fc.oneof({ arbitrary: signed, weight: 2 }, { arbitrary: hostile, weight: 3 }), {
        numRuns: REQUESTS,
        seed: SEED,
      })
      .map((request) => {
        if (request.kind === 'hostile') {
          return {
            method: request.method,
            path: request.path,
            headers: {
              ...request.headers,
              ...(request.contentType ? { 'content-type': request.contentType } : {}),
            },
            body: Buffer.from(request.body),
          };
        }
        const body = Buffer.from(JSON.stringify(request.payload));
        const deliveryId = `msg_fuzz_${request.id}`;
        const headers = scheme?.sign({ method: 'POST', url, body, deliveryId }, secret, new Date()) ?? {};
        return {
          method: 'POST',
          path: '/webhooks/form',
          headers: { 'content-type': 'application/json', ...headers },
          body,
          deliveryId,
        };
      });

    // Act
    const answers = await mapConcurrently(generated, 32, async (request) => {
      const response = await fetch(`${host.url}${request.path}`, {
        method: request.method,
        headers: request.headers,
        ...(request.method === 'GET' || request.method === 'HEAD' ? {} : { body: request.body }),
      });
      return { request, status: response.status, text: await response.text() };
    });

    // Assess
    const serverErrors = answers.filter((answer) => answer.status >= 500);
    expect(
      serverErrors.map((answer) => `${answer.status} ${answer.request.method} ${answer.request.path}`),
    ).toEqual([]);
    const leadsByDelivery = new Map<string, Set<string>>();
    const accepted = new Set<string>();
    for (const answer of answers) {
      const json = JSON.parse(answer.text) as {
        leadId?: string;
        status?: string;
        error?: { code?: string; message?: string };
      };
      if (answer.status === 200 || answer.status === 202) {
        expect(['accepted', 'duplicate', 'quarantined']).toContain(json.status);
        if (json.status === 'accepted' && json.leadId) accepted.add(json.leadId);
        const id = answer.request.deliveryId;
        if (id && json.leadId)
          leadsByDelivery.set(id, (leadsByDelivery.get(id) ?? new Set()).add(json.leadId));
      } else {
        expect(typeof json.error?.code).toBe('string');
        expect(typeof json.error?.message).toBe('string');
      }
    }
    for (const [, leads] of leadsByDelivery) expect(leads.size).toBe(1);
    expect(leadsByDelivery.size).toBeGreaterThan(DELIVERY_IDS / 2);
    // One queued lead per accepted delivery: duplicates (same id, any body) queued nothing.
    expect((await host.queues.hubspot?.depth())?.queue.visible).toBe(accepted.size);
    // A bounded number of requests, not a timing: the bound only stops a hang, on a shared 2-core machine.
  }, 90_000);
});
