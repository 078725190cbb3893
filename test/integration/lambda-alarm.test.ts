import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { CloudWatchAlarmEvent, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { createAlarmLambda } from '../../adapters/aws/lambda/alarm.lambda.ts';
import { ENVIRONMENT } from '../../adapters/aws/lambda/environment.ts';
import { AlarmEventError } from '../../functions/alarm/alarm.ts';
import { createLogger } from '../../functions/observability/logger.ts';
import { validateOpsAlert } from '../../schemas/validate.ts';

const FIXTURE = join(import.meta.dirname, '../fixtures/events/cloudwatch/alarm-state-change.json');
const fixture = (): CloudWatchAlarmEvent => JSON.parse(readFileSync(FIXTURE, 'utf8'));
const context = { functionName: 'alarm', awsRequestId: 'req-1' } as Context;

function build() {
  const eventbridge = new EventBridgeClient({ region: 'eu-west-1' });
  const events = mockClient(eventbridge);
  events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e' }] });
  const handler = createAlarmLambda({
    env: { [ENVIRONMENT.pipeline]: 'leadpipe', [ENVIRONMENT.busName]: 'leadpipe-bus' },
    eventbridge,
    logger: createLogger({ logLevel: 'SILENT' }),
  });
  return { handler, events };
}

describe('alarm Lambda with a real CloudWatch alarm action event', () => {
  it('publishes the state change as a valid ops.alert on the bus', async () => {
    const { handler, events } = build();

    await handler(fixture(), context);

    const entry = events.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0];
    expect(entry).toMatchObject({
      EventBusName: 'leadpipe-bus',
      Source: 'leadpipe',
      DetailType: 'ops.alert',
    });
    const alert = JSON.parse(entry?.Detail ?? '{}');
    expect(validateOpsAlert(alert)).toBe(true);
    expect(alert).toMatchObject({ kind: 'alarm', alarm: 'leadpipe-hubspot-dlq-not-empty', state: 'ALARM' });
    expect(alert.reason).toMatch(/^Threshold Crossed/);
  });

  it.each([
    ['another source', (event: CloudWatchAlarmEvent) => Object.assign(event, { source: 'aws.events' })],
    [
      'an unknown state',
      (event: CloudWatchAlarmEvent) => Object.assign(event.alarmData.state, { value: 'MAYBE' }),
    ],
    ['no alarm name', (event: CloudWatchAlarmEvent) => Object.assign(event.alarmData, { alarmName: '' })],
  ])('refuses an event with %s and publishes nothing', async (_case, breakIt) => {
    const { handler, events } = build();
    const event = fixture();
    breakIt(event);

    await expect(handler(event, context)).rejects.toThrow(AlarmEventError);
    expect(events.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('throws when the bus refuses the alert, so Lambda retries the invocation', async () => {
    const { handler, events } = build();
    events.reset();
    events.on(PutEventsCommand).rejects(Object.assign(new Error('down'), { name: 'InternalException' }));

    await expect(handler(fixture(), context)).rejects.toThrow(/could not be published/);
  });
});
