import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../functions/config/load.ts';
import { schemeFor } from '../../functions/verify/index.ts';
import type { SourceConfig } from '../../schemas/generated/config.ts';
import { webhookEvent } from '../unit/functions/ingest/fakes.ts';
import { ingestHarness, NOW } from '../unit/functions/ingest/ingest-setup.ts';

const SECRET = 'captured-sender-secret';
const FORM_SECRET = `whsec_${Buffer.from('a standard webhooks key, 32 B!!').toString('base64')}`;
const BODY = Buffer.from(
  JSON.stringify({ email: 'ada@example.com', first_name: 'Ada', last_name: 'Lovelace', score: 90 }),
);

const SOURCES: Record<string, SourceConfig> = {
  github: { verify: { scheme: 'github', secrets: ['env:SECRET'] }, mapping: { preset: 'generic' } },
  shopify: { verify: { scheme: 'shopify', secrets: ['env:SECRET'] }, mapping: { preset: 'generic' } },
  custom: {
    verify: {
      scheme: 'hmac',
      secrets: ['env:SECRET'],
      hmac: { header: 'X-Sig', algorithm: 'sha256', encoding: 'hex', deliveryIdHeader: 'X-Delivery' },
    },
    mapping: { preset: 'generic' },
  },
  form: {
    verify: { scheme: 'standard-webhooks', secrets: ['env:FORM_SECRET'] },
    mapping: { preset: 'generic' },
  },
};

const CONFIG = parseConfig(
  JSON.stringify({
    sources: SOURCES,
    destinations: { hubspot: { type: 'hubspot', accessToken: 'env:HUBSPOT_TOKEN' } },
  }),
  'verify-unsigned-delivery-ids config',
);
const resolveSecret = async (ref: string) => (ref === 'env:FORM_SECRET' ? FORM_SECRET : SECRET);

/** The request a sender made for `source`, as an attacker would capture it. */
function captured(source: string) {
  const verify = CONFIG.sources[source]?.verify;
  const scheme = verify && schemeFor(verify);
  if (!scheme) throw new Error(`no scheme for ${source}`);
  const secret = source === 'form' ? FORM_SECRET : SECRET;
  const url = `https://hooks.example.com/webhooks/${source}`;
  return scheme.sign({ method: 'POST', url, body: BODY, deliveryId: 'first-delivery' }, secret, NOW);
}

const post = (source: string, headers: Record<string, string>) =>
  webhookEvent({ source, body: BODY, headers: { 'content-type': 'application/json', ...headers } });

describe('a captured request replayed with a changed, unsigned delivery id header', () => {
  it.each<{ source: string; changed: Record<string, string> }>([
    { source: 'github', changed: { 'x-github-delivery': 'attacker-1' } },
    { source: 'shopify', changed: { 'x-shopify-event-id': 'attacker-1' } },
    {
      source: 'shopify',
      changed: { 'x-shopify-event-id': 'attacker-1', 'x-shopify-webhook-id': 'attacker-1' },
    },
    { source: 'custom', changed: { 'x-delivery': 'attacker-1' } },
  ])(
    '$source, changing $changed: answers 200 duplicate with the first lead id',
    async ({ source, changed }) => {
      // Prepare
      const harness = ingestHarness({ config: CONFIG, secrets: resolveSecret });
      const headers = captured(source);
      const first = await harness.handle(post(source, headers));
      // Act
      const replay = await harness.handle(post(source, { ...headers, ...changed }));
      // Assess
      expect(first.statusCode).toBe(202);
      expect(replay.statusCode).toBe(200);
      expect(JSON.parse(replay.body)).toEqual({ leadId: JSON.parse(first.body).leadId, status: 'duplicate' });
      expect(harness.published.events).toHaveLength(1);
    },
  );

  it.each(['github', 'shopify', 'custom'])(
    '%s: the lead is deduplicated on the signed body; the header id is only its correlation id',
    async (source) => {
      const harness = ingestHarness({ config: CONFIG, secrets: resolveSecret });
      await harness.handle(post(source, captured(source)));
      const lead = harness.published.events[0]?.lead;
      expect(lead?.correlationId).toBe('first-delivery');
      expect(lead?.raw?.deliveryIdFrom).toBe('body-hash');
      expect(lead?.raw?.deliveryId).toMatch(/^sha256:[0-9a-f]{64}$/);
    },
  );

  it('standard-webhooks signs webhook-id: a changed one no longer verifies (401), and the first stays the only lead', async () => {
    const harness = ingestHarness({ config: CONFIG, secrets: resolveSecret });
    const headers = captured('form');
    const first = await harness.handle(post('form', headers));
    const replay = await harness.handle(post('form', { ...headers, 'webhook-id': 'attacker-1' }));
    expect(first.statusCode).toBe(202);
    expect(replay.statusCode).toBe(401);
    expect(harness.published.events).toHaveLength(1);
    expect(harness.published.events[0]?.lead.raw).toMatchObject({
      deliveryId: 'first-delivery',
      deliveryIdFrom: 'sender',
    });
  });
});
