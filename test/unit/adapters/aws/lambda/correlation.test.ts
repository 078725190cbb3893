import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { correlationIdFor } from '../../../../../adapters/aws/lambda/correlation.ts';
import type { LeadpipeConfig } from '../../../../../schemas/generated/config.ts';

const config = {
  sources: {
    custom: {
      verify: { scheme: 'hmac', secrets: ['env:X'], hmac: { deliveryIdHeader: 'X-Acme-Delivery' } },
      mapping: { preset: 'generic' },
    },
  },
  destinations: {},
} as unknown as LeadpipeConfig;

const event = (source: string, headers: Record<string, string>) =>
  ({
    headers,
    pathParameters: { source },
    requestContext: { requestId: 'api-request-id' },
  }) as unknown as APIGatewayProxyEventV2;

describe('correlationIdFor', () => {
  it.each([
    ['a Standard Webhooks id', 'demo', { 'webhook-id': 'msg_1' }, 'msg_1'],
    ['a GitHub delivery in any case', 'demo', { 'X-GitHub-Delivery': 'gh-1' }, 'gh-1'],
    [
      'the source’s own delivery header first',
      'custom',
      { 'x-acme-delivery': 'acme-1', 'webhook-id': 'msg_2' },
      'acme-1',
    ],
    [
      'API Gateway’s request id when the sender names none',
      'demo',
      { 'content-type': 'application/json' },
      'api-request-id',
    ],
  ])('uses %s', (_case, source, headers, expected) => {
    expect(correlationIdFor(event(source, headers), config)).toBe(expected);
  });

  it('bounds a sender-chosen id', () => {
    expect(correlationIdFor(event('demo', { 'webhook-id': 'x'.repeat(500) }), config)).toHaveLength(128);
  });
});
