import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../functions/config/load.ts';
import {
  resolveSigningSecrets,
  SigningSecretError,
  UnusableSecretError,
} from '../../functions/verify/index.ts';
import { github } from '../../functions/verify/schemes/github.ts';
import { standardWebhooks } from '../../functions/verify/schemes/standard-webhooks.ts';
import type { WebhookRequest } from '../../functions/verify/types.ts';
import { startLocalHost } from '../../local/host.ts';
import { webhookEvent } from '../unit/functions/ingest/fakes.ts';
import { ingestHarness, NOW } from '../unit/functions/ingest/ingest-setup.ts';

const BODY = Buffer.from('{"email":"mallory@attacker.example","first_name":"Mallory"}');
const EMPTY_KEY = Buffer.alloc(0);
const options = (secrets: readonly string[]) => ({ secrets, toleranceSeconds: 300, now: NOW });

/** What anyone can compute when the configured secret decodes to no key bytes at all. */
function forgedStandardWebhook(): Record<string, string> {
  const id = 'msg_forged';
  const timestamp = String(Math.floor(NOW.getTime() / 1000));
  const signature = createHmac('sha256', EMPTY_KEY)
    .update(`${id}.${timestamp}.`)
    .update(BODY)
    .digest('base64');
  return { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${signature}` };
}

const request = (headers: Record<string, string>): WebhookRequest => ({
  method: 'POST',
  url: 'https://hooks.example.com/webhooks/form',
  headers: { 'content-type': 'application/json', ...headers },
  body: BODY,
});

/** Secrets that give an empty or garbled key: each would let anyone sign. */
const UNUSABLE = [
  { case: 'the bare prefix', secret: 'whsec_' },
  { case: 'nothing but non-base64 characters', secret: 'whsec_!!!!' },
  { case: 'base64 with garbage in it', secret: 'whsec_c2VjcmV0!!!!c2VjcmV0' },
  { case: 'an empty string', secret: '' },
];

describe('verification refuses an unusable Standard Webhooks key (defence in depth)', () => {
  it.each(UNUSABLE.filter(({ secret }) => Buffer.from(secret.replace(/^whsec_/, ''), 'base64').length === 0))(
    'refuses a request forged with an empty key when the secret is $case',
    ({ secret }) => {
      // Prepare
      const forged = request(forgedStandardWebhook());
      // Act
      const act = () => standardWebhooks.verify(forged, options([secret]));
      // Assess
      expect(act).toThrow(UnusableSecretError);
    },
  );

  it('refuses a body-only HMAC forged with an empty secret (GitHub)', () => {
    const signature = createHmac('sha256', '').update(BODY).digest('hex');
    const forged = request({ 'x-hub-signature-256': `sha256=${signature}`, 'x-github-delivery': 'd-1' });
    expect(() => github.verify(forged, options(['']))).toThrow(UnusableSecretError);
  });
});

describe('resolveSigningSecrets (what both hosts resolve the secrets with)', () => {
  it.each(UNUSABLE)(
    'refuses $case, naming the source and the reference, never the value',
    async ({ secret }) => {
      // Prepare
      const verify = { scheme: 'standard-webhooks' as const, secrets: ['env:GOOD', 'env:FORM_SECRET'] };
      const resolve = async (ref: string) =>
        ref === 'env:GOOD' ? `whsec_${Buffer.from('a good key of 24+ bytes!').toString('base64')}` : secret;
      // Act
      const error = await resolveSigningSecrets('form', verify, resolve).catch((caught: unknown) => caught);
      // Assess
      expect(error).toBeInstanceOf(SigningSecretError);
      const { message, source, ref } = error as SigningSecretError;
      expect({ source, ref }).toEqual({ source: 'form', ref: 'env:FORM_SECRET' });
      expect(message).toContain('source "form"');
      expect(message).toContain('env:FORM_SECRET');
      if (secret.length > 'whsec_'.length) expect(message).not.toContain(secret.slice('whsec_'.length));
    },
  );

  it('returns the values, in order, when every secret is usable', async () => {
    const verify = { scheme: 'github' as const, secrets: ['env:NEW', 'env:OLD'] };
    await expect(resolveSigningSecrets('gh', verify, async (ref) => `value-of-${ref}`)).resolves.toEqual([
      'value-of-env:NEW',
      'value-of-env:OLD',
    ]);
  });
});

const CONFIG = parseConfig(
  JSON.stringify({
    sources: {
      form: {
        verify: { scheme: 'standard-webhooks', secrets: ['env:FORM_SECRET'] },
        mapping: { preset: 'generic' },
      },
    },
    destinations: { hubspot: { type: 'hubspot', accessToken: 'env:HUBSPOT_TOKEN' } },
  }),
  'verify-signing-secrets config',
);

describe('a Standard Webhooks secret of whsec_ at start', () => {
  it('the local host refuses to start, naming the source and the reference', async () => {
    // Prepare
    const resolveSecret = async (ref: string) => (ref === 'env:FORM_SECRET' ? 'whsec_' : 'token');
    // Act
    const outcome = await startLocalHost({ config: CONFIG, port: 0, resolveSecret }).then(
      async (host) => {
        await host.end();
        return 'started';
      },
      (error: unknown) => error,
    );
    // Assess
    expect(outcome).toBeInstanceOf(SigningSecretError);
    expect((outcome as Error).message).toContain('source "form"');
    expect((outcome as Error).message).toContain('env:FORM_SECRET');
  });

  it('ingest (AWS resolves secrets per request) answers 500 to a forged request and publishes nothing', async () => {
    // Prepare
    const harness = ingestHarness({ config: CONFIG, secrets: async () => 'whsec_' });
    const event = webhookEvent({
      source: 'form',
      body: BODY,
      headers: { 'content-type': 'application/json', ...forgedStandardWebhook() },
    });
    // Act
    const answer = await harness.handle(event);
    // Assess
    expect(answer.statusCode).toBe(500);
    expect(harness.published.events).toHaveLength(0);
  });
});
