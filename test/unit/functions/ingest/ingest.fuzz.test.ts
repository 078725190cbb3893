import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateLeadReceived } from '../../../../schemas/validate.ts';
import { webhookEvent } from './fakes.ts';
import { ingestHarness, signedEvent } from './ingest-setup.ts';

/** Every code a refusal may carry; anything else (or a 5xx) is a bug. */
const REFUSALS: Record<number, string[]> = {
  400: ['empty_body', 'malformed_body'],
  401: [
    'signature_missing',
    'signature_invalid',
    'timestamp_missing',
    'timestamp_invalid',
    'timestamp_too_old',
    'timestamp_in_future',
  ],
  405: ['method_not_allowed'],
  413: ['body_too_large'],
  415: ['unsupported_media_type'],
};

const contentTypes = fc.oneof(
  fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=xyz',
    'text/plain',
    'application/xml',
    'application/json; charset=latin1',
    '',
  ),
  fc.string({ maxLength: 40 }),
);
const leadish = fc.oneof(
  fc.emailAddress(),
  fc.constantFrom('+14155552671', 'Grace', '', 70),
  fc.string(),
  fc.integer(),
  fc.constant(null),
);
const jsonBodies = fc
  .dictionary(fc.constantFrom('email', 'phone', 'first_name', 'name', 'company', 'score', 'x'), leadish, {
    maxKeys: 6,
  })
  .map((value) => JSON.stringify(value));
const bodies = fc.oneof(
  jsonBodies,
  fc.string({ maxLength: 300 }),
  fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
);
const headerMaps = fc.dictionary(
  fc.constantFrom(
    'webhook-id',
    'webhook-timestamp',
    'webhook-signature',
    'typeform-signature',
    'x-hub-signature-256',
    'x-other',
  ),
  fc.string({ maxLength: 60 }),
  { maxKeys: 4 },
);

type Answer = Awaited<ReturnType<ReturnType<typeof ingestHarness>['handle']>>;

/** The property every answer must have: a lead, a quarantine, a duplicate, or a precise 4xx. */
function assessAnswer(answer: Answer, harness: ReturnType<typeof ingestHarness>): void {
  const parsed = JSON.parse(answer.body) as { status?: string; error?: { code: string } };
  if (answer.statusCode === 202) {
    expect(['accepted', 'quarantined']).toContain(parsed.status);
    for (const event of harness.published.events) expect(validateLeadReceived(event)).toBe(true);
    return;
  }
  if (answer.statusCode === 200) {
    expect(parsed.status).toBe('duplicate');
    return;
  }
  expect(REFUSALS[answer.statusCode] ?? []).toContain(parsed.error?.code);
}

describe('ingest under arbitrary input', () => {
  it('answers unsigned sources with a lead, a quarantine or a precise 4xx: never a 5xx or a throw', async () => {
    await fc.assert(
      fc.asyncProperty(
        contentTypes,
        bodies,
        headerMaps,
        fc.constantFrom('POST', 'PUT', 'GET'),
        async (type, body, headers, method) => {
          // Prepare
          const harness = ingestHarness();
          const event = webhookEvent({
            source: 'open',
            method,
            body,
            headers: { ...headers, 'content-type': type },
          });
          // Act
          const answer = await harness.handle(event);
          // Assess
          assessAnswer(answer, harness);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('answers correctly signed arbitrary payloads with a lead or a quarantine, or a 400/413/415 for the body', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('form', 'typeform', 'strict') as fc.Arbitrary<'form' | 'typeform' | 'strict'>,
        contentTypes,
        bodies,
        async (source, type, body) => {
          // Prepare
          const harness = ingestHarness();
          // Act
          const answer = await harness.handle(signedEvent(source, body, { contentType: type }));
          // Assess
          expect([200, 202, 400, 413, 415]).toContain(answer.statusCode);
          assessAnswer(answer, harness);
          const stored = harness.published.events.length + harness.quarantine.entries.size;
          expect(stored).toBe(answer.statusCode === 202 ? 1 : 0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('answers forged signatures with 401 and stores nothing', async () => {
    await fc.assert(
      fc.asyncProperty(bodies, headerMaps, async (body, headers) => {
        // Prepare
        const harness = ingestHarness();
        const event = webhookEvent({
          source: 'form',
          body,
          headers: { ...headers, 'content-type': 'application/json' },
        });
        // Act
        const answer = await harness.handle(event);
        // Assess
        expect([401, 400, 413]).toContain(answer.statusCode);
        assessAnswer(answer, harness);
        expect(harness.published.events.length + harness.quarantine.entries.size).toBe(0);
      }),
      { numRuns: 300 },
    );
  });
});
