import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { DATABASE_FILE } from '../../adapters/embedded/database.ts';
import { type LocalHost, startLocalHost } from '../../local/host.ts';
import { E2E_DESTINATIONS, e2eConfig, formPayload, resolveE2eSecret } from '../support/config.ts';
import { waitUntil } from '../support/wait.ts';
import { createWebhookSender, sendAll } from '../support/webhooks.ts';

/** Slack batches to watch: each used to raise a new "credentials refused" alert onto its own queue. */
const BATCHES = 4;

describe('the Slack destination that takes ops alerts refuses its token: no alert loop', () => {
  const config = e2eConfig(
    { hubspot: E2E_DESTINATIONS.hubspot, slack: E2E_DESTINATIONS.slack },
    { alertsTo: 'slack' },
  );
  let dataDir: string | undefined;
  let host: LocalHost | undefined;
  const stderr = vi.spyOn(process.stderr, 'write');

  afterAll(async () => {
    stderr.mockRestore();
    await host?.end();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('caps the alerts, never queues an alert about slack on the slack queue, and says so on stderr', async () => {
    // Prepare: Slack and HubSpot both refuse leadpipe's tokens; blocked batches come back every second.
    dataDir = await mkdtemp(join(tmpdir(), 'leadpipe-alert-loop-'));
    host = await startLocalHost({
      config,
      port: 0,
      dataDir,
      resolveSecret: resolveE2eSecret,
      sandboxes: { slack: { tokens: ['xoxb-another-token'] }, hubspot: { accessTokens: ['pat-another'] } },
      deliverTiming: { blockedDelaySeconds: 1 },
    });
    const sender = await createWebhookSender({
      baseUrl: host.url,
      config,
      source: 'form',
      resolveSecret: resolveE2eSecret,
    });

    // Act: hot leads, so both destinations get some.
    await sendAll(
      sender,
      Array.from({ length: 3 }, (_, index) => formPayload(index, { score: 90 })),
    );
    const slackReceives = () => {
      const db = new DatabaseSync(join(dataDir as string, DATABASE_FILE), { readOnly: true });
      try {
        return db.prepare("SELECT body, receive_count FROM messages WHERE queue LIKE 'slack%'").all() as {
          body: string;
          receive_count: number;
        }[];
      } finally {
        db.close();
      }
    };
    await waitUntil(
      `${BATCHES} refused Slack batches`,
      () => (Math.min(...slackReceives().map((row) => row.receive_count)) >= BATCHES ? true : undefined),
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    const published = host.published['ops.alert'];
    await host.end();
    host = undefined;

    // Assess: one alert about slack, one about hubspot, however many batches were refused.
    expect(published).toBe(2);
    const queued = slackReceives().map((row) => JSON.parse(row.body) as Record<string, unknown>);
    const alerts = queued.filter((event) => event['detail-type'] === 'ops.alert');
    const about = (event: Record<string, unknown>) => (event.detail as { destination?: string }).destination;
    expect(alerts.filter((event) => about(event) === 'slack')).toEqual([]);
    expect(alerts.map(about)).toEqual(['hubspot']);
    const loud = stderr.mock.calls
      .map(([text]) => String(text))
      .filter((text) => text.includes('!!! leadpipe OPS ALERT (credentials-refused, slack)'));
    expect(loud).toHaveLength(1);
  }, 60_000);
});
