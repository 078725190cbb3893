import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createEventPublisher } from '../../adapters/aws/publisher.ts';
import { PublishError } from '../../functions/ports.ts';
import { GOOD_LEAD, ingestHarness, signedEvent } from '../unit/functions/ingest/ingest-setup.ts';

/**
 * A lead the bus refuses for good (too large, malformed) must not be answered 503 forever: it is
 * quarantined with its reason, and the sender's retries see the same answer. A passing failure (throttling,
 * the network) still answers 503 so that the retry goes through.
 */
const body = (answer: { body: string }) => JSON.parse(answer.body) as Record<string, unknown>;

describe('ingest: a lead the bus refuses permanently', () => {
  it('is quarantined as publish_rejected, raises an alert, and a retry is a duplicate, not a 503', async () => {
    // Prepare
    let calls = 0;
    const harness = ingestHarness({
      publish: async (events) => {
        calls++;
        throw new PublishError(events.length, 'ValidationException: entry too large', { permanent: true });
      },
    });
    const event = signedEvent('form', JSON.stringify(GOOD_LEAD), { deliveryId: 'msg_too_large' });
    // Act
    const first = await harness.handle(event);
    const retry = await harness.handle(event);
    // Assess
    expect(first.statusCode).toBe(202);
    expect(body(first)).toMatchObject({ status: 'quarantined', reason: { code: 'publish_rejected' } });
    expect(retry.statusCode).toBe(200);
    expect(body(retry)).toMatchObject({ status: 'duplicate' });
    expect(calls).toBe(1);
    const [entry] = [...harness.quarantine.entries.values()];
    expect(entry?.reason.code).toBe('publish_rejected');
    expect(entry?.reason.message).toContain('ValidationException');
    expect(Buffer.from(entry?.body ?? '', 'base64').toString()).toBe(JSON.stringify(GOOD_LEAD));
    expect(harness.alerts.alerts).toMatchObject([{ kind: 'quarantined', source: 'form' }]);
  });

  it('still answers 503 to a passing failure, and stores nothing', async () => {
    // Prepare
    const harness = ingestHarness({
      publish: async (events) => {
        throw new PublishError(events.length, 'ThrottlingException');
      },
    });
    // Act
    const answer = await harness.handle(signedEvent('form', JSON.stringify(GOOD_LEAD)));
    // Assess
    expect(answer.statusCode).toBe(503);
    expect(harness.quarantine.entries.size).toBe(0);
  });
});

describe('the EventBridge publisher tells a permanent refusal from a passing one', () => {
  const eventBridge = mockClient(EventBridgeClient);
  afterEach(() => eventBridge.reset());
  const publisher = () =>
    createEventPublisher({
      client: new EventBridgeClient({ region: 'us-east-1' }),
      busName: 'leadpipe',
      sleep: async () => undefined,
    });

  async function failure(run: () => Promise<void>): Promise<PublishError> {
    try {
      await run();
    } catch (error) {
      if (error instanceof PublishError) return error;
      throw error;
    }
    throw new Error('expected a PublishError');
  }

  it('refuses an entry over 256 KiB without calling EventBridge, as permanent', async () => {
    // Prepare
    const publish = publisher();
    // Act
    const error = await failure(() => publish('lead.received', [{ text: '"'.repeat(140 * 1024) }]));
    // Assess
    expect(error.permanent).toBe(true);
    expect(error.message).toMatch(/larger than/);
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('treats a ValidationException from PutEvents as permanent, and does not retry it', async () => {
    // Prepare
    const refusal = Object.assign(new Error('Total size of the entries in the request is over the limit.'), {
      name: 'ValidationException',
      $fault: 'client',
    });
    eventBridge.on(PutEventsCommand).rejects(refusal);
    const publish = publisher();
    // Act
    const error = await failure(() => publish('lead.received', [{ a: 1 }]));
    // Assess
    expect(error.permanent).toBe(true);
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(1);
  });

  it.each([
    [
      'throttled entries',
      () =>
        eventBridge.on(PutEventsCommand).resolves({
          FailedEntryCount: 1,
          Entries: [{ ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' }],
        }),
    ],
    [
      'a network failure',
      () =>
        eventBridge
          .on(PutEventsCommand)
          .rejects(Object.assign(new Error('socket hang up'), { name: 'TimeoutError' })),
    ],
    [
      'an internal failure',
      () =>
        eventBridge
          .on(PutEventsCommand)
          .resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure' }] }),
    ],
  ])('treats %s as passing, after every attempt', async (_name, arrange) => {
    // Prepare
    arrange();
    const publish = publisher();
    // Act
    const error = await failure(() => publish('lead.received', [{ a: 1 }]));
    // Assess
    expect(error.permanent).toBe(false);
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(3);
  });
});
