// The ingest handler's body limit counts the bytes the event really carries: a Content-Length a
// sender made up (non-numeric, negative, too small) cannot hide a body over settings.maxBodyBytes.
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { CONFIG, GOOD_LEAD, ingestHarness, signedEvent } from '../unit/functions/ingest/ingest-setup.ts';

const LIMIT = CONFIG.settings?.maxBodyBytes as number;

/** A signed generic-preset lead whose JSON body is exactly `bytes` long. */
function leadOfSize(bytes: number): string {
  const base = JSON.stringify({ ...GOOD_LEAD, message: '' });
  return JSON.stringify({ ...GOOD_LEAD, message: 'x'.repeat(bytes - base.length) });
}

/** The same event as API Gateway sends a text body: not base64-encoded. */
function asText(event: APIGatewayProxyEventV2): APIGatewayProxyEventV2 {
  return {
    ...event,
    body: Buffer.from(event.body ?? '', 'base64').toString('utf8'),
    isBase64Encoded: false,
  };
}

const withLength = (event: APIGatewayProxyEventV2, contentLength: string): APIGatewayProxyEventV2 => ({
  ...event,
  headers: { ...event.headers, 'content-length': contentLength },
});

describe('ingest handler: the body limit cannot be dodged with a bogus Content-Length', () => {
  const encodings = [
    { encoding: 'base64', event: (body: string) => signedEvent('form', body) },
    { encoding: 'text', event: (body: string) => asText(signedEvent('form', body)) },
  ];
  const bogus = ['abc', '', ' ', '-1', '12abc', 'NaN', 'Infinity', '0x10', '1'];

  it.each(
    encodings.flatMap(({ encoding, event }) =>
      bogus.map((contentLength) => ({ encoding, event, contentLength })),
    ),
  )(
    'refuses a $encoding body over the limit declared as content-length "$contentLength"',
    async ({ event, contentLength }) => {
      // Prepare
      const harness = ingestHarness();
      const oversized = withLength(event(leadOfSize(LIMIT + 1)), contentLength);

      // Act
      const answer = await harness.handle(oversized);

      // Assess
      expect(answer.statusCode).toBe(413);
      expect(JSON.parse(answer.body)).toEqual({
        error: { code: 'body_too_large', message: expect.any(String) },
      });
      expect(harness.published.events).toEqual([]);
      expect(harness.idempotency.records.size).toBe(0);
    },
  );

  it.each(encodings)(
    'accepts a $encoding body of exactly the limit (the real size, not an estimate)',
    async ({ event }) => {
      // Prepare
      const harness = ingestHarness();
      const atLimit = event(leadOfSize(LIMIT));

      // Act
      const answer = await harness.handle(atLimit);

      // Assess
      expect(answer.statusCode).toBe(202);
      expect(harness.published.events).toHaveLength(1);
    },
  );

  it('still refuses a small body whose declared Content-Length is over the limit', async () => {
    // Prepare
    const harness = ingestHarness();
    const declaredLarge = withLength(signedEvent('form', leadOfSize(200)), String(LIMIT + 1));

    // Act
    const answer = await harness.handle(declaredLarge);

    // Assess
    expect(answer.statusCode).toBe(413);
    expect(harness.published.events).toEqual([]);
  });

  it('accepts a small body whatever a bogus Content-Length says', async () => {
    // Prepare
    const harness = ingestHarness();
    const small = withLength(signedEvent('form', leadOfSize(200)), 'abc');

    // Act
    const answer = await harness.handle(small);

    // Assess
    expect(answer.statusCode).toBe(202);
  });
});
