// Quarantine end to end: a signed payload the mapping cannot read is kept (202 quarantined, ops
// alerted); after the config is fixed, `leadpipe quarantine list|show|replay` (the real CLI, in its
// own process, on the host's data dir) finds it, replays it once, and the lead reaches HubSpot with
// the id it got on arrival.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../functions/config/load.ts';
import { createLogger } from '../../functions/observability/logger.ts';
import { signatureSchemes } from '../../functions/verify/index.ts';
import { type LocalHost, startLocalHost } from '../../local/host.ts';
import { E2E_DESTINATIONS, E2E_SECRETS, resolveE2eSecret } from '../support/config.ts';
import { sandboxRecords } from '../support/sandboxes.ts';
import { waitUntil } from '../support/wait.ts';

const run = promisify(execFile);
const CLI = join(import.meta.dirname, '../../cli/leadpipe.ts');
const EMAIL = 'quarantine-e2e@example.com';

/** The `leads` source reads `contact.email`; the broken mapping reads a field that is not there. */
const configWith = (jsonata: string) => ({
  settings: { alerts: { destination: 'slack', channel: '#leadpipe-ops' } },
  sources: {
    leads: {
      verify: { scheme: 'standard-webhooks', secrets: ['env:E2E_SOURCE_SECRET'] },
      mapping: { jsonata },
    },
  },
  destinations: { hubspot: E2E_DESTINATIONS.hubspot, slack: E2E_DESTINATIONS.slack },
});
const BROKEN = configWith('{ "email": email_address }');
const FIXED = configWith('{ "email": contact.email, "firstName": contact.first }');

let host: LocalHost;
let dataDir: string;
let leadId: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'leadpipe-quarantine-'));
  // The CLI reads and writes the host's database in the data dir, as it does beside `npm start`.
  host = await startLocalHost({
    config: parseConfig(JSON.stringify(BROKEN), 'broken.json'),
    port: 0,
    dataDir,
    resolveSecret: resolveE2eSecret,
    logger: createLogger({ logLevel: 'SILENT' }),
    // Delivery starts once the replays are done, so what they queued can be counted first.
    deliver: false,
  });
  await writeFile(join(dataDir, 'fixed.json'), JSON.stringify(FIXED));
});

afterAll(async () => {
  await host?.end();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, 'quarantine', ...args], {
      env: { ...process.env, LEADPIPE_DATA_DIR: dataDir, LEADPIPE_CONFIG: join(dataDir, 'fixed.json') },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    return {
      code: failed.code,
      stdout: `${failed.stdout ?? ''}${failed.stderr ?? ''}`,
      stderr: failed.stderr ?? '',
    };
  }
}

describe('quarantine and replay', () => {
  it('quarantines a signed payload the mapping cannot read: 202 quarantined, kept, ops alerted', async () => {
    // Prepare
    const body = Buffer.from(JSON.stringify({ contact: { email: EMAIL, first: 'Quinn' } }));
    const url = `${host.url}/webhooks/leads`;
    const headers = signatureSchemes['standard-webhooks'].sign(
      { method: 'POST', url, body, deliveryId: 'msg_quarantine_e2e' },
      E2E_SECRETS.E2E_SOURCE_SECRET as string,
      new Date(),
    );
    // Act
    const response = await fetch(url, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body,
    });
    // Assess
    const answer = (await response.json()) as { leadId: string; status: string; reason: { code: string } };
    expect(response.status).toBe(202);
    expect(answer).toMatchObject({ status: 'quarantined', reason: { code: 'no_contact' } });
    expect(host.published).toEqual({ 'ops.alert': 1 });
    leadId = answer.leadId;
  });

  it('lists it without the body, and shows the body only with --payload', async () => {
    // Act
    const list = await cli('list');
    const show = await cli('show', leadId);
    const withPayload = await cli('show', leadId, '--payload');
    // Assess
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(leadId);
    expect(list.stdout).toContain('no_contact');
    expect(list.stdout).not.toContain(EMAIL);
    expect(show.stdout).not.toContain(EMAIL);
    expect(withPayload.stdout).toContain(EMAIL);
  });

  it('prints the list and one entry as JSON documents, the body only with --payload', async () => {
    // Act
    const list = await cli('list', '--json');
    const show = await cli('show', leadId, '--json');
    const withPayload = await cli('show', leadId, '--json', '--payload');

    // Assess
    expect(JSON.parse(list.stdout)).toEqual([
      expect.objectContaining({
        leadId,
        source: 'leads',
        reason: expect.objectContaining({ code: 'no_contact' }),
      }),
    ]);
    expect(JSON.parse(show.stdout)).toMatchObject({ leadId, deliveryId: 'msg_quarantine_e2e' });
    expect(`${list.stdout}${show.stdout}`).not.toContain(EMAIL);
    const { body } = JSON.parse(withPayload.stdout) as { body: { encoding: string; text: string } };
    expect(body.encoding).toBe('utf8');
    expect(JSON.parse(body.text)).toEqual({ contact: { email: EMAIL, first: 'Quinn' } });
  });

  it('exits 1 for an entry that is not there, saying so on stderr', async () => {
    // Act
    const result = await cli('show', 'lead_not_there');

    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'Nothing is quarantined as lead_not_there (already replayed, expired, or a wrong id).\n',
    );
  });

  it('replays it with the fixed config, once: the lead reaches HubSpot and the entry is gone', async () => {
    // Act
    const first = await cli('replay', leadId);
    const second = await cli('replay', leadId);
    // Assess
    expect(first).toMatchObject({ code: 0, stdout: expect.stringContaining('replayed') });
    // Piped: no progress line, only the final counts.
    expect(first.stderr).toBe('replay: replayed 1/1, not replayed 0\n');
    // The lead's timeline says the CLI replayed it.
    expect((await host.ledger.timeline(leadId))?.events).toContainEqual(
      expect.objectContaining({ kind: 'replayed', by: 'cli', outcome: 'published' }),
    );
    expect(second.code).toBe(1);
    expect(second.stdout).toContain('not in the quarantine');
    // The CLI published to the data dir's bus, not the host's: one lead.received, in the one queue it routes to.
    const hubspot = host.queues.hubspot;
    if (!hubspot) throw new Error('the host has a hubspot queue');
    expect(await hubspot.depth()).toMatchObject({
      queue: { visible: 1, inFlight: 0, delayed: 0 },
      deadLetters: { visible: 0, inFlight: 0, delayed: 0 },
    });
    host.startDelivery();
    const contact = await waitUntil('the replayed lead in HubSpot', async () =>
      (await sandboxRecords.hubspot(host.url)).contacts.find((record) => record.properties.email === EMAIL),
    );
    expect(contact.properties.firstname).toBe('Quinn');
    expect((await cli('list')).stdout).toContain('The quarantine is empty.');
  });

  it('says what to do when the data dir holds no leadpipe database and --aws is not given', async () => {
    // Prepare
    const empty = await mkdtemp(join(tmpdir(), 'leadpipe-none-'));
    // Act
    const result = await run(process.execPath, [CLI, 'quarantine', 'list'], {
      env: { ...process.env, LEADPIPE_DATA_DIR: empty },
    }).catch((error: { code: number; stderr: string }) => error);
    await rm(empty, { recursive: true, force: true });
    // Assess
    expect(result).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(
        /There is no leadpipe database in .*start leadpipe once with this LEADPIPE_DATA_DIR \(npm start\)/,
      ),
    });
  });
});
