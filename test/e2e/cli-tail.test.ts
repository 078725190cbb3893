// `leadpipe tail` end to end: the real CLI, in its own process, finds the host through its
// runtime.json, follows GET /ops/api/events with the token the host wrote, prints each step of a
// lead as it happens, follows the host through a restart, and exits 0 on SIGTERM or Ctrl+C.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalHost, startLocalHost } from '../../local/host.ts';
import { writeRuntimeInfo } from '../../local/runtime-file.ts';
import type { LeadpipeConfig } from '../../schemas/generated/config.ts';
import type { LedgerEvent } from '../../schemas/generated/ledger-event.ts';
import { runLeadpipe, startLeadpipe } from '../support/cli.ts';
import { E2E_DESTINATIONS, e2eConfig, formPayload, resolveE2eSecret } from '../support/config.ts';
import { createWebhookSender } from '../support/webhooks.ts';

describe('leadpipe tail', () => {
  let host: LocalHost;
  let config: LeadpipeConfig;
  let dataDir: string;
  let configPath: string;
  let sent = 0;

  /** A host on the data dir, and the runtime.json local/main.ts writes (this process's pid: it runs here). */
  const startHost = async () => {
    host = await startLocalHost({ config, port: 0, dataDir, resolveSecret: resolveE2eSecret });
    await writeRuntimeInfo(dataDir, { pid: process.pid, url: host.url, database: host.database });
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'leadpipe-cli-tail-'));
    config = e2eConfig({ hubspot: E2E_DESTINATIONS.hubspot });
    configPath = join(dataDir, 'leadpipe.config.json');
    await writeFile(configPath, JSON.stringify(config));
    await startHost();
  }, 60_000);

  afterAll(async () => {
    await host?.end();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const options = (env: Record<string, string> = {}) => ({
    cwd: tmpdir(),
    env: { LEADPIPE_DATA_DIR: dataDir, LEADPIPE_CONFIG: configPath, ...env },
  });

  /** Posts one signed lead to the running host; resolves with its lead id. */
  const sendLead = async () => {
    const sender = await createWebhookSender({
      baseUrl: host.url,
      config,
      source: 'form',
      resolveSecret: resolveE2eSecret,
    });
    const answer = await sender.send(formPayload(sent++));
    return (JSON.parse(answer.body) as { leadId: string }).leadId;
  };

  /** Started, and connected: its first note says what it follows. */
  const startTail = async (...args: string[]) => {
    const tail = startLeadpipe(['tail', ...args], options());
    await tail.waitForStderr(/\(following http:\/\/127\.0\.0\.1:\d+\/ops\/api\/events on /);
    return tail;
  };

  it('prints one line per step of a lead as it happens, then exits 0 on SIGTERM', async () => {
    // Prepare
    const tail = await startTail();

    // Act
    const leadId = await sendLead();
    const delivered = await tail.waitForLine(new RegExp(`${leadId}  attempt +hubspot +delivered`));
    const code = await tail.stop('SIGTERM');

    // Assess
    expect(delivered).toMatch(
      /^\d{4}-\d\d-\d\dT\S+Z {2}lead_\w+ {2}attempt +hubspot +delivered \(attempt 1\) {2}record \S+$/,
    );
    const steps = tail.lines.filter((line) => line.includes(leadId)).map((line) => line.split(/\s{2,}/)[2]);
    expect(steps).toEqual(['received', 'mapped', 'routed', 'attempt']);
    expect(tail.lines.join('\n')).not.toContain('\u001b[');
    expect(code).toBe(0);
  });

  it('prints each ledger event as one JSON document per line with --json, and exits 0 on Ctrl+C', async () => {
    // Prepare
    const tail = await startTail('--json');

    // Act
    const leadId = await sendLead();
    await tail.waitForLine(new RegExp(`"leadId":"${leadId}","at":"[^"]+","kind":"attempt"`));
    const code = await tail.stop('SIGINT');

    // Assess
    const events = tail.lines.map((line) => JSON.parse(line) as LedgerEvent);
    expect(events.filter((event) => event.leadId === leadId).map((event) => event.kind)).toEqual([
      'received',
      'mapped',
      'routed',
      'attempt',
    ]);
    expect(code).toBe(0);
  });

  it('follows the host through a restart on another port, and goes on printing', async () => {
    // Prepare
    const tail = await startTail();

    // Act: the host stops and comes back on a new free port (runtime.json says which).
    await host.end();
    await tail.waitForStderr(/\(the feed dropped: /);
    await startHost();
    await tail.waitForStderr(new RegExp(`\\(reconnected to ${host.url}/ops/api/events[;)]`));
    const leadId = await sendLead();
    await tail.waitForLine(new RegExp(`${leadId}  attempt +hubspot +delivered`));
    const code = await tail.stop();

    // Assess
    expect(code).toBe(0);
  }, 60_000);

  it('exits 2 when the host refuses the token', async () => {
    // Act
    const result = await runLeadpipe(['tail'], options({ LEADPIPE_CONSOLE_TOKEN: 'not-the-console-token' }));

    // Assess
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      /^The host refused the console token \(401 from http:\/\/127\.0\.0\.1:\d+\/ops\/api\/events\): set LEADPIPE_CONSOLE_TOKEN to the token npm start printed, or check <data dir>\/console-token\.\n$/,
    );
  });
});
