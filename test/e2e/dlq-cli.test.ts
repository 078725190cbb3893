import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalHost, startLocalHost } from '../../local/host.ts';
import { runLeadpipe } from '../support/cli.ts';
import { E2E_DESTINATIONS, e2eConfig, formEmail, formPayload, resolveE2eSecret } from '../support/config.ts';
import { sandboxRecords, setSandboxFaults } from '../support/sandboxes.ts';
import { waitUntil } from '../support/wait.ts';
import { createWebhookSender, sendAll } from '../support/webhooks.ts';

/**
 * Runs `leadpipe <args>` as a person would, on the data dir a host runs on (the CLI reads its
 * database itself) with the host's config; never throws.
 */
const leadpipe = (where: { dataDir: string; configPath: string }, ...args: string[]) =>
  runLeadpipe(args, {
    cwd: where.dataDir,
    env: { LEADPIPE_DATA_DIR: where.dataDir, LEADPIPE_CONFIG: where.configPath },
  });

describe('leadpipe dlq against the running local host: refused leads, then list, show and redrive', () => {
  let host: LocalHost;
  let dataDir: string;
  let configDir: string;
  let local: { dataDir: string; configPath: string };
  const leadIds: string[] = [];
  const LEADS = 5;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'leadpipe-dlq-cli-'));
    configDir = await mkdtemp(join(tmpdir(), 'leadpipe-dlq-cli-config-'));
    const config = e2eConfig({ hubspot: E2E_DESTINATIONS.hubspot });
    // The host's config for the CLI, in a file, as `npm start` and `leadpipe` read it.
    local = { dataDir, configPath: join(configDir, 'leadpipe.config.json') };
    await writeFile(local.configPath, JSON.stringify(config));
    // Every record refused one by one (HubSpot's 207 validation error): each lead is rejected and dead-lettered.
    host = await startLocalHost({
      config,
      port: 0,
      dataDir,
      resolveSecret: resolveE2eSecret,
      sandboxes: { hubspot: { faults: { recordErrorRate: 1 } } },
    });
    const sender = await createWebhookSender({
      baseUrl: host.url,
      config,
      source: 'form',
      resolveSecret: resolveE2eSecret,
    });
    const answers = await sendAll(
      sender,
      Array.from({ length: LEADS }, (_, index) => formPayload(index)),
    );
    for (const answer of answers) leadIds.push((JSON.parse(answer.body) as { leadId: string }).leadId);
    await waitUntil(`${LEADS} leads in the HubSpot DLQ`, async () =>
      (await hubspotQueue().depth()).deadLetters.visible === LEADS ? true : undefined,
    );
  }, 60_000);

  afterAll(async () => {
    await host?.end();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
    if (configDir) await rm(configDir, { recursive: true, force: true });
  });

  const hubspotQueue = () => {
    const queue = host.queues.hubspot;
    if (!queue) throw new Error('the host has a hubspot queue');
    return queue;
  };

  it('lists every dead-lettered lead by id with the reason, and no emails', async () => {
    // Act
    const { code, stdout } = await leadpipe(local, 'dlq', 'list', 'hubspot');

    // Assess
    expect(code).toBe(0);
    expect(stdout).toMatch(/^5 message\(s\) in the hubspot dead-letter queue on the local data dir/);
    expect(stdout).toMatch(/^LEAD ID +SOURCE +ATTEMPTS +FAILED AT +REASON$/m);
    for (const id of leadIds)
      expect(stdout).toMatch(new RegExp(`^${id}  form +1  \\S+Z  .*INVALID_EMAIL`, 'm'));
    expect(stdout).not.toContain('@e2e.example.com');
    expect(stdout).not.toContain('\u001b[');
  });

  it('shows one lead in detail, and the lead itself only with --with-lead', async () => {
    // Prepare
    const id = leadIds[2] ?? '';

    // Act
    const plain = await leadpipe(local, 'dlq', 'show', 'hubspot', '--lead', id);
    const withLead = await leadpipe(local, 'dlq', 'show', 'hubspot', '--lead', id, '--with-lead');

    // Assess
    expect(plain.stdout).toContain(`lead id         ${id}`);
    expect(plain.stdout).toContain('destination     hubspot');
    expect(plain.stdout).not.toContain(formEmail(2));
    expect(withLead.stdout).toContain(formEmail(2));
  });

  it('prints the listing and one message as JSON documents, still without personal data', async () => {
    // Act
    const list = await leadpipe(local, 'dlq', 'list', 'hubspot', '--json');
    const show = await leadpipe(local, 'dlq', 'show', 'hubspot', '--lead', leadIds[1] ?? '', '--json');

    // Assess
    expect(JSON.parse(list.stdout)).toMatchObject({ destination: 'hubspot', visible: LEADS });
    expect(
      (JSON.parse(list.stdout) as { messages: { leadId: string }[] }).messages.map((m) => m.leadId).sort(),
    ).toEqual([...leadIds].sort());
    expect(JSON.parse(show.stdout)).toMatchObject({
      leadId: leadIds[1],
      destination: 'hubspot',
      attempts: 1,
    });
    expect(`${list.stdout}${show.stdout}`).not.toContain('@e2e.example.com');
  });

  it('exits 1, saying so on stderr, for a lead that is not in the dead-letter queue', async () => {
    // Act
    const result = await leadpipe(local, 'dlq', 'show', 'hubspot', '--lead', 'lead_not_there');

    // Assess
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr: 'No message for lead lead_not_there in the hubspot dead-letter queue.\n',
    });
  });

  it('redrives them once the cause is fixed: the queue delivers every lead and the DLQ is empty', async () => {
    // Prepare: the "fix" (HubSpot accepts the records again).
    await setSandboxFaults(host.url, 'hubspot', {});

    // Act
    const { code, stdout, stderr } = await leadpipe(local, 'dlq', 'redrive', 'hubspot');

    // Assess
    expect(code).toBe(0);
    expect(stdout).toContain('Moved 5 message(s) from the hubspot dead-letter queue back to its queue');
    // Piped: no progress line, only the final counts.
    expect(stderr).toBe('redrive: moved 5/5, failed 0\n');
    const { contacts } = await waitUntil('5 contacts in HubSpot', async () => {
      const records = await sandboxRecords.hubspot(host.url);
      return records.contacts.length === LEADS ? records : undefined;
    });
    expect(contacts.map((contact) => contact.properties.email).sort()).toEqual(
      Array.from({ length: LEADS }, (_, index) => formEmail(index)).sort(),
    );
    expect((await hubspotQueue().depth()).deadLetters.visible).toBe(0);
    // Each lead's timeline says who moved it back.
    const { stdout: timeline } = await leadpipe(local, 'leads', 'show', leadIds[0] ?? '', '--json');
    expect((JSON.parse(timeline) as { events: { kind: string; by?: string }[] }).events).toContainEqual(
      expect.objectContaining({ kind: 'redriven', destination: 'hubspot', by: 'cli' }),
    );
  });

  it.each([
    [
      'the data dir holds no leadpipe database',
      ['dlq', 'list', 'hubspot'],
      'elsewhere',
      /There is no leadpipe database in .*start leadpipe once with this LEADPIPE_DATA_DIR/,
    ],
    [
      'the destination is unknown',
      ['dlq', 'list', 'marketo'],
      'same',
      /has no destination "marketo"\. Destinations: hubspot/,
    ],
    [
      'the destination is a near miss',
      ['dlq', 'list', 'hubsopt'],
      'same',
      /has no destination "hubsopt" \(did you mean hubspot\?\)\. Destinations: hubspot/,
    ],
    ['the subcommand is unknown', ['dlq', 'purge', 'hubspot'], 'same', /^error: unknown command 'purge'\n/],
    [
      '--prefix is given without --aws',
      ['dlq', 'list', 'hubspot', '--prefix', 'x'],
      'same',
      /^--prefix and --region only apply with --aws\n/,
    ],
  ])('exits 2 with a clear message when %s', async (_, args, where, message) => {
    // Prepare
    const dir = where === 'same' ? dataDir : await mkdtemp(join(tmpdir(), 'leadpipe-dlq-none-'));

    // Act
    const { code, stderr } = await leadpipe({ ...local, dataDir: dir }, ...args);

    // Assess
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    // A sentence to act on, never a stack trace.
    expect(stderr).not.toMatch(/^\s+at /m);
    if (dir !== dataDir) await rm(dir, { recursive: true, force: true });
  });
});
