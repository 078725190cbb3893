import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENVIRONMENT } from '../../adapters/aws/lambda/environment.ts';
import { createIngestLambda } from '../../adapters/aws/lambda/ingest.lambda.ts';
import { createLogger } from '../../functions/observability/logger.ts';
import type { LeadReceivedEvent } from '../../schemas/generated/lead-received-event.ts';
import { startTestTable, type TestTable } from '../support/dynamo.ts';
import { CONFIG, NOW, resolveSecret, signedEvent } from '../unit/functions/ingest/ingest-setup.ts';

const TABLE = 'leadpipe-lambda-person';
const context = {
  functionName: 'ingest',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 10_000,
} as Context;

let table: TestTable;
beforeAll(async () => {
  table = await startTestTable(TABLE, 'eu-west-1');
});
afterAll(async () => {
  await table.end();
});

describe('ingest Lambda: the person identity in the pipeline table (dynalite)', () => {
  it('gives a phone-only lead and a later lead with email and phone one personId, keeping no plain key', async () => {
    // Prepare
    const eventbridge = new EventBridgeClient({ region: 'eu-west-1' });
    const events = mockClient(eventbridge);
    events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
    const handler = createIngestLambda({
      config: CONFIG,
      env: {
        [ENVIRONMENT.pipeline]: 'leadpipe',
        [ENVIRONMENT.tableName]: TABLE,
        [ENVIRONMENT.busName]: 'bus',
      },
      dynamodb: table.client,
      eventbridge,
      secrets: resolveSecret,
      logger: createLogger({ logLevel: 'SILENT' }),
      now: () => NOW,
    });

    // Act
    const byPhone = await handler(signedEvent('form', JSON.stringify({ phone: '+1 415 555 0181' })), context);
    const both = await handler(
      signedEvent('form', JSON.stringify({ email: 'Kay@Smalltalk.example', phone: '415 555 0181' })),
      context,
    );

    // Assess
    expect([byPhone.statusCode, both.statusCode]).toEqual([202, 202]);
    const leads = events
      .commandCalls(PutEventsCommand)
      .flatMap((call) => call.args[0].input.Entries ?? [])
      .filter((entry) => entry.DetailType === 'lead.received')
      .map((entry) => (JSON.parse(entry.Detail ?? '{}') as LeadReceivedEvent).lead);
    expect(leads).toHaveLength(2);
    expect(leads[0]?.personId).toMatch(/^person_[0-9a-f]{32}$/);
    expect(leads[1]?.personId).toBe(leads[0]?.personId);
    const { Items = [] } = await table.client.send(new ScanCommand({ TableName: TABLE }));
    const personItems = Items.filter((item) => /^person(key)?#/.test(item.id?.S ?? ''));
    expect(personItems).toHaveLength(3); // the person and its two keys
    for (const item of personItems) expect(item.expiration).toBeUndefined();
    expect(JSON.stringify(Items)).not.toMatch(/smalltalk|4155550181/i);
  });
});
