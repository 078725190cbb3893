import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { replayableHeaders } from '../../../../functions/ingest/ingest.ts';
import { createSourceThrottle } from '../../../../functions/ingest/throttle.ts';
import { leadIdFor } from '../../../../functions/lead/identity.ts';
import { PublishError } from '../../../../functions/ports.ts';
import { webhookEvent } from './fakes.ts';
import { GOOD_LEAD, ingestHarness, NOW, signedEvent } from './ingest-setup.ts';

const json = (value: unknown) => JSON.stringify(value);
const body = (answer: { body: string }) => JSON.parse(answer.body) as Record<string, unknown>;
const TYPEFORM = readFileSync(
  join(import.meta.dirname, '../../../fixtures/senders/typeform_form_response.json'),
);

describe('ingest handler: every bad input gets its own status and code, and changes nothing', () => {
  const good = () => signedEvent('form', json(GOOD_LEAD));
  const cases = [
    {
      name: 'unknown source',
      event: () => webhookEvent({ source: 'nope', body: json(GOOD_LEAD) }),
      status: 404,
      code: 'unknown_source',
    },
    {
      name: 'missing signature',
      event: () =>
        webhookEvent({
          source: 'form',
          body: json(GOOD_LEAD),
          headers: { 'content-type': 'application/json' },
        }),
      status: 401,
      code: 'signature_missing',
    },
    {
      name: 'bad signature',
      event: () => {
        const event = good();
        event.headers['webhook-signature'] = 'v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
        return event;
      },
      status: 401,
      code: 'signature_invalid',
    },
    {
      name: 'stale timestamp',
      event: () => signedEvent('form', json(GOOD_LEAD), { at: new Date(NOW.getTime() - 3600_000) }),
      status: 401,
      code: 'timestamp_too_old',
    },
    {
      name: 'future timestamp',
      event: () => signedEvent('form', json(GOOD_LEAD), { at: new Date(NOW.getTime() + 3600_000) }),
      status: 401,
      code: 'timestamp_in_future',
    },
    {
      name: 'body over the limit',
      event: () => signedEvent('form', json({ ...GOOD_LEAD, message: 'x'.repeat(5000) })),
      status: 413,
      code: 'body_too_large',
    },
    {
      name: 'unsupported content type',
      event: () => signedEvent('form', json(GOOD_LEAD), { contentType: 'application/pdf' }),
      status: 415,
      code: 'unsupported_media_type',
    },
    {
      name: 'malformed body',
      event: () => signedEvent('form', '{"email": '),
      status: 400,
      code: 'malformed_body',
    },
    { name: 'empty body', event: () => signedEvent('form', ''), status: 400, code: 'empty_body' },
    {
      name: 'wrong method',
      event: () => webhookEvent({ source: 'form', method: 'PUT', body: json(GOOD_LEAD) }),
      status: 405,
      code: 'method_not_allowed',
    },
    {
      name: 'GET on a source that is not Meta',
      event: () => webhookEvent({ source: 'form', method: 'GET' }),
      status: 405,
      code: 'method_not_allowed',
    },
  ];

  it('accepts the correct request the cases are built from', async () => {
    // Prepare
    const harness = ingestHarness();
    // Act
    const answer = await harness.handle(good());
    // Assess
    expect(answer.statusCode).toBe(202);
    expect(body(answer).status).toBe('accepted');
    expect(harness.published.events).toHaveLength(1);
  });

  it.each(cases)('$name: $status $code', async ({ event, status, code }) => {
    // Prepare
    const harness = ingestHarness();
    // Act
    const answer = await harness.handle(event());
    // Assess
    expect(answer.statusCode).toBe(status);
    expect(body(answer)).toEqual({ error: { code, message: expect.any(String) } });
    expect(harness.published.events).toEqual([]);
    expect(harness.alerts.alerts).toEqual([]);
    expect(harness.quarantine.entries.size).toBe(0);
    expect(harness.idempotency.records.size).toBe(0);
  });

  it('throttles a flood from one source with 429 rate_limited and Retry-After, and leaves other sources alone', async () => {
    // Prepare
    const harness = ingestHarness({
      throttle: createSourceThrottle({ limit: { ratePerSecond: 1, burst: 2 }, now: () => 0 }),
    });
    await harness.handle(good());
    await harness.handle(good());
    // Act
    const flooded = await harness.handle(good());
    const other = await harness.handle(
      webhookEvent({
        source: 'open',
        body: json(GOOD_LEAD),
        headers: { 'content-type': 'application/json' },
      }),
    );
    // Assess
    expect(flooded.statusCode).toBe(429);
    expect(body(flooded)).toMatchObject({ error: { code: 'rate_limited' } });
    expect(flooded.headers['retry-after']).toBe('1');
    expect(harness.published.events).toHaveLength(3);
    expect(other.statusCode).toBe(202);
  });
});

describe('ingest handler: Meta subscription handshake', () => {
  const handshake = (query: string) => webhookEvent({ source: 'meta', method: 'GET', query });

  it('answers hub.challenge as text/plain 200 when the verify token matches', async () => {
    // Prepare
    const harness = ingestHarness();
    // Act
    const answer = await harness.handle(
      handshake('hub.mode=subscribe&hub.verify_token=unit-test-verify-token&hub.challenge=1158201444'),
    );
    // Assess
    expect(answer.statusCode).toBe(200);
    expect(answer.headers['content-type']).toMatch(/^text\/plain/);
    expect(answer.body).toBe('1158201444');
  });

  it.each([
    ['a wrong token', 'hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1'],
    ['a wrong mode', 'hub.mode=unsubscribe&hub.verify_token=unit-test-verify-token&hub.challenge=1'],
    ['no token', 'hub.mode=subscribe&hub.challenge=1'],
  ])('refuses %s with 403 handshake_refused, without echoing the challenge', async (_name, query) => {
    // Prepare
    const harness = ingestHarness();
    // Act
    const answer = await harness.handle(handshake(query));
    // Assess
    expect(answer.statusCode).toBe(403);
    expect(body(answer)).toMatchObject({ error: { code: 'handshake_refused' } });
    expect(answer.body).not.toContain('unit-test-verify-token');
  });

  it('answers 405 to methods other than GET and POST, allowing both', async () => {
    // Prepare
    const harness = ingestHarness();
    // Act
    const answer = await harness.handle(webhookEvent({ source: 'meta', method: 'DELETE' }));
    // Assess
    expect(answer.statusCode).toBe(405);
    expect(answer.headers.allow).toBe('GET, POST');
  });
});

describe('ingest handler: quarantine', () => {
  it.each([
    ['no email and no phone', 'form', { first_name: 'Grace' }, 'no_contact'],
    ['an invalid email', 'form', { email: 'grace@@compilers' }, 'invalid_email'],
    [
      'a JSONata error',
      'strict',
      { contact: { email: 'grace@compilers.example', name: 42 } },
      'mapping_failed',
    ],
  ] as const)(
    'keeps a signed payload with %s, answers 202 quarantined and alerts ops',
    async (_name, source, payload, code) => {
      // Prepare
      const harness = ingestHarness();
      // Act
      const answer = await harness.handle(signedEvent(source, json(payload), { deliveryId: 'msg_q1' }));
      // Assess
      const leadId = leadIdFor(source, 'msg_q1');
      expect(answer.statusCode).toBe(202);
      expect(body(answer)).toMatchObject({ leadId, status: 'quarantined', reason: { code } });
      expect(harness.quarantine.entries.get(leadId)?.reason.code).toBe(code);
      expect(harness.alerts.alerts).toEqual([
        { kind: 'quarantined', source, quarantineId: leadId, reason: expect.stringMatching(`^${code}: `) },
      ]);
      expect(harness.published.events).toEqual([]);
      expect(harness.shapes).toEqual([]);
    },
  );

  it("keys a quarantined Typeform payload by the body's event_id, as a mapped one is", async () => {
    // Prepare: the Typeform sample without its email answer cannot be mapped.
    const payload = JSON.parse(TYPEFORM.toString('utf8'));
    payload.form_response.answers = payload.form_response.answers.filter(
      (answer: { type: string }) => answer.type !== 'email' && answer.type !== 'phone_number',
    );
    const harness = ingestHarness();
    // Act
    const answer = await harness.handle(signedEvent('typeform', json(payload)));
    // Assess
    expect(body(answer)).toMatchObject({
      status: 'quarantined',
      leadId: leadIdFor('typeform', payload.event_id),
    });
    expect([...harness.quarantine.entries.values()][0]?.deliveryId).toBe(payload.event_id);
  });

  it('keeps the headers a mapping may read on replay, but never the signature', async () => {
    // Prepare
    const payload = JSON.parse(TYPEFORM.toString('utf8'));
    payload.form_response.answers = [];
    const harness = ingestHarness();
    // Act
    await harness.handle(signedEvent('typeform', json(payload)));
    // Assess
    const headers = [...harness.quarantine.entries.values()][0]?.headers ?? {};
    expect(headers['content-type']).toBe('application/json');
    expect(Object.keys(headers).filter((name) => /signature/i.test(name))).toEqual([]);
  });
});

describe('replayableHeaders', () => {
  it('drops credentials and signatures and keeps the rest', () => {
    expect(
      replayableHeaders({
        'content-type': 'application/json',
        'user-agent': 'Typeform Webhooks',
        'typeform-signature': 'sha256=x',
        authorization: 'Bearer x',
        cookie: 'a=b',
        'x-api-key': 'k',
        'x-shopify-hmac-sha256': 'h',
      }),
    ).toEqual({ 'content-type': 'application/json', 'user-agent': 'Typeform Webhooks' });
  });
});

describe('ingest handler: failures around the pipeline', () => {
  it('answers 503 temporarily_unavailable with Retry-After 5 when the bus refuses, and the retry goes through', async () => {
    // Prepare
    let failing = true;
    const sent: unknown[] = [];
    const harness = ingestHarness({
      publish: async (events) => {
        if (failing) throw new PublishError(events.length, 'ThrottlingException');
        sent.push(...events);
      },
    });
    const event = signedEvent('form', json(GOOD_LEAD), { deliveryId: 'msg_retry' });
    // Act
    const refused = await harness.handle(event);
    failing = false;
    const retried = await harness.handle(event);
    // Assess
    expect(refused.statusCode).toBe(503);
    expect(body(refused)).toMatchObject({ error: { code: 'temporarily_unavailable' } });
    expect(refused.headers['retry-after']).toBe('5');
    expect(retried.statusCode).toBe(202);
    expect(sent).toHaveLength(1);
  });

  it('tells the drift observer about accepted payloads only, and a failing observer costs nothing', async () => {
    // Prepare
    const seen: string[] = [];
    const harness = ingestHarness({
      observeShape: async (source) => {
        seen.push(source);
        throw new Error('table unavailable');
      },
    });
    const event = signedEvent('form', json(GOOD_LEAD), { deliveryId: 'msg_drift' });
    // Act
    const first = await harness.handle(event);
    const duplicate = await harness.handle(event);
    // Assess
    expect(first.statusCode).toBe(202);
    expect(duplicate.statusCode).toBe(200);
    expect(seen).toEqual(['form']);
  });
});
