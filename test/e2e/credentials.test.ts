import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { SecretResolver } from '../../functions/ports.ts';
import { type LocalHost, startLocalHost } from '../../local/host.ts';
import {
  E2E_DESTINATIONS,
  E2E_SECRETS,
  e2eConfig,
  formEmail,
  formPayload,
  resolveE2eSecret,
} from '../support/config.ts';
import { sandboxRecords } from '../support/sandboxes.ts';
import { waitUntil } from '../support/wait.ts';
import { createWebhookSender, sendAll } from '../support/webhooks.ts';

const LEADS = 4;
const GOOD_TOKEN = E2E_SECRETS.E2E_HUBSPOT_TOKEN as string;

/** The e2e secrets, except the HubSpot token, which is whatever the operator has configured. */
const secretsWithHubspotToken =
  (token: string): SecretResolver =>
  async (ref) =>
    ref === 'env:E2E_HUBSPOT_TOKEN' ? token : resolveE2eSecret(ref);

describe('credentials refused, then fixed: leads wait in the queue, ops hear of it, nothing is lost', () => {
  const config = e2eConfig(
    { hubspot: E2E_DESTINATIONS.hubspot, slack: E2E_DESTINATIONS.slack },
    { alertsTo: 'slack' },
  );
  let dataDir: string | undefined;
  let host: LocalHost | undefined;

  /** A host on the data dir (queues persist across restarts); HubSpot accepts only GOOD_TOKEN. */
  const start = async (hubspotToken: string) => {
    dataDir ??= await mkdtemp(join(tmpdir(), 'leadpipe-credentials-'));
    host = await startLocalHost({
      config,
      port: 0,
      dataDir,
      resolveSecret: secretsWithHubspotToken(hubspotToken),
      sandboxes: { hubspot: { accessTokens: [GOOD_TOKEN] } },
      deliverTiming: { blockedDelaySeconds: 1 },
    });
    return host;
  };

  afterAll(async () => {
    await host?.end();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps leads queued while HubSpot refuses the token, alerts ops, and delivers them all once the token is fixed', async () => {
    // Prepare: a revoked token is configured.
    const first = await start('pat-revoked-token');
    const sender = await createWebhookSender({
      baseUrl: first.url,
      config,
      source: 'form',
      resolveSecret: resolveE2eSecret,
    });
    await sendAll(
      sender,
      Array.from({ length: LEADS }, (_, index) => formPayload(index)),
    );

    // Act 1: deliveries are refused.
    const alert = await waitUntil('a credentials alert in #leadpipe-ops', async () => {
      const { messages } = await sandboxRecords.slack(first.url);
      return messages.find(
        (message) =>
          message.channelName?.replace(/^#/, '') === 'leadpipe-ops' &&
          /refused leadpipe's credentials/.test(message.text ?? ''),
      );
    });

    // Assess 1: refused, alerted, nothing delivered and nothing dead-lettered; the leads are still queued.
    const refused = await sandboxRecords.hubspot(first.url);
    expect(refused.requests.unauthorized).toBeGreaterThan(0);
    expect(refused.contacts).toEqual([]);
    expect(alert.text).toContain('hubspot');
    expect(alert.text).not.toContain('pat-revoked-token');
    const queue = first.queues.hubspot;
    if (!queue) throw new Error('the host has a hubspot queue');
    const waiting = await queue.depth();
    expect(waiting.queue.visible + waiting.queue.inFlight + waiting.queue.delayed).toBe(LEADS);
    expect(waiting.deadLetters.visible).toBe(0);

    // Act 2: the operator fixes the secret and restarts.
    await first.end();
    const second = await start(GOOD_TOKEN);

    // Assess 2: every lead delivered once, none dead-lettered.
    const { contacts } = await waitUntil('the queued leads in HubSpot', async () => {
      const records = await sandboxRecords.hubspot(second.url);
      return records.contacts.length === LEADS ? records : undefined;
    });
    expect(contacts.map((contact) => contact.properties.email).sort()).toEqual(
      Array.from({ length: LEADS }, (_, index) => formEmail(index)).sort(),
    );
    const after = second.queues.hubspot;
    if (!after) throw new Error('the host has a hubspot queue');
    expect((await after.depth()).deadLetters.visible).toBe(0);
  }, 90_000);
});
