import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIdempotencyStore, TABLE_KEY, TABLE_TTL } from '../../../../adapters/aws/idempotency-store.ts';
import { createQuarantineStore } from '../../../../adapters/aws/quarantine-store.ts';
import type { QuarantinedPayload } from '../../../../functions/ports.ts';
import { startTestTable, type TestTable } from '../../../support/dynamo.ts';

const TABLE = 'leadpipe-test';
let table: TestTable;
let client: DynamoDBClient;

beforeAll(async () => {
  table = await startTestTable(TABLE);
  client = table.client;
});

afterAll(async () => {
  await table.end();
});

function payload(leadId: string, receivedAt: string): QuarantinedPayload {
  return {
    leadId,
    source: 'typeform',
    deliveryId: `delivery-${leadId}`,
    receivedAt,
    reason: { code: 'no_contact', message: 'no email or phone' },
    contentType: 'application/json',
    body: Buffer.from('{"form_response":{}}').toString('base64'),
  };
}

describe('quarantine store', () => {
  it('keeps a payload whole and gives it back by lead id', async () => {
    // Prepare
    const store = createQuarantineStore(client, TABLE);
    const entry = payload('lead_q1', '2026-01-01T00:00:00.000Z');

    // Act
    await store.put(entry);
    const read = await store.get('lead_q1');

    // Assess
    expect(read).toEqual(entry);
  });

  it('answers undefined for a lead that is not quarantined', async () => {
    await expect(createQuarantineStore(client, TABLE).get('lead_none')).resolves.toBeUndefined();
  });

  it('expires an entry 30 days after it was put, through the table TTL attribute', async () => {
    // Prepare
    const now = Date.parse('2026-02-01T00:00:00Z');
    const store = createQuarantineStore(client, TABLE, () => now);

    // Act
    await store.put(payload('lead_ttl', '2026-02-01T00:00:00.000Z'));

    // Assess
    const scan = await client.send(new ScanCommand({ TableName: TABLE }));
    const item = scan.Items?.find((row) => row[TABLE_KEY]?.S === 'quarantine#lead_ttl');
    expect(item?.[TABLE_TTL]?.N).toBe(String(now / 1000 + 30 * 24 * 3600));
  });

  it('lists only quarantined payloads, oldest first, and removes one', async () => {
    // Prepare
    const store = createQuarantineStore(client, TABLE);
    await store.remove('lead_q1');
    await store.remove('lead_ttl');
    await store.put(payload('lead_b', '2026-03-02T00:00:00.000Z'));
    await store.put(payload('lead_a', '2026-03-01T00:00:00.000Z'));
    await store.put(payload('lead_c', '2026-03-03T00:00:00.000Z'));

    // Act
    const listed = await store.list();
    await store.remove('lead_b');
    const afterRemove = await store.list();

    // Assess
    expect(listed.map((entry) => entry.leadId)).toEqual(['lead_a', 'lead_b', 'lead_c']);
    expect(afterRemove.map((entry) => entry.leadId)).toEqual(['lead_a', 'lead_c']);
    expect(await store.get('lead_b')).toBeUndefined();
  });
});

describe('idempotency store', () => {
  it('lets Powertools run a function once per key and answer repeats from DynamoDB', async () => {
    // Prepare
    const calls: string[] = [];
    const publish = makeIdempotent(
      async (delivery: { id: string }) => {
        calls.push(delivery.id);
        return { leadId: `lead-for-${delivery.id}` };
      },
      {
        persistenceStore: createIdempotencyStore(client, TABLE),
        config: new IdempotencyConfig({ eventKeyJmesPath: 'id' }),
      },
    );

    // Act
    const first = await publish({ id: 'delivery-1' });
    const repeat = await publish({ id: 'delivery-1' });
    const other = await publish({ id: 'delivery-2' });

    // Assess
    expect([first, repeat, other]).toEqual([
      { leadId: 'lead-for-delivery-1' },
      { leadId: 'lead-for-delivery-1' },
      { leadId: 'lead-for-delivery-2' },
    ]);
    expect(calls).toEqual(['delivery-1', 'delivery-2']);
    const scan = await client.send(new ScanCommand({ TableName: TABLE }));
    const records = (scan.Items ?? []).filter((item) => !item[TABLE_KEY]?.S?.startsWith('quarantine#'));
    expect(records).toHaveLength(2);
    for (const record of records) expect(Number(record[TABLE_TTL]?.N)).toBeGreaterThan(Date.now() / 1000);
  });
});
