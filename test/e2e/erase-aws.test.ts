// `leadpipe erase --aws` in its own process, against the AWS adapters' test peers (dynalite for the
// pipeline and ledger tables, fauxqs for the queues) and the vendor sandboxes as the CRMs' URLs.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsClients, destroyAwsClients } from '../../adapters/aws/clients.ts';
import { createDynamoLedger } from '../../adapters/aws/ledger.ts';
import { createQuarantineStore } from '../../adapters/aws/quarantine-store.ts';
import { createDynamoTombstones } from '../../adapters/aws/tombstones.ts';
import { createHubspotSandbox } from '../../adapters/hubspot/sandbox.ts';
import { createSalesforceSandbox } from '../../adapters/salesforce/sandbox.ts';
import type { RunningSandbox } from '../../adapters/sandbox/kit.ts';
import { tombstoneHashes } from '../../functions/erasure/tombstones.ts';
import { runLeadpipe } from '../support/cli.ts';
import { E2E_DESTINATIONS, E2E_SECRETS, e2eConfig } from '../support/config.ts';
import { createLedgerTable, startTestTable, type TestTable } from '../support/dynamo.ts';
import { deliveredLife, ledgerLeadId } from '../support/ledger-events.ts';
import {
  type DestinationQueues,
  ensureDestinationQueues,
  type LocalSqs,
  startSqs,
} from '../support/sqs-peer.ts';

const PIPELINE = 'leadpipe-erase-pipeline';
const LEDGER = 'leadpipe-erase-ledger';
const EMAIL = 'ada@example.com';
const TOKEN = E2E_SECRETS.E2E_HUBSPOT_TOKEN ?? '';
const leadBody = (id: string, email: string) =>
  JSON.stringify({ 'detail-type': 'lead.received', detail: { lead: { id, email } } });

describe('leadpipe erase --aws on DynamoDB (dynalite), SQS (fauxqs) and the CRMs', () => {
  let table: TestTable;
  let sqs: LocalSqs;
  let clients: ReturnType<typeof createAwsClients>;
  let hubspot: RunningSandbox;
  let salesforce: RunningSandbox;
  let configDir: string;
  let queues: DestinationQueues;
  let erase: { code: number; stdout: string; stderr: string };

  beforeAll(async () => {
    table = await startTestTable(PIPELINE);
    await createLedgerTable(table.client, LEDGER);
    sqs = await startSqs({});
    clients = createAwsClients({ sqs: sqs.endpoint, dynamodb: await endpointOf(table) });
    queues = await ensureDestinationQueues(clients.sqs, 'leadpipe-hubspot', {
      maxAttempts: 5,
      visibilityTimeoutSeconds: 30,
    });
    await ensureDestinationQueues(clients.sqs, 'leadpipe-salesforce', {
      maxAttempts: 5,
      visibilityTimeoutSeconds: 30,
    });
    hubspot = await createHubspotSandbox({ accessTokens: [TOKEN] }).listen(0);
    salesforce = await createSalesforceSandbox().listen(0);

    // The person everywhere: the ledger, the quarantine, the HubSpot DLQ, both CRMs; and someone else queued.
    await createDynamoLedger({ client: DynamoDBDocumentClient.from(table.client), tableName: LEDGER }).append(
      deliveredLife(ledgerLeadId(1), new Date(Date.now() - 60_000).toISOString(), {
        contact: { email: EMAIL },
      }),
    );
    await createQuarantineStore(table.client, PIPELINE).put({
      leadId: ledgerLeadId(2),
      source: 'form',
      deliveryId: 'd-2',
      receivedAt: new Date().toISOString(),
      reason: { code: 'no_contact', message: 'no email or phone' },
      contentType: 'application/json',
      body: Buffer.from(JSON.stringify({ note: `write to ${EMAIL}` })).toString('base64'),
    });
    await clients.sqs.send(
      new SendMessageCommand({
        QueueUrl: queues.deadLetterQueueUrl,
        MessageBody: leadBody(ledgerLeadId(1), EMAIL),
      }),
    );
    await clients.sqs.send(
      new SendMessageCommand({
        QueueUrl: queues.queueUrl,
        MessageBody: leadBody(ledgerLeadId(3), 'grace@example.com'),
      }),
    );
    await fetch(`${hubspot.url}/crm/v3/objects/contacts/batch/create`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: [{ properties: { email: EMAIL } }] }),
    });
    const token = (await (
      await fetch(`${salesforce.url}/services/oauth2/token`, {
        method: 'POST',
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'c', client_secret: 's' }),
      })
    ).json()) as { access_token: string };
    await fetch(`${salesforce.url}/services/data/v62.0/composite/sobjects`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token.access_token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        records: [{ attributes: { type: 'Lead' }, LastName: 'Lovelace', Company: 'Engines', Email: EMAIL }],
      }),
    });

    configDir = await mkdtemp(join(tmpdir(), 'leadpipe-erase-aws-'));
    const configPath = join(configDir, 'leadpipe.config.json');
    const config = e2eConfig({
      hubspot: { ...E2E_DESTINATIONS.hubspot, baseUrl: hubspot.url },
      salesforce: {
        ...E2E_DESTINATIONS.salesforce,
        auth: { ...E2E_DESTINATIONS.salesforce.auth, loginUrl: salesforce.url },
      },
    });
    await writeFile(configPath, JSON.stringify(config));
    erase = await runLeadpipe(
      [
        'erase',
        'Ada@Example.com',
        '--aws',
        '--table',
        PIPELINE,
        '--ledger-table',
        LEDGER,
        '--region',
        'us-east-1',
        '--yes',
      ],
      {
        cwd: configDir,
        env: {
          AWS_ENDPOINT_URL_DYNAMODB: await endpointOf(table),
          AWS_ENDPOINT_URL_SQS: sqs.endpoint,
          AWS_ACCESS_KEY_ID: 'test',
          AWS_SECRET_ACCESS_KEY: 'test',
          LEADPIPE_CONFIG: configPath,
          ...E2E_SECRETS,
        },
      },
    );
  }, 60_000);

  afterAll(async () => {
    if (clients) destroyAwsClients(clients);
    await hubspot?.close();
    await salesforce?.close();
    await sqs?.end();
    await table?.end();
    if (configDir) await rm(configDir, { recursive: true, force: true });
  });

  it('reports each system in text and exits 0', () => {
    // Assess
    expect(erase.stderr).toBe('');
    expect(erase.code).toBe(0);
    const lines = erase.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^erase Ada@Example\.com \(at \d{4}-\d\d-\d\dT[\d:.]+Z\)$/);
    expect(lines.slice(1)).toEqual([
      'tombstone: added (1 key hash, no personal data)',
      expect.stringMatching(/^hubspot: contact \d+ deleted \(GDPR delete\)$/),
      expect.stringMatching(/^salesforce: Lead 00Q\w+ deleted \(in the Recycle Bin for 15 days\)$/),
      'ledger: 1 lead, 6 events removed',
      'quarantine: 1 removed',
      'dlq hubspot: 1 dead letter, 0 queued removed',
      'dlq salesforce: 0 dead letters, 0 queued removed',
      'persons: 0 persons forgotten',
    ]);
    expect(erase.stdout).not.toContain(EMAIL);
  });

  it('leaves a tombstone, and nothing of the person in the tables, the DLQ or the CRMs; the others stay', async () => {
    // Act
    const tombstones = createDynamoTombstones(table.client, PIPELINE);
    const [hash] = tombstoneHashes({ email: EMAIL });
    const ledger = createDynamoLedger({
      client: DynamoDBDocumentClient.from(table.client),
      tableName: LEDGER,
    });
    const dlq = await clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queues.deadLetterQueueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
      }),
    );
    const queued = await clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queues.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    const hubspotContacts = (
      (await (await fetch(`${hubspot.url}/__sandbox/records`)).json()) as { contacts: unknown[] }
    ).contacts;
    const salesforceLeads = (
      (await (await fetch(`${salesforce.url}/__sandbox/records`)).json()) as { records: { Lead?: unknown[] } }
    ).records.Lead;

    // Assess
    expect(await tombstones.has(hash ?? '')).toMatch(/^\d{4}-/);
    expect((await ledger.search({ email: EMAIL })).leads).toEqual([]);
    expect(await createQuarantineStore(table.client, PIPELINE).get(ledgerLeadId(2))).toBeUndefined();
    expect(dlq.Messages ?? []).toEqual([]);
    expect((queued.Messages ?? []).map((message) => message.Body)).toEqual([
      leadBody(ledgerLeadId(3), 'grace@example.com'),
    ]);
    expect(hubspotContacts).toEqual([]);
    expect(salesforceLeads ?? []).toEqual([]);
  });
});

async function endpointOf(table: TestTable): Promise<string> {
  const url = await table.client.config.endpoint?.();
  if (!url) throw new Error('dynalite has no endpoint');
  return `${url.protocol}//${url.hostname}:${url.port}`;
}
