import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHubspotSandbox } from '../../adapters/hubspot/sandbox.ts';
import type { RunningSandbox } from '../../adapters/sandbox/kit.ts';
import { typeform } from '../../functions/verify/schemes/typeform.ts';
import { startHostProcess, stopped } from '../support/host-process.ts';
import { getJson, waitUntil } from '../support/wait.ts';

const root = join(import.meta.dirname, '..', '..');
const body = readFileSync(join(root, 'test', 'fixtures', 'senders', 'typeform_form_response.json'));
const secret = 'restart-test-typeform-secret';

interface HubspotRecords {
  contacts: { properties: Record<string, string> }[];
  requests: { serverErrors: number; created: number };
}

describe('a crash with a lead still queued', () => {
  let sandbox: RunningSandbox;
  let dataDir: string;
  const hubspot = createHubspotSandbox();
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    sandbox = await hubspot.listen(0);
    dataDir = mkdtempSync(join(tmpdir(), 'leadpipe-restart-'));
  });
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await Promise.all(children.map(stopped));
    await sandbox?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('delivers the lead exactly once after a restart, and still knows the delivery', async () => {
    // Prepare: HubSpot is down, so the accepted lead stays queued.
    hubspot.faults = { ...hubspot.faults, serverErrorRate: 1 };
    const configPath = join(dataDir, 'leadpipe.config.yaml');
    writeFileSync(
      configPath,
      [
        'sources:',
        '  typeform:',
        '    verify: { scheme: typeform, secrets: [env:TYPEFORM_SECRET] }',
        '    mapping: { preset: typeform }',
        'destinations:',
        '  hubspot:',
        '    type: hubspot',
        '    accessToken: env:HUBSPOT_ACCESS_TOKEN',
        `    baseUrl: ${sandbox.url}`,
        '    delivery: { maxAttempts: 20, batchWindowSeconds: 0.2 }',
      ].join('\n'),
    );
    const env = {
      PORT: '0',
      LEADPIPE_DATA_DIR: dataDir,
      LEADPIPE_CONFIG: configPath,
      LEADPIPE_LOG_LEVEL: 'ERROR',
      TYPEFORM_SECRET: secret,
      HUBSPOT_ACCESS_TOKEN: 'pat-restart-test',
    };
    const first = await startHostProcess(env);
    children.push(first.child);
    const url = `${first.url}/webhooks/typeform`;
    const headers = {
      'content-type': 'application/json',
      ...typeform.sign({ method: 'POST', url, body }, secret, new Date()),
    };
    const accepted = await fetch(url, { method: 'POST', headers, body });
    expect(accepted.status).toBe(202);
    const { leadId } = (await accepted.json()) as { leadId: string };
    await waitUntil('a failed delivery attempt', async () => {
      const records = await getJson<HubspotRecords>(`${sandbox.url}/__sandbox/records`);
      return records.requests.serverErrors > 0 ? true : undefined;
    });

    // Act: crash, bring HubSpot back, start again on the same data dir.
    first.child.kill('SIGKILL');
    await stopped(first.child);
    // The crash left the database and a runtime.json naming a process that is gone: no reason not to start.
    const runtimeFile = join(dataDir, 'runtime.json');
    expect(existsSync(join(dataDir, 'leadpipe.db'))).toBe(true);
    expect(JSON.parse(readFileSync(runtimeFile, 'utf8'))).toMatchObject({ pid: first.child.pid });
    hubspot.faults = { ...hubspot.faults, serverErrorRate: 0 };
    const second = await startHostProcess(env);
    children.push(second.child);

    // Assess: the lead arrives, once; the delivery id survived the crash too.
    await waitUntil(
      'the lead in HubSpot after the restart',
      async () => {
        const records = await getJson<HubspotRecords>(`${sandbox.url}/__sandbox/records`);
        return records.contacts.length > 0 ? records : undefined;
      },
      { timeoutMs: 45_000 },
    );
    const records = await getJson<HubspotRecords>(`${sandbox.url}/__sandbox/records`);
    expect(records.contacts.map((c) => c.properties.email)).toEqual(['laura@example.com']);
    expect(records.requests.created).toBe(1);
    const again = await fetch(`${second.url}/webhooks/typeform`, { method: 'POST', headers, body });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ leadId, status: 'duplicate' });
    expect(JSON.parse(readFileSync(runtimeFile, 'utf8'))).toEqual({
      pid: second.child.pid,
      url: second.url,
      database: join(dataDir, 'leadpipe.db'),
    });
  }, 90_000);
});
