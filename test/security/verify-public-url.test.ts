import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../functions/config/errors.ts';
import { parseConfig } from '../../functions/config/load.ts';
import { webhookRequestFrom } from '../../functions/ingest/handler.ts';
import { verifyWebhook, WebhookVerificationError } from '../../functions/verify/index.ts';
import { hubspotV3 } from '../../functions/verify/schemes/hubspot-v3.ts';
import type { VerifyConfig } from '../../schemas/generated/config.ts';
import { webhookEvent } from '../unit/functions/ingest/fakes.ts';

const NOW = new Date('2026-03-02T10:00:00Z');
const SECRET = 'hubspot-app-client-secret';
const BODY = Buffer.from('[{"eventId":1,"subscriptionType":"contact.creation","objectId":42}]');
const PUBLIC_URL = 'https://hooks.example.com/leads/hubspot';

/** HubSpot calls the public URL; CloudFront / a base-path mapping hands API Gateway another host and path. */
function requestBehindCustomDomain() {
  const headers = hubspotV3.sign(
    { method: 'POST', url: `${PUBLIC_URL}?portalId=7`, body: BODY },
    SECRET,
    NOW,
  );
  const event = webhookEvent({
    source: 'hubspot',
    body: BODY,
    query: 'portalId=7',
    headers: {
      host: 'abc123.execute-api.eu-west-1.amazonaws.com',
      'content-type': 'application/json',
      ...headers,
    },
  });
  return webhookRequestFrom(event);
}

const verify = (extra: Partial<VerifyConfig>): VerifyConfig => ({
  scheme: 'hubspot-v3',
  secrets: ['env:HUBSPOT_CLIENT_SECRET'],
  ...extra,
});

describe('hubspot-v3 behind a custom domain', () => {
  it('verifies a request signed for the public URL when publicUrl is set (query from the request)', () => {
    const request = requestBehindCustomDomain();
    const delivery = verifyWebhook(request, verify({ publicUrl: PUBLIC_URL }), [SECRET], NOW);
    expect(delivery.timestamp).toEqual(NOW);
  });

  it('refuses it (401 signature_invalid) without publicUrl: the rebuilt URL is not what HubSpot signed', () => {
    const request = requestBehindCustomDomain();
    const act = () => verifyWebhook(request, verify({}), [SECRET], NOW);
    expect(act).toThrow(WebhookVerificationError);
    expect(act).toThrow('No matching signature found');
  });
});

describe('verify.publicUrl in the config', () => {
  const config = (publicUrl: string) =>
    JSON.stringify({
      sources: { hubspot: { verify: verify({ publicUrl }), mapping: { preset: 'hubspot' } } },
      destinations: { hubspot: { type: 'hubspot', accessToken: 'env:HUBSPOT_TOKEN' } },
    });

  it('accepts an https URL', () => {
    expect(parseConfig(config(PUBLIC_URL), 'leadpipe.config.json').sources.hubspot?.verify.publicUrl).toBe(
      PUBLIC_URL,
    );
  });

  it.each([
    'http://hooks.example.com/leads/hubspot',
    'hooks.example.com/leads/hubspot',
    'https://hooks.example.com/leads/hubspot?portalId=7',
    'https://hooks.example.com/leads/hubspot#top',
    'https://',
  ])('refuses %j, naming the path', (publicUrl) => {
    const act = () => parseConfig(config(publicUrl), 'leadpipe.config.json');
    expect(act).toThrow(ConfigError);
    expect(act).toThrow('sources.hubspot.verify.publicUrl');
  });
});
