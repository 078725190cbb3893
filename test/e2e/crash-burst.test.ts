import type { ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHubspotSandbox } from '../../adapters/hubspot/sandbox.ts';
import { type RunningSandbox, seededRandom } from '../../adapters/sandbox/kit.ts';
import { localDeliveryQueue } from '../../cli/queues.ts';
import type { StoredDeadLetter } from '../../functions/ports.ts';
import type { LeadpipeConfig } from '../../schemas/generated/config.ts';
import {
  E2E_DESTINATIONS,
  E2E_SECRETS,
  e2eConfig,
  formEmail,
  formPayload,
  resolveE2eSecret,
} from '../support/config.ts';
import { startHostProcess, stopped } from '../support/host-process.ts';
import type { HubspotRecords } from '../support/sandboxes.ts';
import { getJson, waitUntil } from '../support/wait.ts';
import { createWebhookSender, mapConcurrently, type WebhookAnswer } from '../support/webhooks.ts';

/**
 * A burst of signed webhooks into `npm start`'s host, SIGKILLed twice at a random moment of the
 * burst and restarted on the same data dir. A sender retries (same delivery id, same body) what
 * was not acknowledged; in the end every lead is in HubSpot once, and every delivery that was
 * acknowledged stays acknowledged. Set CRASH_BURST_SEED to replay a run.
 */
const LEADS = 300;
const CONCURRENCY = 20;
const SEED = Number(process.env.CRASH_BURST_SEED ?? randomInt(2 ** 31));
const random = seededRandom(SEED);
/**
 * The n-th send (1-based) that kills the host, both mid-burst. They are 70+ sends apart, so the
 * second cannot fall while the first restart holds the (at most CONCURRENCY) waiting sends.
 */
const KILL_AT = [40 + Math.floor(random() * 60), 170 + Math.floor(random() * 60)];
/**
 * How long a sender keeps retrying one delivery. A killed process leaves in-progress records
 * (409 for up to 30 s, the ingest invocation's timeout), and a restart takes a few seconds.
 */
const RETRY_FOR_MS = 60_000;
/**
 * Messages the killed host had received may stay invisible for the queue's visibility timeout
 * (about 30 s) before the next host delivers them, unless it releases them when it starts.
 */
const DRAIN_WITHIN_MS = 50_000;

const ok = (answer: WebhookAnswer) => answer.status >= 200 && answer.status < 300;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** An answer's body as JSON, or as the text it is when it is not JSON (no answer at all, a proxy page). */
const bodyOf = (answer: WebhookAnswer | undefined): unknown => {
  try {
    return JSON.parse(answer?.body ?? '');
  } catch {
    return answer?.body;
  }
};

/** A running `local/main.ts` and a sender signed for its `form` source. */
interface HostProcess {
  child: ChildProcess;
  url: string;
  send(index: number): Promise<WebhookAnswer>;
}

/**
 * What is left on the destination's queue and dead-letter queue, read from the data dir the way
 * `leadpipe dlq` reads them. Kept apart: the refactor of local/ has been changing this API.
 */
async function queueState(
  config: LeadpipeConfig,
  dataDir: string,
  destination: string,
): Promise<{ queued: number; deadLetters: StoredDeadLetter[] }> {
  const { queue, close } = localDeliveryQueue(config, destination, dataDir);
  try {
    const depth = (await queue.depth()).queue;
    return {
      queued: depth.visible + depth.inFlight + depth.delayed,
      deadLetters: await queue.peekDeadLetters(100),
    };
  } finally {
    close();
  }
}

describe(`a burst of webhooks, the host SIGKILLed twice (seed ${SEED})`, () => {
  const hubspot = createHubspotSandbox();
  const children: ChildProcess[] = [];
  const payloads = Array.from({ length: LEADS }, (_, index) => formPayload(index));
  const deliveryIds = payloads.map((_, index) => `msg_crash_burst_${SEED}_${index}`);
  /** The burst's answer to each delivery (status 0: no answer, the host was gone). */
  let first: WebhookAnswer[] = [];
  /** The sender's retries of every delivery the burst left without a 2xx, by index. */
  const retried = new Map<number, WebhookAnswer>();
  /** The resend of every delivery the burst did get a 2xx for, by index. */
  const resent = new Map<number, WebhookAnswer>();
  let sandbox: RunningSandbox;
  let dataDir: string;
  let settled: { queued: number; deadLetters: StoredDeadLetter[] };
  let config: LeadpipeConfig;
  let kills = 0;

  beforeAll(async () => {
    // Prepare: a HubSpot sandbox in this process, and a config pointing the host at it.
    console.log(`crash-burst seed ${SEED} (CRASH_BURST_SEED=${SEED} replays it); kills at sends ${KILL_AT}`);
    sandbox = await hubspot.listen(0);
    dataDir = mkdtempSync(join(tmpdir(), 'leadpipe-crash-burst-'));
    const base = e2eConfig({
      hubspot: {
        ...E2E_DESTINATIONS.hubspot,
        baseUrl: sandbox.url,
        delivery: { maxAttempts: 20, batchWindowSeconds: 0.2 },
      },
    });
    const source = base.sources.form;
    if (!source) throw new Error('the e2e config has no form source');
    // The burst is meant to test crashes, not the ingest rate limit (default 50/s, bursts of 100).
    config = {
      ...base,
      sources: { form: { ...source, rateLimit: { ratePerSecond: 10_000, burst: 10_000 } } },
    };
    const configPath = join(dataDir, 'leadpipe.config.json');
    writeFileSync(configPath, JSON.stringify(config));
    const env = {
      PORT: '0',
      LEADPIPE_DATA_DIR: dataDir,
      LEADPIPE_CONFIG: configPath,
      LEADPIPE_LOG_LEVEL: 'ERROR',
      E2E_SOURCE_SECRET: E2E_SECRETS.E2E_SOURCE_SECRET ?? '',
      E2E_HUBSPOT_TOKEN: E2E_SECRETS.E2E_HUBSPOT_TOKEN ?? '',
    };
    const launch = async (): Promise<HostProcess> => {
      const { child, url } = await startHostProcess(env);
      children.push(child);
      const sender = await createWebhookSender({
        baseUrl: url,
        config,
        source: 'form',
        resolveSecret: resolveE2eSecret,
      });
      return {
        child,
        url,
        send: (index) =>
          sender
            .send(payloads[index], { deliveryId: deliveryIds[index] })
            .catch((error: Error) => ({ status: 0, body: String(error.cause ?? error) })),
      };
    };
    let host = await launch();
    let restarting: Promise<HostProcess> | undefined;
    /** Kills the host now; sends that start from here on wait for the next one. */
    const crash = () => {
      kills++;
      host.child.kill('SIGKILL');
      restarting = stopped(host.child)
        .then(launch)
        .then((next) => {
          host = next;
          restarting = undefined;
          return next;
        });
    };
    const current = async () => restarting ?? host;

    // Act 1: the burst; sends in flight when a kill lands get no answer.
    let started = 0;
    first = await mapConcurrently(payloads, CONCURRENCY, async (_, index) => {
      if (KILL_AT.includes(++started)) crash();
      return (await current()).send(index);
    });
    const last = await current();

    // Act 2: the sender retries what got no 2xx, waiting out 409, 429, 503 and no answer at all.
    const unanswered = first.flatMap((answer, index) => (ok(answer) ? [] : [index]));
    await mapConcurrently(unanswered, CONCURRENCY, async (index) => {
      const deadline = Date.now() + RETRY_FOR_MS;
      for (;;) {
        const answer = await last.send(index);
        const later = [0, 409, 429, 503].includes(answer.status);
        if (ok(answer) || !later || Date.now() >= deadline) {
          retried.set(index, answer);
          return;
        }
        await sleep(1_000);
      }
    });
    // Act 3: at-least-once senders resend acknowledged deliveries too (an answer lost on the way back).
    const acknowledged = first.flatMap((answer, index) => (ok(answer) ? [index] : []));
    await mapConcurrently(acknowledged, CONCURRENCY, async (index) => {
      resent.set(index, await last.send(index));
    });

    // Settled: nothing left on the queue, nor in flight with a killed host.
    settled = await waitUntil(
      'the HubSpot queue to drain',
      async () => {
        const state = await queueState(config, dataDir, 'hubspot');
        return state.queued === 0 ? state : undefined;
      },
      {
        timeoutMs: DRAIN_WITHIN_MS,
        intervalMs: 250,
        describe: async () => `${(await queueState(config, dataDir, 'hubspot')).queued} messages queued`,
      },
    );
  }, 150_000);

  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await Promise.all(children.map(stopped));
    await sandbox?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const contactEmails = async () =>
    (await getJson<HubspotRecords>(`${sandbox.url}/__sandbox/records`)).contacts.map(
      (contact) => contact.properties.email,
    );

  it('killed the host twice mid-burst, with deliveries both acknowledged and not', () => {
    // Act
    const statuses = first.map((answer) => answer.status);

    // Assess: otherwise the kills tested nothing.
    expect(kills).toBe(2);
    expect(statuses.filter((status) => status >= 200 && status < 300).length).toBeGreaterThan(0);
    expect(statuses.filter((status) => status < 200 || status >= 300).length).toBeGreaterThan(0);
  });

  it('has one HubSpot contact for every delivery the burst acknowledged', async () => {
    // Prepare
    const acknowledged = first.flatMap((answer, index) => (ok(answer) ? [formEmail(index)] : []));

    // Act
    const emails = await contactEmails();

    // Assess
    const missingOrTwice = acknowledged.filter((email) => emails.filter((e) => e === email).length !== 1);
    expect(missingOrTwice).toEqual([]);
  });

  it('answers the resend of an acknowledged delivery 200 duplicate, with the same lead id', () => {
    // Act
    const answers = [...resent.entries()].map(([index, answer]) => ({
      index,
      status: answer.status,
      body: bodyOf(answer),
    }));

    // Assess
    expect(answers.length).toBeGreaterThan(0);
    const expected = answers.map(({ index }) => ({
      index,
      status: 200,
      body: { leadId: (bodyOf(first[index]) as { leadId?: string }).leadId, status: 'duplicate' },
    }));
    expect(answers).toEqual(expected);
  });

  it("acknowledges every retry of a delivery the burst did not, within the sender's patience", () => {
    // Act
    const refused = [...retried.entries()].filter(([, answer]) => !ok(answer));

    // Assess
    expect(retried.size).toBe(first.filter((answer) => !ok(answer)).length);
    expect(refused).toEqual([]);
  });

  it('ends with every lead of the burst in HubSpot exactly once, no email twice, nothing dead-lettered', async () => {
    // Act
    const emails = await contactEmails();

    // Assess
    expect(new Set(emails).size).toBe(emails.length);
    expect(emails.sort()).toEqual(Array.from({ length: LEADS }, (_, index) => formEmail(index)).sort());
    expect(settled.deadLetters).toEqual([]);
  });
});
