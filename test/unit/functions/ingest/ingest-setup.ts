import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { pipelineChecks } from '../../../../functions/config/checks.ts';
import { parseConfig } from '../../../../functions/config/load.ts';
import { createIngestHandler, type IngestHandlerDependencies } from '../../../../functions/ingest/handler.ts';
import { createSourceThrottle } from '../../../../functions/ingest/throttle.ts';
import { createLogger } from '../../../../functions/observability/logger.ts';
import type { LeadPublisher } from '../../../../functions/ports.ts';
import { signatureSchemes } from '../../../../functions/verify/index.ts';
import type { LeadpipeConfig } from '../../../../schemas/generated/config.ts';
import {
  MemoryPersistenceLayer,
  memoryQuarantine,
  recordingAlerts,
  recordingPublisher,
  testContext,
  webhookEvent,
} from './fakes.ts';

export const NOW = new Date('2026-03-02T10:00:00Z');

export const SECRETS: Readonly<Record<string, string>> = {
  FORM_SECRET: `whsec_${Buffer.from('unit-test-form-secret').toString('base64')}`,
  TYPEFORM_SECRET: 'unit-test-typeform-secret',
  META_APP_SECRET: 'unit-test-meta-app-secret',
  META_VERIFY_TOKEN: 'unit-test-verify-token',
};

/** Sources for every ingest path: signed generic, Typeform, Meta, unsigned, and a JSONata mapping that needs `contact`. */
export const CONFIG: LeadpipeConfig = parseConfig(
  JSON.stringify({
    settings: { phoneRegion: 'US', maxBodyBytes: 4096 },
    sources: {
      form: {
        verify: { scheme: 'standard-webhooks', secrets: ['env:FORM_SECRET'] },
        mapping: { preset: 'generic' },
      },
      typeform: {
        verify: { scheme: 'typeform', secrets: ['env:TYPEFORM_SECRET'] },
        mapping: { preset: 'typeform' },
      },
      meta: {
        verify: { scheme: 'meta', secrets: ['env:META_APP_SECRET'], verifyToken: 'env:META_VERIFY_TOKEN' },
        mapping: { preset: 'meta' },
      },
      open: { verify: { scheme: 'none' }, mapping: { preset: 'generic' } },
      strict: {
        verify: { scheme: 'standard-webhooks', secrets: ['env:FORM_SECRET'] },
        mapping: { jsonata: '{ "email": contact.email, "firstName": $uppercase(contact.name) }' },
      },
    },
    destinations: { hubspot: { type: 'hubspot', accessToken: 'env:HUBSPOT_TOKEN' } },
  }),
  'unit-test config',
  pipelineChecks,
);

export const resolveSecret = async (ref: string): Promise<string> => {
  const value = SECRETS[ref.replace(/^env:/, '')];
  if (value === undefined) throw new Error('unknown secret reference');
  return value;
};

/** A signed POST to a source, as its sender would make it at `at` (default NOW). */
export function signedEvent(
  source: 'form' | 'typeform' | 'strict',
  body: Buffer | string,
  options: { at?: Date; deliveryId?: string; contentType?: string } = {},
): APIGatewayProxyEventV2 {
  const raw = Buffer.from(body);
  const url = `https://hooks.example.com/webhooks/${source}`;
  const scheme = signatureSchemes[source === 'typeform' ? 'typeform' : 'standard-webhooks'];
  const secret = SECRETS[source === 'typeform' ? 'TYPEFORM_SECRET' : 'FORM_SECRET'] as string;
  const headers = scheme.sign(
    {
      method: 'POST',
      url,
      body: raw,
      deliveryId: options.deliveryId ?? `msg_${Math.random().toString(36).slice(2)}`,
    },
    secret,
    options.at ?? NOW,
  );
  return webhookEvent({
    source,
    body: raw,
    headers: { 'content-type': options.contentType ?? 'application/json', ...headers },
  });
}

export interface Harness {
  handle: (
    event: APIGatewayProxyEventV2,
  ) => Promise<{ statusCode: number; headers: Record<string, string>; body: string }>;
  published: ReturnType<typeof recordingPublisher>;
  alerts: ReturnType<typeof recordingAlerts>;
  quarantine: ReturnType<typeof memoryQuarantine>;
  idempotency: MemoryPersistenceLayer;
  shapes: { source: string; payload: unknown }[];
}

/** The real ingest handler over in-memory stores; anything in `overrides` replaces a dependency. */
export function ingestHarness(
  overrides: Partial<IngestHandlerDependencies> & { logger?: Logger; publish?: LeadPublisher } = {},
): Harness {
  const published = recordingPublisher();
  const alerts = recordingAlerts();
  const quarantine = memoryQuarantine();
  const idempotency = new MemoryPersistenceLayer();
  const shapes: Harness['shapes'] = [];
  const handler = createIngestHandler({
    config: CONFIG,
    secrets: resolveSecret,
    idempotencyStore: idempotency,
    quarantine,
    publish: published,
    raiseAlerts: alerts,
    logger: createLogger({ logLevel: 'SILENT' }),
    observeShape: async (source, payload) => void shapes.push({ source, payload }),
    throttle: createSourceThrottle({ now: () => 0 }),
    now: () => NOW,
    ...overrides,
  });
  return {
    handle: async (event) => {
      const result = await handler(event, testContext());
      return {
        statusCode: result.statusCode ?? 0,
        headers: (result.headers ?? {}) as Record<string, string>,
        body: result.body ?? '',
      };
    },
    published,
    alerts,
    quarantine,
    idempotency,
    shapes,
  };
}

/** The sample lead every happy path posts. */
export const GOOD_LEAD = {
  email: 'grace.hopper@compilers.example',
  first_name: 'Grace',
  last_name: 'Hopper',
  company: 'Compilers Inc',
  phone: '+1 415 555 0132',
  score: 85,
};
