import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalHost, startLocalHost } from '../../local/host.ts';
import { writeRuntimeInfo } from '../../local/runtime-file.ts';
import { runLeadpipe } from '../support/cli.ts';
import {
  E2E_DESTINATIONS,
  E2E_SECRETS,
  e2eConfig,
  formPayload,
  resolveE2eSecret,
} from '../support/config.ts';

/** A port nothing listens on: one the system handed out, then closed again. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('leadpipe send finds the running host through its runtime file', () => {
  let host: LocalHost;
  let dataDir: string;
  let configDir: string;
  let configPath: string;
  let payloadFile: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'leadpipe-cli-send-'));
    configDir = await mkdtemp(join(tmpdir(), 'leadpipe-cli-send-config-'));
    const config = e2eConfig({ hubspot: E2E_DESTINATIONS.hubspot });
    configPath = join(configDir, 'leadpipe.config.json');
    payloadFile = join(configDir, 'lead.json');
    await writeFile(configPath, JSON.stringify(config));
    await writeFile(payloadFile, JSON.stringify(formPayload(1)));
    // A free port, as `PORT=4210 npm start` would pick one the CLI cannot guess.
    host = await startLocalHost({ config, port: 0, dataDir, resolveSecret: resolveE2eSecret });
    // What local/main.ts writes; this test process's pid, so the host counts as running.
    await writeRuntimeInfo(dataDir, { pid: process.pid, url: host.url, database: host.database });
  }, 60_000);

  afterAll(async () => {
    await host?.end();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
    if (configDir) await rm(configDir, { recursive: true, force: true });
  });

  const leadpipe = (dir: string, env: Record<string, string>, ...args: string[]) =>
    runLeadpipe(args, {
      cwd: configDir,
      env: {
        LEADPIPE_DATA_DIR: dir,
        LEADPIPE_CONFIG: configPath,
        E2E_SOURCE_SECRET: E2E_SECRETS.E2E_SOURCE_SECRET ?? '',
        ...env,
      },
    });

  it("posts to the URL in the running host's runtime.json, not to PORT", async () => {
    // Prepare: PORT names a port nothing listens on, so only the runtime file can lead to the host.
    const port = String(await closedPort());

    // Act
    const { code, stdout, stderr } = await leadpipe(dataDir, { PORT: port }, 'send', 'form', payloadFile);

    // Assess
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain(`POST ${host.url}/webhooks/form -> 202`);
    expect(stdout).toMatch(/"leadId":/);
  });

  it('lets --url win over the runtime file', async () => {
    // Prepare
    const url = `http://127.0.0.1:${await closedPort()}`;

    // Act
    const { code, stderr } = await leadpipe(dataDir, {}, 'send', 'form', payloadFile, '--url', url);

    // Assess
    expect(code).toBe(2);
    expect(stderr.trim()).toBe(
      `Nothing is listening at ${url} (from --url). Start the pipeline first (npm start), or give its URL with --url or LEADPIPE_URL.`,
    );
  });

  it('falls back to PORT when no host is running, and says so', async () => {
    // Prepare: a data dir whose runtime file names a process that is gone.
    const emptyDir = await mkdtemp(join(tmpdir(), 'leadpipe-cli-send-none-'));
    await writeRuntimeInfo(emptyDir, { pid: 2 ** 22 + 1, url: host.url, database: host.database });
    const port = await closedPort();

    // Act
    const { code, stdout, stderr } = await leadpipe(
      emptyDir,
      { PORT: String(port) },
      'send',
      'form',
      payloadFile,
    );

    // Assess
    const runtimeFile = join(emptyDir, 'runtime.json');
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(
      `(sending to http://127.0.0.1:${port}: from PORT=${port}, as no running host was found in ${runtimeFile})`,
    );
    expect(stderr).toContain(`Nothing is listening at http://127.0.0.1:${port}`);
    expect(stderr).not.toMatch(/^\s+at /m);
    await rm(emptyDir, { recursive: true, force: true });
  });
});
