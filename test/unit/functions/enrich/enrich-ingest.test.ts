import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { pipelineChecks } from '../../../../functions/config/checks.ts';
import { ConfigError } from '../../../../functions/config/errors.ts';
import { parseConfig } from '../../../../functions/config/load.ts';
import type { LeadReferenceEvent } from '../../../../functions/enrich/reference.ts';
import { signatureSchemes } from '../../../../functions/verify/index.ts';
import { webhookEvent } from '../ingest/fakes.ts';
import { CONFIG, ingestHarness, NOW, SECRETS } from '../ingest/ingest-setup.ts';

const WEBHOOK = readFileSync(new URL('../../../fixtures/meta_leadgen_webhook.json', import.meta.url));

const ENRICHING = {
  ...CONFIG,
  sources: {
    ...CONFIG.sources,
    meta: { ...CONFIG.sources.meta, enrich: { accessToken: 'env:META_PAGE_TOKEN' } },
  },
} as typeof CONFIG;

/** The fixture, signed with X-Hub-Signature-256 as Meta signs it. */
const signedLeadgen = () =>
  webhookEvent({
    source: 'meta',
    body: WEBHOOK,
    headers: {
      'content-type': 'application/json',
      ...signatureSchemes.meta.sign(
        {
          method: 'POST',
          url: 'https://hooks.example.com/webhooks/meta',
          body: WEBHOOK,
          deliveryId: 'unused',
        },
        SECRETS.META_APP_SECRET as string,
        NOW,
      ),
    },
  });

describe('ingest of reference-only webhooks', () => {
  it('accepts a Meta leadgen webhook of a source that enriches: 202, one lead.reference, nothing quarantined', async () => {
    // Prepare
    const references: LeadReferenceEvent[] = [];
    const harness = ingestHarness({
      config: ENRICHING,
      publishReferences: async (events) => void references.push(...events),
    });

    // Act
    const answer = await harness.handle(signedLeadgen());

    // Assess
    expect(answer.statusCode).toBe(202);
    const body = JSON.parse(answer.body);
    expect(body).toMatchObject({ status: 'accepted' });
    expect(harness.quarantine.entries.size).toBe(0);
    expect(harness.published.events).toEqual([]);
    expect(references).toHaveLength(1);
    expect(references[0]).toMatchObject({
      event_type: 'lead.reference',
      source: 'meta',
      correlation_id: '1290384756102938',
      reference: {
        sender: 'meta',
        id: '1290384756102938',
        context: { form_id: '830112457296341', page_id: '108420175320917', ad_id: '120210987654321098' },
      },
      lead: {
        id: body.leadId,
        receivedAt: NOW.toISOString(),
        raw: { deliveryId: '1290384756102938', bytes: WEBHOOK.length },
      },
    });
  });

  it('answers the same leadgen webhook again as a duplicate and queues nothing more', async () => {
    // Prepare
    const references: LeadReferenceEvent[] = [];
    const harness = ingestHarness({
      config: ENRICHING,
      publishReferences: async (events) => void references.push(...events),
    });
    const first = await harness.handle(signedLeadgen());

    // Act
    const again = await harness.handle(signedLeadgen());

    // Assess
    expect(again.statusCode).toBe(200);
    expect(JSON.parse(again.body)).toEqual({ leadId: JSON.parse(first.body).leadId, status: 'duplicate' });
    expect(references).toHaveLength(1);
  });

  it('still quarantines it as no_contact when the source has no enrich settings', async () => {
    // Prepare
    const references: LeadReferenceEvent[] = [];
    const harness = ingestHarness({ publishReferences: async (events) => void references.push(...events) });

    // Act
    const answer = await harness.handle(signedLeadgen());

    // Assess
    expect(JSON.parse(answer.body)).toMatchObject({ status: 'quarantined', reason: { code: 'no_contact' } });
    expect(references).toEqual([]);
  });

  it('answers 503 and remembers nothing when the reference cannot be queued, so Meta’s retry succeeds', async () => {
    // Prepare
    let fail = true;
    const references: LeadReferenceEvent[] = [];
    const { PublishError } = await import('../../../../functions/ports.ts');
    const harness = ingestHarness({
      config: ENRICHING,
      publishReferences: async (events) => {
        if (fail) throw new PublishError(events.length, 'bus down');
        references.push(...events);
      },
    });

    // Act
    const refused = await harness.handle(signedLeadgen());
    fail = false;
    const retried = await harness.handle(signedLeadgen());

    // Assess
    expect(refused.statusCode).toBe(503);
    expect(retried.statusCode).toBe(202);
    expect(references).toHaveLength(1);
  });
});

describe('enrich settings in config', () => {
  const configWith = (source: Record<string, unknown>) =>
    JSON.stringify({
      sources: { s: source },
      destinations: { h: { type: 'hubspot', accessToken: 'env:H' } },
    });

  it.each([
    [
      'a preset that sends no references',
      { verify: { scheme: 'none' }, mapping: { preset: 'generic' }, enrich: { accessToken: 'env:T' } },
      'sources.s.enrich: only the meta and hubspot presets send references to fetch',
    ],
    [
      'a plain http: API URL',
      {
        verify: { scheme: 'none' },
        mapping: { preset: 'hubspot' },
        enrich: { accessToken: 'env:T', baseUrl: 'http://api.example.com' },
      },
      'sources.s.enrich.baseUrl: http://api.example.com is not allowed',
    ],
    [
      'a token given as a value',
      { verify: { scheme: 'none' }, mapping: { preset: 'meta' }, enrich: { accessToken: 'EAAsecretvalue' } },
      'sources.s.enrich.accessToken',
    ],
  ])('refuses %s with a message naming the field', (_case, source, expected) => {
    // Act
    let error: unknown;
    try {
      parseConfig(configWith(source), 'c.json', pipelineChecks);
    } catch (caught) {
      error = caught;
    }

    // Assess
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.join('\n')).toContain(expected);
  });
});
