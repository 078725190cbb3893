import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackoffPolicy } from '../../functions/deliver/backoff.ts';
import type { StoredDeadLetter } from '../../functions/ports.ts';
import { type LocalHost, startLocalHost } from '../../local/host.ts';
import type { LeadpipeConfig } from '../../schemas/generated/config.ts';
import { E2E_DESTINATIONS, e2eConfig, formEmail, formPayload, resolveE2eSecret } from '../support/config.ts';
import { sandboxRecords, setSandboxFaults } from '../support/sandboxes.ts';
import { waitUntil } from '../support/wait.ts';
import { createWebhookSender, sendAll } from '../support/webhooks.ts';

/**
 * A HubSpot outage: every call answers 5xx for a few seconds while leads arrive. The queue holds
 * them and the deliver handler retries with backoff; once HubSpot is back, every lead arrives
 * exactly once, within one backoff delay, with no restart and nothing dead-lettered.
 */
const LEADS = 20;
const OUTAGE_MS = 4_000;
/** Short enough for a test; a retry waits a whole number of seconds in [0, min(cap, base·2^(n-1))]. */
const BACKOFF: BackoffPolicy = { baseSeconds: 1, capSeconds: 3 };
const BATCH_WINDOW_SECONDS = 0.2;
/**
 * After the outage ends, a lead waits out at most the rest of its last backoff delay (the cap),
 * then a batch window, the consumer's next receive (a long poll of up to 1 s) and the upsert
 * itself; 3 s covers the last three on a busy 2-core machine.
 */
const RECOVERY_BOUND_MS = (BACKOFF.capSeconds + BATCH_WINDOW_SECONDS) * 1000 + 3_000;

/**
 * What is left on a destination's queue and its dead-letter queue. Kept apart because it reads
 * them through the host's `queues`, an API the refactor of local/ has been changing.
 */
async function queueState(
  host: LocalHost,
  destination: string,
): Promise<{ queued: number; deadLetters: StoredDeadLetter[] }> {
  const queue = host.queues[destination];
  if (!queue) throw new Error(`The host has no queue for ${destination}`);
  const depth = (await queue.depth()).queue;
  return {
    queued: depth.visible + depth.inFlight + depth.delayed,
    deadLetters: await queue.peekDeadLetters(100),
  };
}

describe('a HubSpot outage while leads arrive', () => {
  let host: LocalHost;
  let config: LeadpipeConfig;

  beforeAll(async () => {
    config = e2eConfig({
      // Enough attempts that the outage cannot use them up, even with several zero-second delays.
      hubspot: {
        ...E2E_DESTINATIONS.hubspot,
        delivery: { maxAttempts: 50, batchWindowSeconds: BATCH_WINDOW_SECONDS },
      },
    });
    host = await startLocalHost({
      config,
      port: 0,
      resolveSecret: resolveE2eSecret,
      deliverTiming: { backoff: BACKOFF },
    });
  });
  afterAll(async () => {
    await host?.end();
  });

  it('delivers every lead exactly once within one backoff delay of HubSpot coming back', async () => {
    // Prepare: HubSpot answers every call with its 5xx.
    await setSandboxFaults(host.url, 'hubspot', { serverErrorRate: 1 });
    const sender = await createWebhookSender({
      baseUrl: host.url,
      config,
      source: 'form',
      resolveSecret: resolveE2eSecret,
    });
    const outageStarted = Date.now();

    // Act: leads arrive during the outage; it lasts a few seconds more; then HubSpot is back.
    const answers = await sendAll(
      sender,
      Array.from({ length: LEADS }, (_, index) => formPayload(index)),
      5,
    );
    await waitUntil('HubSpot to refuse a retry, not just the first attempt', async () => {
      const { requests } = await sandboxRecords.hubspot(host.url);
      return requests.serverErrors >= 2 ? true : undefined;
    });
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, outageStarted + OUTAGE_MS - Date.now())));
    const during = await sandboxRecords.hubspot(host.url);
    await setSandboxFaults(host.url, 'hubspot', {});
    const recoveryStarted = Date.now();
    const after = await waitUntil(
      `all ${LEADS} leads in HubSpot`,
      async () => {
        const records = await sandboxRecords.hubspot(host.url);
        return records.contacts.length >= LEADS ? records : undefined;
      },
      {
        timeoutMs: RECOVERY_BOUND_MS,
        describe: async () => `${(await sandboxRecords.hubspot(host.url)).contacts.length} contacts`,
      },
    );
    const recoveryMs = Date.now() - recoveryStarted;

    // Assess: accepted while HubSpot was down, and nothing got through the outage.
    expect(answers.map((answer) => answer.status)).toEqual(Array(LEADS).fill(202));
    expect(during.contacts).toEqual([]);
    expect(during.requests.serverErrors).toBeGreaterThanOrEqual(2);
    // Back within the bound, and every lead once: each email created once, none upserted a second time.
    expect(recoveryMs).toBeLessThanOrEqual(RECOVERY_BOUND_MS);
    const expected = Array.from({ length: LEADS }, (_, index) => formEmail(index)).sort();
    expect(after.contacts.map((contact) => contact.properties.email).sort()).toEqual(expected);
    const settled = await waitUntil('the HubSpot queue to drain', async () => {
      const state = await queueState(host, 'hubspot');
      return state.queued === 0 ? state : undefined;
    });
    const final = await sandboxRecords.hubspot(host.url);
    expect(final.requests.created).toBe(LEADS);
    expect(final.requests.updated).toBe(0);
    expect(settled.deadLetters).toEqual([]);
  }, 40_000);
});
