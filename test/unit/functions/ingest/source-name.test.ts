import { describe, expect, it } from 'vitest';
import { sourceNameOf } from '../../../../functions/ingest/handler.ts';
import { GOOD_LEAD, ingestHarness, signedEvent } from './ingest-setup.ts';

describe('sourceNameOf', () => {
  it.each([
    [
      'the {source} path parameter (local host)',
      { pathParameters: { source: 'demo' }, rawPath: '/webhooks/demo' },
      'demo',
    ],
    ['the literal per-source route (AWS)', { rawPath: '/webhooks/typeform' }, 'typeform'],
    ['nothing for a path outside /webhooks/<name>', { rawPath: '/webhooks/typeform/extra' }, ''],
    ['nothing for the bare prefix', { rawPath: '/webhooks/' }, ''],
  ])('reads %s', (_case, event, expected) => {
    expect(sourceNameOf(event)).toBe(expected);
  });
});

describe('the ingest handler behind a per-source route (AWS)', () => {
  it('takes the source from the path when API Gateway sends no path parameters', async () => {
    // Prepare: the event API Gateway sends for the route `POST /webhooks/form`.
    const harness = ingestHarness();
    const { pathParameters: _none, ...event } = signedEvent('form', JSON.stringify(GOOD_LEAD));
    const awsEvent = {
      ...event,
      routeKey: 'POST /webhooks/form',
      requestContext: { ...event.requestContext, routeKey: 'POST /webhooks/form' },
    };

    // Act
    const response = await harness.handle(awsEvent);

    // Assess
    expect(response.statusCode).toBe(202);
    expect(harness.published.events).toHaveLength(1);
  });
});
