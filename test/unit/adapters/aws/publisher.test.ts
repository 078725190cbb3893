import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createAlertPublisher } from '../../../../adapters/aws/publisher.ts';
import type { OpsAlert } from '../../../../schemas/generated/ops-alert-event.ts';

const eventbridge = mockClient(EventBridgeClient);
afterEach(() => eventbridge.reset());

const refused: OpsAlert = { kind: 'credentials-refused', destination: 'slack', reason: 'invalid_auth' };
const details = () =>
  eventbridge
    .commandCalls(PutEventsCommand)
    .flatMap((call) => call.args[0].input.Entries ?? [])
    .map((entry) => JSON.parse(entry.Detail ?? '{}'));

describe('createAlertPublisher: the repeat cap on AWS', () => {
  it('publishes the same alert once per window per instance, then with the count held back', async () => {
    // Prepare
    eventbridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
    const clock = { now: Date.parse('2026-03-04T05:00:00.000Z') };
    const publish = createAlertPublisher({
      client: new EventBridgeClient({}),
      busName: 'leadpipe-bus',
      throttle: { repeatMinutes: 15, now: () => clock.now },
    });

    // Act: six batches within a minute (the loop the issue measured), then one after the window.
    for (let batch = 0; batch < 6; batch++) await publish([refused]);
    clock.now += 15 * 60_000;
    await publish([refused]);

    // Assess
    expect(details()).toEqual([
      refused,
      { ...refused, suppressed: { count: 5, since: '2026-03-04T05:00:00.000Z' } },
    ]);
  });

  it('calls EventBridge not at all when everything was held back', async () => {
    // Prepare
    eventbridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
    const publish = createAlertPublisher({ client: new EventBridgeClient({}), busName: 'b' });
    await publish([refused]);

    // Act
    await publish([refused, refused]);

    // Assess
    expect(eventbridge.commandCalls(PutEventsCommand)).toHaveLength(1);
  });

  it('holds nothing back after a failed publish, so a retry goes out', async () => {
    // Prepare
    eventbridge
      .on(PutEventsCommand)
      .rejectsOnce(Object.assign(new Error('down'), { name: 'InternalException' }))
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
    const publish = createAlertPublisher({
      client: new EventBridgeClient({}),
      busName: 'b',
      attempts: 1,
    });

    // Act
    await expect(publish([refused])).rejects.toThrow();
    await publish([refused]);

    // Assess
    expect(details()).toEqual([refused, refused]);
  });
});
