// `leadpipe leads` end to end: a host on its own data dir takes leads (one refused by HubSpot),
// the real CLI, in its own process, finds them in the ledger the host wrote; and, with --aws,
// in a DynamoDB ledger table (dynalite).

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoLedger, LEDGER_TABLE } from '../../adapters/aws/ledger.ts';
import type { LedgerPage, LedgerTimeline } from '../../functions/ports.ts';
import { type LocalHost, startLocalHost } from '../../local/host.ts';
import { runLeadpipe } from '../support/cli.ts';
import { E2E_DESTINATIONS, e2eConfig, formEmail, formPayload, resolveE2eSecret } from '../support/config.ts';
import { createLedgerTable, startTestTable, type TestTable } from '../support/dynamo.ts';
import { deliveredLife, ledgerLeadId } from '../support/ledger-events.ts';
import { setSandboxFaults } from '../support/sandboxes.ts';
import { waitUntil } from '../support/wait.ts';
import { createWebhookSender } from '../support/webhooks.ts';

const ESCAPE = '\u001b[';

describe('leadpipe leads on the local data dir', () => {
  let host: LocalHost;
  let dataDir: string;
  let configPath: string;
  /** Oldest first: two delivered to HubSpot, the third refused and dead-lettered. */
  const leadIds: string[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'leadpipe-cli-leads-'));
    const config = e2eConfig({ hubspot: E2E_DESTINATIONS.hubspot });
    configPath = join(dataDir, 'leadpipe.config.json');
    await writeFile(configPath, JSON.stringify(config));
    host = await startLocalHost({ config, port: 0, dataDir, resolveSecret: resolveE2eSecret });
    const sender = await createWebhookSender({
      baseUrl: host.url,
      config,
      source: 'form',
      resolveSecret: resolveE2eSecret,
    });
    const send = async (index: number, fields: Parameters<typeof formPayload>[1] = {}) => {
      const answer = await sender.send(formPayload(index, fields), { deliveryId: `delivery-${index}` });
      leadIds.push((JSON.parse(answer.body) as { leadId: string }).leadId);
    };
    const statusOf = async (leadId: string) => (await host.ledger.timeline(leadId))?.lead.status;
    await send(0, { phone: '+1 415 555 0100' });
    await send(1);
    await waitUntil('two leads delivered', async () =>
      (await statusOf(leadIds[0] ?? '')) === 'delivered' && (await statusOf(leadIds[1] ?? '')) === 'delivered'
        ? true
        : undefined,
    );
    // Every record refused one by one (HubSpot's 207 validation error): the third lead is dead-lettered.
    await setSandboxFaults(host.url, 'hubspot', { recordErrorRate: 1 });
    await send(2);
    await waitUntil('the third lead failed', async () =>
      (await statusOf(leadIds[2] ?? '')) === 'failed' ? true : undefined,
    );
  }, 60_000);

  afterAll(async () => {
    await host?.end();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const leadpipe = (...args: string[]) =>
    runLeadpipe(['leads', ...args], {
      cwd: tmpdir(),
      env: { LEADPIPE_DATA_DIR: dataDir, LEADPIPE_CONFIG: configPath },
    });

  it('lists the newest leads first, with where each one stands, as a plain table when piped', async () => {
    // Act
    const { code, stdout, stderr } = await leadpipe('list');

    // Assess
    expect(code).toBe(0);
    expect(stderr).toBe('');
    const [header, ...rows] = stdout.trimEnd().split('\n');
    expect(header).toMatch(/^RECEIVED +LEAD ID +SOURCE +STATUS +CONTACT +DESTINATIONS$/);
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatch(
      new RegExp(`^\\S+Z  ${leadIds[2]}  form +failed +${formEmail(2)}  hubspot dead-lettered$`),
    );
    expect(rows[2]).toMatch(
      new RegExp(`^\\S+Z  ${leadIds[0]}  form +delivered +${formEmail(0)}  hubspot delivered$`),
    );
    expect(stdout).not.toContain(ESCAPE);
  });

  it('prints the page as one JSON document, and pages on with --cursor', async () => {
    // Act
    const first = await leadpipe('list', '--limit', '2', '--json');
    const page = JSON.parse(first.stdout) as LedgerPage;
    const second = await leadpipe('list', '--limit', '2', '--cursor', page.next ?? '', '--json');

    // Assess
    expect(first.code).toBe(0);
    expect(page.leads.map((lead) => [lead.leadId, lead.status])).toEqual([
      [leadIds[2], 'failed'],
      [leadIds[1], 'delivered'],
    ]);
    expect(page.next).toEqual(expect.any(String));
    expect((JSON.parse(second.stdout) as LedgerPage).leads.map((lead) => lead.leadId)).toEqual([leadIds[0]]);
  });

  it('says where the next page is on stderr, so the table stays the only thing on stdout', async () => {
    // Act
    const { stdout, stderr } = await leadpipe('list', '--limit', '1');

    // Assess
    expect(stdout.trimEnd().split('\n')).toHaveLength(2);
    expect(stderr).toMatch(/^\(more: add --cursor \S+\)\n$/);
  });

  it('filters by source and time, and says so when nothing is left', async () => {
    // Act
    const other = await leadpipe('list', '--source', 'typeform');
    const future = await leadpipe('list', '--since', '2999-01-01', '--json');

    // Assess
    expect(other).toMatchObject({
      code: 0,
      stdout: `No leads in the ledger on the local data dir (${dataDir}) match.\n`,
    });
    expect(JSON.parse(future.stdout)).toEqual({ leads: [] });
  });

  it.each([
    ['an email, in any case', () => [formEmail(1).toUpperCase()], 1],
    ['a phone number as people write it', () => ['(415) 555-0100'], 0],
    ['--phone', () => ['--phone', '415 555 0100'], 0],
    ['a lead id', () => [leadIds[2] ?? ''], 2],
    ['a correlation id', () => ['--correlation-id', 'delivery-1'], 1],
  ])('finds a lead by %s', async (_, args, index) => {
    // Act
    const { code, stdout } = await leadpipe('search', ...args(), '--json');

    // Assess
    expect(code).toBe(0);
    expect((JSON.parse(stdout) as LedgerPage).leads.map((lead) => lead.leadId)).toEqual([leadIds[index]]);
  });

  it('exits 1 when nothing matches, as grep does', async () => {
    // Act
    const { code, stdout } = await leadpipe('search', 'nobody@example.com');

    // Assess
    expect(code).toBe(1);
    expect(stdout).toBe(`No lead in the ledger on the local data dir (${dataDir}) matches.\n`);
  });

  it.each([
    [
      'no search term',
      ['search'],
      'search needs text, --email, --phone or --correlation-id\nRun leadpipe leads search --help for its usage.\n',
    ],
    [
      'a phone number that is none',
      ['search', '--phone', '12'],
      '"12" is not a phone number (try it with its country code).\n',
    ],
    [
      'a time that is none',
      ['list', '--since', 'yesterday'],
      'since "yesterday" is not a date or time (ISO 8601).\n',
    ],
    [
      '--table without --aws',
      ['list', '--table', 'x'],
      '--table and --region only apply with --aws\nRun leadpipe leads list --help for its usage.\n',
    ],
  ])('exits 2 with one line for %s', async (_, args, stderr) => {
    expect(await leadpipe(...args)).toEqual({ code: 2, stdout: '', stderr });
  });

  it("shows a lead's timeline, one line per step, and why it failed", async () => {
    // Act
    const { code, stdout } = await leadpipe('show', leadIds[2] ?? '');

    // Assess
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^${leadIds[2]}  failed$`, 'm'));
    expect(stdout).toContain(`contact         ${formEmail(2)}, Test Lead 00002, Company 00002`);
    expect(stdout).toContain('destinations    hubspot dead-lettered');
    const steps = stdout
      .slice(stdout.indexOf('\nAT ') + 1)
      .trimEnd()
      .split('\n');
    expect(steps[0]).toMatch(/^AT +STEP +DESTINATION +OUTCOME +DETAIL$/);
    expect(steps.slice(1).map((line) => line.split(/\s{2,}/)[1])).toEqual([
      'received',
      'mapped',
      'routed',
      'attempt',
      'dead-lettered',
    ]);
    expect(steps.at(-2)).toMatch(/attempt +hubspot +rejected \(attempt 1\) +.*INVALID_EMAIL/);
    expect(stdout).not.toContain(ESCAPE);
  });

  it('prints the timeline as one JSON document', async () => {
    // Act
    const { code, stdout } = await leadpipe('show', leadIds[0] ?? '', '--json');

    // Assess
    expect(code).toBe(0);
    const timeline = JSON.parse(stdout) as LedgerTimeline;
    expect(timeline.lead).toMatchObject({
      leadId: leadIds[0],
      status: 'delivered',
      contact: { phone: '+14155550100' },
    });
    expect(timeline.events.map((event) => event.kind)).toEqual(['received', 'mapped', 'routed', 'attempt']);
  });

  it('exits 1 for a lead the ledger does not have, saying so on stderr', async () => {
    // Act
    const result = await leadpipe('show', ledgerLeadId(99), '--json');

    // Assess
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr: `The ledger on the local data dir (${dataDir}) has no lead ${ledgerLeadId(99)} (a wrong id, or older than its retention).\n`,
    });
  });

  it('exits 2 when the data dir holds no leadpipe database', async () => {
    // Prepare
    const empty = await mkdtemp(join(tmpdir(), 'leadpipe-cli-leads-none-'));

    // Act
    const result = await runLeadpipe(['leads', 'list'], {
      cwd: empty,
      env: { LEADPIPE_DATA_DIR: empty, LEADPIPE_CONFIG: configPath },
    });
    await rm(empty, { recursive: true, force: true });

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^There is no leadpipe database in .*start leadpipe once with this LEADPIPE_DATA_DIR/,
    );
  });
});

describe('leadpipe leads --aws on a DynamoDB ledger table (dynalite)', () => {
  const TABLE = 'leadpipe-ledger';
  const receivedAt = new Date(Date.now() - 60_000).toISOString();
  let table: TestTable;
  let endpoint: string;

  beforeAll(async () => {
    table = await startTestTable('leadpipe-cli-leads');
    await createLedgerTable(table.client, TABLE);
    await createLedgerTable(table.client, 'staging-ledger');
    endpoint =
      (await table.client.config
        .endpoint?.()
        .then((url) => `${url.protocol}//${url.hostname}:${url.port}`)) ?? '';
    const ledger = createDynamoLedger({
      client: DynamoDBDocumentClient.from(table.client),
      tableName: TABLE,
    });
    await ledger.append(deliveredLife(ledgerLeadId(1), receivedAt));
  }, 30_000);

  afterAll(async () => {
    await table?.end();
  });

  /** The CLI with AWS credentials and the endpoint of dynalite, as the SDK reads them from the environment. */
  const leadpipe = (env: Record<string, string>, ...args: string[]) =>
    runLeadpipe(['leads', ...args], {
      cwd: tmpdir(),
      env: {
        AWS_ENDPOINT_URL_DYNAMODB: endpoint,
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        LEADPIPE_CONFIG: join(tmpdir(), 'no-such-config.yaml'),
        ...env,
      },
    });

  it('reads the table --table names, without a local config', async () => {
    // Act
    const { code, stdout } = await leadpipe(
      {},
      'show',
      ledgerLeadId(1),
      '--aws',
      '--table',
      TABLE,
      '--region',
      'us-east-1',
      '--json',
    );

    // Assess
    expect(code).toBe(0);
    const timeline = JSON.parse(stdout) as LedgerTimeline;
    expect(timeline.lead).toMatchObject({ leadId: ledgerLeadId(1), status: 'delivered' });
    expect(timeline.events).toHaveLength(6);
  });

  it('asks for the table (the stack names it, there is no default to guess) and exits 2', async () => {
    // Act
    const { code, stdout, stderr } = await leadpipe(
      {},
      'show',
      ledgerLeadId(1),
      '--aws',
      '--region',
      'us-east-1',
    );

    // Assess
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('leads --aws needs the ledger table: --table <name> or LEADPIPE_LEDGER_TABLE');
    expect(stderr).toContain('LedgerTableName');
  });

  it('searches by email in the table that --table or LEADPIPE_LEDGER_TABLE names', async () => {
    // Act
    const byFlag = await leadpipe(
      {},
      'search',
      `${ledgerLeadId(1)}@example.com`,
      '--aws',
      '--table',
      TABLE,
      '--region',
      'us-east-1',
      '--json',
    );
    const byEnv = await leadpipe(
      { LEADPIPE_LEDGER_TABLE: 'staging-ledger' },
      'search',
      `${ledgerLeadId(1)}@example.com`,
      '--aws',
      '--region',
      'us-east-1',
    );

    // Assess
    expect((JSON.parse(byFlag.stdout) as LedgerPage).leads.map((lead) => lead.leadId)).toEqual([
      ledgerLeadId(1),
    ]);
    expect(byEnv.code).toBe(1);
    expect(byEnv.stdout).toBe('No lead in the ledger on AWS (us-east-1, staging-ledger) matches.\n');
  });

  it('exits 2 with a sentence when the table does not exist', async () => {
    // Act
    const result = await leadpipe({}, 'list', '--aws', '--table', 'no-such-table', '--region', 'us-east-1');

    // Assess
    expect(result).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'There is no DynamoDB table no-such-table (or one of its indexes) in this account and region: check --table (or LEADPIPE_LEDGER_TABLE) and --region.\n',
    });
  });
});
