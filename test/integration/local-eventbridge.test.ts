import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createEventPublisher, createLeadPublisher } from '../../adapters/aws/publisher.ts';
import { parseConfig } from '../../functions/config/load.ts';
import { PublishError } from '../../functions/ports.ts';
import { routingRules } from '../../functions/routing/rules.ts';
import { type LocalBus, startLocalBus } from '../../local/eventbridge.ts';
import { ensureDestinationQueues, type LocalSqs, startSqs } from '../../local/sqs.ts';
import { fullLead, leadId, leadReceived } from '../unit/schemas/lead-factory.ts';

const BUS = 'leadpipe-test';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const destinations = ['hubspot', 'salesforce', 'slack'] as const;

let sqsServer: LocalSqs;
let sqs: SQSClient;
let bus: LocalBus;
let events: EventBridgeClient;
const queues: Record<string, string> = {};

beforeAll(async () => {
  sqsServer = await startSqs({});
  sqs = new SQSClient({ endpoint: sqsServer.endpoint, region: 'us-east-1', credentials });
  for (const name of destinations) {
    const created = await ensureDestinationQueues(sqs, `bus-test-${name}`, {
      maxAttempts: 3,
      visibilityTimeoutSeconds: 30,
    });
    queues[name] = created.queueUrl;
  }
  const file = join(import.meta.dirname, '../../leadpipe.config.yaml');
  const rules = routingRules(parseConfig(await readFile(file, 'utf8'), file));
  bus = await startLocalBus({ busName: BUS, rules, queues, sqs });
  events = new EventBridgeClient({
    endpoint: bus.endpoint,
    region: 'us-east-1',
    credentials,
    maxAttempts: 1,
  });
});

afterAll(async () => {
  events.destroy();
  await bus.end();
  sqs.destroy();
  await sqsServer.end();
});

/** A queued EventBridge envelope carrying a lead. */
type QueuedEvent = Record<string, unknown> & { detail: { lead: { id: string } } };

/** Everything on a queue now, received once (and left to reappear: each test uses fresh ids). */
async function drain(queue: string): Promise<QueuedEvent[]> {
  const bodies: QueuedEvent[] = [];
  for (;;) {
    const result = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queues[queue],
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: 600,
      }),
    );
    if (!result.Messages?.length) return bodies;
    bodies.push(...result.Messages.map((message) => JSON.parse(message.Body ?? '')));
  }
}

function leadEntry(n: number, score: number, busName = BUS): PutEventsRequestEntry {
  return {
    EventBusName: busName,
    Source: 'leadpipe',
    DetailType: 'lead.received',
    Detail: JSON.stringify(leadReceived(fullLead({ id: leadId(n), score }))),
    Time: new Date('2026-01-02T03:04:05.678Z'),
  };
}

describe('local EventBridge bus', () => {
  it('routes each event to the queues its rules match, in the SQS-target envelope', async () => {
    // Act
    const result = await events.send(new PutEventsCommand({ Entries: [leadEntry(1, 90), leadEntry(2, 10)] }));

    // Assess
    expect(result.FailedEntryCount).toBe(0);
    expect(result.Entries?.map((entry) => typeof entry.EventId)).toEqual(['string', 'string']);
    const leadIds = async (queue: string) => (await drain(queue)).map((body) => body.detail.lead.id).sort();
    expect(await leadIds('hubspot')).toEqual([leadId(1), leadId(2)]);
    expect(await leadIds('salesforce')).toEqual([leadId(1), leadId(2)]);
    expect(await leadIds('slack')).toEqual([leadId(1)]);
  });

  it('wraps the detail in the envelope an EventBridge SQS target delivers', async () => {
    // Act
    const result = await events.send(new PutEventsCommand({ Entries: [leadEntry(3, 10)] }));

    // Assess
    const [body] = await drain('hubspot');
    expect(body).toEqual({
      version: '0',
      id: result.Entries?.[0]?.EventId,
      'detail-type': 'lead.received',
      source: 'leadpipe',
      account: expect.stringMatching(/^\d{12}$/),
      time: '2026-01-02T03:04:05Z',
      region: 'us-east-1',
      resources: [],
      detail: leadReceived(fullLead({ id: leadId(3), score: 10 })),
    });
    await drain('salesforce');
  });

  it('refuses more than 10 entries in one call, as AWS does', async () => {
    // Prepare
    const entries = Array.from({ length: 11 }, (_, i) => leadEntry(100 + i, 10));

    // Act
    const error = await events.send(new PutEventsCommand({ Entries: entries })).catch((e: unknown) => e);

    // Assess
    expect((error as Error).name).toBe('ValidationException');
    expect((error as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).toBe(400);
    expect(await drain('hubspot')).toEqual([]);
  });

  it('fails only the entry aimed at an unknown bus', async () => {
    // Act
    const result = await events.send(
      new PutEventsCommand({ Entries: [leadEntry(4, 10, 'no-such-bus'), leadEntry(5, 10)] }),
    );

    // Assess
    expect(result.FailedEntryCount).toBe(1);
    expect(result.Entries?.[0]).toEqual({
      ErrorCode: 'ResourceNotFoundException',
      ErrorMessage: expect.any(String),
    });
    expect(result.Entries?.[1]?.EventId).toEqual(expect.any(String));
    expect((await drain('hubspot')).map((body) => body.detail.lead.id)).toEqual([leadId(5)]);
    await drain('salesforce');
  });

  it('accepts the bus by ARN as well as by name', async () => {
    const arn = `arn:aws:events:us-east-1:000000000000:event-bus/${BUS}`;
    const result = await events.send(new PutEventsCommand({ Entries: [leadEntry(6, 10, arn)] }));
    expect(result.FailedEntryCount).toBe(0);
    expect((await drain('hubspot')).map((body) => body.detail.lead.id)).toEqual([leadId(6)]);
    await drain('salesforce');
  });
});

describe('publisher against the local bus', () => {
  it('publishes 25 events in 3 PutEvents calls (10 + 10 + 5)', async () => {
    // Prepare
    const calls: number[] = [];
    events.middlewareStack.add(
      (next) => async (args) => {
        calls.push(((args.input as { Entries?: unknown[] }).Entries ?? []).length);
        return next(args);
      },
      { step: 'initialize', name: 'countPutEvents' },
    );
    const publish = createLeadPublisher({ client: events, busName: BUS });
    const details = Array.from({ length: 25 }, (_, i) =>
      leadReceived(fullLead({ id: leadId(200 + i), score: 10 })),
    );

    // Act
    try {
      await publish(details);
    } finally {
      events.middlewareStack.remove('countPutEvents');
    }

    // Assess
    expect(calls).toEqual([10, 10, 5]);
    expect((await drain('hubspot')).length).toBe(25);
    await drain('salesforce');
  });
});

describe('publisher retries', () => {
  // One mocked client instance, so the real client of the tests above stays real.
  const client = new EventBridgeClient({ region: 'us-east-1', credentials });
  const mock = mockClient(client);
  afterEach(() => mock.reset());
  afterAll(() => mock.restore());

  /** A PutEvents stand-in that fails the entries whose Detail is in `failing`, as many times as asked. */
  function failEntries(failing: Map<string, number>) {
    const sent: string[][] = [];
    mock.on(PutEventsCommand).callsFake((input: { Entries: PutEventsRequestEntry[] }) => {
      sent.push(input.Entries.map((entry) => entry.Detail ?? ''));
      const entries = input.Entries.map((entry) => {
        const left = failing.get(entry.Detail ?? '') ?? 0;
        if (left > 0) {
          failing.set(entry.Detail ?? '', left - 1);
          return { ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' };
        }
        return { EventId: 'ok' };
      });
      return { FailedEntryCount: entries.filter((entry) => 'ErrorCode' in entry).length, Entries: entries };
    });
    return sent;
  }

  const details = Array.from({ length: 12 }, (_, i) => ({ n: i }));
  const detailText = (n: number) => JSON.stringify({ n });

  it('retries only the entries that failed', async () => {
    // Prepare
    const sent = failEntries(
      new Map([
        [detailText(3), 1],
        [detailText(11), 2],
      ]),
    );
    const publish = createEventPublisher({ client, busName: BUS, sleep: async () => {} });

    // Act
    await publish('lead.received', details);

    // Assess
    expect(sent.map((call) => call.length)).toEqual([10, 2, 2, 1]);
    expect(sent[2]).toEqual([detailText(3), detailText(11)]);
    expect(sent[3]).toEqual([detailText(11)]);
  });

  it('throws PublishError naming how many failed when failures remain after every attempt', async () => {
    // Prepare
    const sent = failEntries(
      new Map([
        [detailText(0), 99],
        [detailText(5), 99],
      ]),
    );
    const publish = createEventPublisher({ client, busName: BUS, attempts: 3, sleep: async () => {} });

    // Act
    const error = await publish('lead.received', details).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(PublishError);
    expect((error as PublishError).failed).toBe(2);
    expect((error as Error).message).toContain('ThrottlingException');
    expect(sent.map((call) => call.length)).toEqual([10, 2, 2, 2]);
  });

  it('retries a whole chunk whose call threw, and gives up with the cause', async () => {
    // Prepare
    const outage = Object.assign(new Error('service down'), { name: 'InternalException' });
    mock.on(PutEventsCommand).rejects(outage);
    const publish = createEventPublisher({ client, busName: BUS, attempts: 2, sleep: async () => {} });

    // Act
    const error = await publish('lead.received', details.slice(0, 3)).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(PublishError);
    expect((error as PublishError).failed).toBe(3);
    expect((error as PublishError).cause).toBe(outage);
    expect(mock.commandCalls(PutEventsCommand)).toHaveLength(2);
  });

  it('sends each entry to the named bus with the leadpipe source and the detail type', async () => {
    // Prepare
    failEntries(new Map());
    const publish = createEventPublisher({ client, busName: BUS, sleep: async () => {} });

    // Act
    await publish('ops.alert', [{ kind: 'credentials-refused', destination: 'hubspot', reason: '401' }]);

    // Assess
    const entry = mock.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0];
    expect(entry).toMatchObject({ EventBusName: BUS, Source: 'leadpipe', DetailType: 'ops.alert' });
  });
});
