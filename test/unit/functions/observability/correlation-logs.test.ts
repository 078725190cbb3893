import type { APIGatewayProxyEventV2, SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { correlationIdFor } from '../../../../adapters/aws/lambda/correlation.ts';
import { createDeliver } from '../../../../functions/deliver/deliver.ts';
import { createLogger } from '../../../../functions/observability/logger.ts';
import type { DeliveryQueue, DestinationAdapter } from '../../../../functions/ports.ts';
import { LEAD_RECEIVED } from '../../../../functions/routing/rules.ts';
import type { LeadReceivedEvent } from '../../../../schemas/generated/lead-received-event.ts';
import { eventBridgeEnvelope } from '../../schemas/lead-factory.ts';
import { captureOutput } from '../ingest/fakes.ts';
import { CONFIG, ingestHarness, signedEvent } from '../ingest/ingest-setup.ts';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
/** Typeform signs the body only and names its delivery in it (`event_id`), never in a header. */
const TYPEFORM_EVENT_ID = 'LtWXD3crgy';
const TYPEFORM_BODY = JSON.stringify({
  event_id: TYPEFORM_EVENT_ID,
  event_type: 'form_response',
  form_response: {
    form_id: 'lT4Z3j',
    token: 'a3a12ec67a1365927098a606107fac15',
    submitted_at: '2026-03-02T09:59:00Z',
    definition: { id: 'lT4Z3j', title: 'Contact', fields: [{ id: 'f1', type: 'email', title: 'Email' }] },
    answers: [{ type: 'email', email: 'grace.hopper@compilers.example', field: { id: 'f1', type: 'email' } }],
  },
});

type LogLine = Record<string, unknown>;
const lines = (output: string): LogLine[] =>
  output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);

/** Ingest as the Lambda runs it: a provisional correlation id from the headers, then the handler. */
async function ingest(event: APIGatewayProxyEventV2) {
  const logger = createLogger({ logLevel: 'INFO' });
  const harness = ingestHarness({ logger });
  logger.setCorrelationId(correlationIdFor(event, CONFIG));
  const answer = await harness.handle(event);
  logger.resetKeys();
  return { answer, events: harness.published.events };
}

/** The deliver engine given the published event as SQS hands it over, to an adapter that delivers it. */
async function deliver(detail: LeadReceivedEvent) {
  const adapter: DestinationAdapter = {
    maxBatchSize: 10,
    deliver: async (leads) => new Map(leads.map((lead) => [lead.id, { status: 'delivered' }])),
  };
  const engine = createDeliver({
    destination: 'hubspot',
    adapter,
    queue: {} as DeliveryQueue,
    logger: createLogger({ logLevel: 'INFO' }),
  });
  const record = {
    messageId: 'm-1',
    receiptHandle: 'r-1',
    body: JSON.stringify(eventBridgeEnvelope(LEAD_RECEIVED, detail)),
    attributes: { ApproximateReceiveCount: '1' },
  } as unknown as SQSRecord;
  return engine({ Records: [record] });
}

function typeformEvent(traceparent: string): APIGatewayProxyEventV2 {
  const event = signedEvent('typeform', TYPEFORM_BODY);
  // Typeform's signature covers the body only: a header added on the way (a proxy's trace) is fine.
  event.headers = { ...event.headers, traceparent };
  return event;
}

describe('one correlation id and traceparent, from the webhook to the CRM', () => {
  it('an ingest line and a deliver line for the same lead carry the same correlation id and traceparent', async () => {
    // Prepare
    const event = typeformEvent(TRACEPARENT);
    let published: LeadReceivedEvent[] = [];

    // Act
    const output = await captureOutput(async () => {
      const { answer, events } = await ingest(event);
      expect(answer.statusCode).toBe(202);
      published = events;
      await deliver(published[0] as LeadReceivedEvent);
    });

    // Assess: the lead and its event carry Typeform's event id, not API Gateway's request id ...
    const [detail] = published;
    expect(detail?.correlation_id).toBe(TYPEFORM_EVENT_ID);
    expect(detail?.lead.correlationId).toBe(TYPEFORM_EVENT_ID);
    expect(detail?.traceparent).toBe(TRACEPARENT);
    // ... and so do the log lines of both functions.
    const logged = lines(output);
    const ingestLine = logged.find((line) => line.message === 'Delivery handled');
    const deliverLine = logged.find((line) => line.message === 'Lead outcome');
    expect(ingestLine).toMatchObject({
      correlation_id: TYPEFORM_EVENT_ID,
      correlationId: TYPEFORM_EVENT_ID,
      traceparent: TRACEPARENT,
      leadId: detail?.lead.id,
    });
    expect(deliverLine).toMatchObject({
      correlationId: TYPEFORM_EVENT_ID,
      traceparent: TRACEPARENT,
      leadId: detail?.lead.id,
      destination: 'hubspot',
      outcome: 'delivered',
    });
    expect(event.requestContext.requestId).not.toBe(TYPEFORM_EVENT_ID);
    expect(output).not.toContain(event.requestContext.requestId);
  });

  it('ignores an invalid traceparent: not in the event, not in the logs', async () => {
    // Prepare
    const invalid = '00-XYZ-not-a-trace';
    let published: LeadReceivedEvent[] = [];

    // Act
    const output = await captureOutput(async () => {
      const { answer, events } = await ingest(typeformEvent(invalid));
      expect(answer.statusCode).toBe(202);
      published = events;
      await deliver(published[0] as LeadReceivedEvent);
    });

    // Assess
    expect(published[0]).not.toHaveProperty('traceparent');
    expect(output).not.toContain(invalid);
    expect(lines(output).find((line) => line.message === 'Lead outcome')).toMatchObject({
      correlationId: TYPEFORM_EVENT_ID,
    });
  });
});
