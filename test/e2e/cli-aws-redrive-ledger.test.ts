import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsClients } from '../../adapters/aws/clients.ts';
import { DLQ_ATTRIBUTES } from '../../adapters/aws/delivery-queue.ts';
import { createDynamoLedger } from '../../adapters/aws/ledger.ts';
import { runLeadpipe } from '../support/cli.ts';
import { createLedgerTable, startTestTable, type TestTable } from '../support/dynamo.ts';
import { ledgerEvent, ledgerLeadId } from '../support/ledger-events.ts';
import {
  type DestinationQueues,
  ensureDestinationQueues,
  type LocalSqs,
  startSqs,
} from '../support/sqs-peer.ts';

const LEDGER = 'stack-ledger-table';

describe('leadpipe dlq redrive --aws records each redriven lead in the deployed ledger', () => {
  let sqsPeer: LocalSqs;
  let sqs: SQSClient;
  let table: TestTable;
  let dynamoEndpoint: string;
  let run = 0;

  beforeAll(async () => {
    sqsPeer = await startSqs({});
    sqs = createAwsClients({ sqs: sqsPeer.endpoint }).sqs;
    table = await startTestTable('leadpipe-cli-aws-redrive');
    await createLedgerTable(table.client, LEDGER);
    const url = await table.client.config.endpoint?.();
    dynamoEndpoint = url ? `${url.protocol}//${url.hostname}:${url.port}` : '';
  }, 30_000);
  afterAll(async () => {
    sqs?.destroy();
    await sqsPeer?.end();
    await table?.end();
  });

  /** A deployed stack's queues (prefix-hubspot and its -dlq) holding one dead-lettered lead. */
  async function deadLetteredLead(index: number): Promise<{ prefix: string; queues: DestinationQueues }> {
    run++;
    const prefix = `redrive${run}`;
    const queues = await ensureDestinationQueues(sqs, `${prefix}-hubspot`, {
      maxAttempts: 3,
      visibilityTimeoutSeconds: 30,
    });
    const leadId = ledgerLeadId(index);
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queues.deadLetterQueueUrl,
        MessageBody: JSON.stringify({
          'detail-type': 'lead.received',
          source: 'leadpipe',
          detail: { lead: { id: leadId, source: 'form', email: 'ada@example.com' } },
        }),
        MessageAttributes: {
          [DLQ_ATTRIBUTES.reason]: { DataType: 'String', StringValue: 'HubSpot said INVALID_EMAIL' },
          [DLQ_ATTRIBUTES.destination]: { DataType: 'String', StringValue: 'hubspot' },
          [DLQ_ATTRIBUTES.leadId]: { DataType: 'String', StringValue: leadId },
        },
      }),
    );
    return { prefix, queues };
  }

  const redrive = (prefix: string, env: Record<string, string>) =>
    runLeadpipe(['dlq', 'redrive', 'hubspot', '--aws', '--prefix', prefix, '--region', 'us-east-1'], {
      cwd: tmpdir(),
      env: {
        AWS_ENDPOINT_URL_SQS: sqsPeer.endpoint,
        AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint,
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        LEADPIPE_CONFIG: join(tmpdir(), 'no-such-config.yaml'),
        ...env,
      },
    });

  it('writes a redriven step by the cli for the lead it moved, in the table LEADPIPE_LEDGER_TABLE names', async () => {
    // Prepare: the lead's life so far, as the deployed handlers wrote it.
    const { prefix } = await deadLetteredLead(1);
    const ledger = createDynamoLedger({
      client: DynamoDBDocumentClient.from(table.client),
      tableName: LEDGER,
    });
    const receivedAt = new Date(Date.now() - 60_000).toISOString();
    await ledger.append([
      ledgerEvent.received(ledgerLeadId(1), receivedAt),
      ledgerEvent.mapped(ledgerLeadId(1), receivedAt),
      ledgerEvent.routed(ledgerLeadId(1), receivedAt, ['hubspot']),
      ledgerEvent.deadLettered(ledgerLeadId(1), receivedAt, 'hubspot'),
    ]);

    // Act
    const result = await redrive(prefix, { LEADPIPE_LEDGER_TABLE: LEDGER });

    // Assess
    expect(result.stderr).not.toContain('Not recorded');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Moved 1 message(s) from the hubspot dead-letter queue');
    const timeline = await ledger.timeline(ledgerLeadId(1));
    expect(timeline?.events.map((event) => event.kind)).toEqual([
      'received',
      'mapped',
      'routed',
      'dead-lettered',
      'redriven',
    ]);
    expect(timeline?.events.at(-1)).toMatchObject({ kind: 'redriven', destination: 'hubspot', by: 'cli' });
  });

  it('still redrives without LEADPIPE_LEDGER_TABLE, and says on stderr that nothing was recorded', async () => {
    // Prepare
    const { prefix } = await deadLetteredLead(2);

    // Act
    const result = await redrive(prefix, {});

    // Assess
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Moved 1 message(s)');
    expect(result.stderr).toContain(
      'Not recorded in the deployed ledger: set LEADPIPE_LEDGER_TABLE to the stack output LedgerTableName',
    );
  });
});
