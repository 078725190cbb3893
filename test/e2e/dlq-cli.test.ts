import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalHost, startLocalHost } from '../../local/host.ts';
import { E2E_DESTINATIONS, e2eConfig, formEmail, formPayload, resolveE2eSecret } from '../support/config.ts';
import { sandboxRecords, setSandboxFaults } from '../support/sandboxes.ts';
import { waitUntil } from '../support/wait.ts';
import { createWebhookSender, sendAll } from '../support/webhooks.ts';

const CLI = join(import.meta.dirname, '..', '..', 'cli', 'leadpipe.ts');
const run = promisify(execFile);

/**
 * Runs `leadpipe <args>` as a person would, on the data dir a host runs on (the CLI reads its
 * database itself) with the host's config; never throws.
 */
async function leadpipe(
  where: { dataDir: string; configPath: string },
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], {
      cwd: where.dataDir,
      env: {
        PATH: process.env.PATH ?? '',
        LEADPIPE_DATA_DIR: where.dataDir,
        LEADPIPE_CONFIG: where.configPath,
      },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

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
    for (const id of leadIds)
      expect(stdout).toMatch(new RegExp(`^${id}  form  attempts 1  \\S+  .*INVALID_EMAIL`, 'm'));
    expect(stdout).not.toContain('@e2e.example.com');
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

  it('redrives them once the cause is fixed: the queue delivers every lead and the DLQ is empty', async () => {
    // Prepare: the "fix" (HubSpot accepts the records again).
    await setSandboxFaults(host.url, 'hubspot', {});

    // Act
    const { code, stdout, stderr } = await leadpipe(local, 'dlq', 'redrive', 'hubspot');

    // Assess
    expect(code).toBe(0);
    expect(stdout).toContain('Moved 5 message(s) from the hubspot dead-letter queue back to its queue');
    expect(stderr).toContain('redrive: 5/5 (5 moved, 0 failed)');
    const { contacts } = await waitUntil('5 contacts in HubSpot', async () => {
      const records = await sandboxRecords.hubspot(host.url);
      return records.contacts.length === LEADS ? records : undefined;
    });
    expect(contacts.map((contact) => contact.properties.email).sort()).toEqual(
      Array.from({ length: LEADS }, (_, index) => formEmail(index)).sort(),
    );
    expect((await hubspotQueue().depth()).deadLetters.visible).toBe(0);
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
    ['the subcommand is unknown', ['dlq', 'purge', 'hubspot'], 'same', /Unknown dlq subcommand "purge"/],
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
