import { afterEach, describe, expect, it } from 'vitest';
import { createEmbeddedBus, loudAlert } from '../../../../adapters/embedded/bus.ts';
import { type EmbeddedDatabase, openDatabase } from '../../../../adapters/embedded/database.ts';
import { createEmbeddedQueues } from '../../../../adapters/embedded/queues.ts';
import { inWriteScope } from '../../../../adapters/embedded/write-scope.ts';
import { opsTopicRules, routingRules } from '../../../../functions/routing/rules.ts';
import type { OpsAlert } from '../../../../schemas/generated/ops-alert-event.ts';
import { E2E_DESTINATIONS, e2eConfig } from '../../../support/config.ts';
import { fullLead, leadReceived } from '../../schemas/lead-factory.ts';

const opened: EmbeddedDatabase[] = [];
afterEach(() => {
  for (const database of opened.splice(0)) database.close();
});

/** The e2e destinations (Slack only for score >= 70, and ops alerts) on an in-memory database. */
function setup() {
  const config = e2eConfig(E2E_DESTINATIONS, { alertsTo: 'slack' });
  const database = openDatabase();
  opened.push(database);
  const queues = createEmbeddedQueues(database, () => Date.parse('2026-03-04T05:06:07.890Z'));
  for (const name of Object.keys(config.destinations)) queues.ensure(name, { maxReceiveCount: 9 });
  const clock = { ms: Date.parse('2026-03-04T05:06:07.890Z') };
  const topic: OpsAlert[] = [];
  const bus = createEmbeddedBus({
    rules: routingRules(config),
    topicRules: opsTopicRules(config),
    toTopic: (alert) => topic.push(alert),
    queues,
    destinations: Object.keys(config.destinations),
    now: () => new Date(clock.ms),
  });
  const bodies = async (destination: string) =>
    (await queues.deliveryQueue(destination).receive(100, 30)).map((message) => JSON.parse(message.body));
  return { database, queues, bus, bodies, clock, topic };
}

describe('the embedded bus', () => {
  it.each([
    ['a hot lead goes to every destination', 85, ['hubspot', 'salesforce', 'slack']],
    ['a lead under the Slack filter skips Slack', 40, ['hubspot', 'salesforce']],
  ])('%s (the generated rules, matched in process)', async (_name, score, expected) => {
    // Prepare
    const h = setup();

    // Act
    await h.bus.publishLeads([leadReceived(fullLead({ score }))]);

    // Assess
    const reached = [];
    for (const destination of ['hubspot', 'salesforce', 'slack'])
      if ((await h.bodies(destination)).length > 0) reached.push(destination);
    expect(reached).toEqual(expected);
  });

  it('puts an event on a queue in the envelope an EventBridge SQS target delivers', async () => {
    // Prepare
    const h = setup();
    const detail = leadReceived(fullLead({ firstName: 'Zoë 🙂', score: 10 }));

    // Act
    await h.bus.publishLeads([detail]);

    // Assess
    const [body] = await h.bodies('hubspot');
    expect(body).toEqual({
      version: '0',
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      'detail-type': 'lead.received',
      source: 'leadpipe',
      account: '000000000000',
      time: '2026-03-04T05:06:07Z',
      region: 'local',
      resources: [],
      detail,
    });
  });

  it('routes ops alerts to the alerts destination only, and counts what it published', async () => {
    // Prepare
    const h = setup();
    const refused: OpsAlert = { kind: 'credentials-refused', destination: 'hubspot', reason: 'HTTP 401' };
    const quarantined: OpsAlert = {
      kind: 'quarantined',
      source: 'form',
      quarantineId: 'q1',
      reason: 'no email',
    };

    // Act
    await h.bus.publishAlerts([refused, quarantined]);

    // Assess
    expect((await h.bodies('slack')).map((body) => body.detail)).toEqual([refused, quarantined]);
    expect(await h.bodies('hubspot')).toEqual([]);
    expect(h.bus.counts).toEqual({ 'ops.alert': 2 });
  });

  it('never queues an alert about the alerts destination on its queue: it goes to the ops topic (stderr locally)', async () => {
    // Prepare
    const h = setup();
    const aboutSlack: OpsAlert = {
      kind: 'credentials-refused',
      destination: 'slack',
      reason: 'invalid_auth',
    };

    // Act
    await h.bus.publishAlerts([aboutSlack]);

    // Assess
    expect(await h.bodies('slack')).toEqual([]);
    expect(h.topic).toEqual([aboutSlack]);
  });

  it('caps repeats: the same alert once per window, the held-back count in the next one', async () => {
    // Prepare
    const h = setup();
    const refused: OpsAlert = { kind: 'credentials-refused', destination: 'hubspot', reason: 'HTTP 401' };

    // Act: 3 in the first minute, then one 15 minutes after the first went out.
    await h.bus.publishAlerts([refused, refused]);
    await h.bus.publishAlerts([refused]);
    h.clock.ms += 15 * 60_000;
    await h.bus.publishAlerts([refused]);

    // Assess
    expect((await h.bodies('slack')).map((body) => body.detail)).toEqual([
      refused,
      { ...refused, suppressed: { count: 2, since: '2026-03-04T05:06:07.890Z' } },
    ]);
    expect(h.bus.counts).toEqual({ 'ops.alert': 2 });
  });

  it('inside a write scope, queues nothing until the scope commits', async () => {
    // Prepare
    const h = setup();
    const depthDuring: number[] = [];

    // Act
    await inWriteScope(h.database, async () => {
      await h.bus.publishLeads([leadReceived(fullLead({ score: 10 }))]);
      depthDuring.push((await h.queues.deliveryQueue('hubspot').depth()).queue.visible);
    });

    // Assess
    expect(depthDuring).toEqual([0]);
    expect((await h.queues.deliveryQueue('hubspot').depth()).queue.visible).toBe(1);
  });

  it('drops what a failed invocation staged', async () => {
    // Prepare
    const h = setup();

    // Act
    const failed = inWriteScope(h.database, async () => {
      await h.bus.publishLeads([leadReceived(fullLead({ score: 10 }))]);
      throw new Error('the handler failed');
    });

    // Assess
    await expect(failed).rejects.toThrow('the handler failed');
    expect((await h.queues.deliveryQueue('hubspot').depth()).queue.visible).toBe(0);
  });
});

describe('loudAlert (the local stand-in for the SNS alarm topic)', () => {
  it('writes a line on stderr no one can miss, and logs the alert at ERROR', () => {
    // Prepare
    const written: string[] = [];
    const errors: unknown[][] = [];
    const logger = { error: (...args: unknown[]) => errors.push(args) } as unknown as Parameters<
      typeof loudAlert
    >[0];
    const stderr = { write: (text: string) => written.push(text) } as unknown as NodeJS.WritableStream;

    // Act
    loudAlert(logger, stderr)({ kind: 'credentials-refused', destination: 'slack', reason: 'invalid_auth' });

    // Assess
    expect(written.join('')).toMatch(/!!! leadpipe OPS ALERT \(credentials-refused, slack\)/);
    expect(errors).toEqual([
      [
        expect.any(String),
        { alert: { kind: 'credentials-refused', destination: 'slack', reason: 'invalid_auth' } },
      ],
    ]);
  });
});
