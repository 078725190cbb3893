import { readFileSync } from 'node:fs';
import type { SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { readReference } from '../../../functions/enrich/enrich.ts';
import { type LeadReferenceEvent, referenceEventProblem } from '../../../functions/enrich/reference.ts';
import { signatureSchemes } from '../../../functions/verify/index.ts';
import { validateLeadReference } from '../../../schemas/generated/validators.js';
import { webhookEvent } from '../functions/ingest/fakes.ts';
import { CONFIG, ingestHarness, NOW, SECRETS } from '../functions/ingest/ingest-setup.ts';

const WEBHOOK = readFileSync(new URL('../../fixtures/meta_leadgen_webhook.json', import.meta.url));
const schemaFile = (name: string) =>
  JSON.parse(readFileSync(new URL(`../../../schemas/${name}`, import.meta.url), 'utf8'));

const ENRICHING = {
  ...CONFIG,
  sources: {
    ...CONFIG.sources,
    meta: { ...CONFIG.sources.meta, enrich: { accessToken: 'env:META_PAGE_TOKEN' } },
  },
} as typeof CONFIG;

/** The lead.reference ingest publishes for the Meta leadgen fixture, signed as Meta signs it. */
async function publishedReference(): Promise<LeadReferenceEvent> {
  const references: LeadReferenceEvent[] = [];
  const harness = ingestHarness({
    config: ENRICHING,
    publishReferences: async (events) => void references.push(...events),
  });
  const headers = signatureSchemes.meta.sign(
    { method: 'POST', url: 'https://hooks.example.com/webhooks/meta', body: WEBHOOK, deliveryId: 'unused' },
    SECRETS.META_APP_SECRET as string,
    NOW,
  );
  const answer = await harness.handle(
    webhookEvent({
      source: 'meta',
      body: WEBHOOK,
      headers: { 'content-type': 'application/json', ...headers },
    }),
  );
  expect(answer.statusCode).toBe(202);
  expect(references).toHaveLength(1);
  return references[0] as LeadReferenceEvent;
}

/** The reference as the stage's queue hands it over: an EventBridge event in an SQS record. */
const sqsRecord = (detail: unknown): SQSRecord =>
  ({
    messageId: 'm1',
    body: JSON.stringify({ 'detail-type': 'lead.reference', source: 'leadpipe', detail }),
  }) as SQSRecord;

describe('schemas/lead-reference.event.schema.json', () => {
  it('accepts the lead.reference ingest publishes', async () => {
    // Prepare
    const event = await publishedReference();

    // Act
    const valid = validateLeadReference(event);

    // Assess
    expect(validateLeadReference.errors ?? [], JSON.stringify(validateLeadReference.errors)).toEqual([]);
    expect(valid).toBe(true);
  });

  it('is what the enrichment stage reads off its queue: the published reference, unchanged', async () => {
    // Prepare
    const event = await publishedReference();

    // Act
    const read = readReference(sqsRecord(event));

    // Assess
    expect(read).toEqual({ event });
    expect(validateLeadReference('event' in read ? read.event : undefined)).toBe(true);
  });

  it.each([
    [
      'a reference of an unknown sender',
      (event: LeadReferenceEvent) => ({ ...event, reference: { ...event.reference, sender: 'salesforce' } }),
      'detail.reference.sender: must be one of: meta, hubspot',
    ],
    [
      'a reference without an id',
      (event: LeadReferenceEvent) => ({ ...event, reference: { sender: 'meta' } }),
      'detail.reference: missing required property "id"',
    ],
    [
      'a context value that is not a string',
      (event: LeadReferenceEvent) => ({
        ...event,
        reference: { ...event.reference, context: { form_id: 830 } },
      }),
      'detail.reference.context.form_id: must be string',
    ],
    [
      'a lead id that is not one ingest derives',
      (event: LeadReferenceEvent) => ({ ...event, lead: { ...event.lead, id: 'lead_1' } }),
      'detail.lead.id: must match the pattern ^lead_[0-9a-f]{32}$',
    ],
    [
      'the raw body instead of its provenance',
      (event: LeadReferenceEvent) => ({
        ...event,
        lead: { ...event.lead, raw: { ...event.lead.raw, body: '{}' } },
      }),
      'detail.lead.raw: unknown property "body" (check its spelling)',
    ],
    [
      'a source longer than a source name can be',
      (event: LeadReferenceEvent) => ({ ...event, source: 's'.repeat(65) }),
      'detail.source: must NOT have more than 64 characters',
    ],
  ])('refuses %s with the path and the problem', async (_case, breakIt, message) => {
    // Prepare
    const broken = breakIt(await publishedReference());

    // Act
    const problem = referenceEventProblem(broken);
    const read = readReference(sqsRecord(broken));

    // Assess
    expect(problem?.split('; ')).toContain(message);
    expect(read).toEqual({ problem: `invalid lead.reference event: ${problem}` });
  });

  it("keeps lead.raw equal to the lead schema's raw (a copy: the registry takes no $ref into a definition)", () => {
    // Prepare
    const reference = schemaFile('lead-reference.event.schema.json');
    const lead = schemaFile('lead.schema.json');

    // Act
    const raw = reference.properties.lead.properties.raw;

    // Assess
    expect(raw).toEqual(lead.properties.raw);
  });
});
