// `npm run bench:deliver [-- --mode drain|latency --leads N --concurrency C]`. It prints figures;
// it asserts nothing. See bench/README.md for what they mean and past results.
//
// `--mode drain` (default): bursts N signed webhooks through the local host with delivery held
// back, then measures how fast the HubSpot queue drains into the HubSpot sandbox under its 190 per
// 10 s limit. `--fill queue` skips the HTTP ingest and puts the lead events straight on the queue:
// for sizes where the rate limit binds (N > 19,000) and the ingest alone would take minutes.
//
// `--mode latency`: bursts N webhooks (default 1,000, 100 at a time) at `npm start`'s host in its
// own process, delivery running, with HubSpot and Salesforce destinations, and measures per CRM the time from each
// lead's 202 to its arrival in that CRM's sandbox, and the vendor calls the burst cost.
//
// `--concurrency-handlers N` (`--mode handlers`): N deliver Lambda handlers at once (N concurrent
// invocations), sharing the DynamoDB rate limiter through one dynalite table (`--limiter local`:
// each its own in-memory limit, as before), against the HubSpot sandbox enforcing `--limit R/S`
// (default 10 per 2 s); `--leads` invocations of one lead each. Prints the most calls in any
// rolling window and the 429s.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { HUBSPOT_BATCH_LIMIT } from '../adapters/hubspot/limits.ts';
import { SALESFORCE_BATCH_LIMIT } from '../adapters/salesforce/limits.ts';
import { parseConfig } from '../functions/config/load.ts';
import { describeDeadLetter } from '../functions/deliver/dead-letter.ts';
import { leadReceived } from '../functions/ingest/ingest.ts';
import type { DeliveryQueue, LeadPublisher } from '../functions/ports.ts';
import { openEmbeddedStore } from '../local/embedded-store.ts';
import { type LocalHost, startLocalHost } from '../local/host.ts';
import type { LeadpipeConfig } from '../schemas/generated/config.ts';
import {
  E2E_DESTINATIONS,
  E2E_SECRETS,
  e2eConfig,
  formEmail,
  formPayload,
  resolveE2eSecret,
} from '../test/support/config.ts';
import { startLimitRig } from '../test/support/limit-rig.ts';
import { type HubspotRecords, type SalesforceRecords, sandboxRecords } from '../test/support/sandboxes.ts';
import { waitUntil } from '../test/support/wait.ts';
import { createWebhookSender, mapConcurrently, sendAll } from '../test/support/webhooks.ts';
import { startLocalHostProcess, stopChildren } from './processes.ts';

type Mode = 'drain' | 'latency' | 'handlers';

interface BenchOptions {
  mode: Mode;
  leads: number;
  concurrency: number;
  timeoutMs: number;
  fill: 'ingest' | 'queue';
  handlers: { count: number; limiter: 'shared' | 'local'; limit: { requests: number; perSeconds: number } };
}

const DEFAULTS: Readonly<Record<Mode, { leads: number; concurrency: number }>> = {
  drain: { leads: 10_000, concurrency: 64 },
  latency: { leads: 1000, concurrency: 100 },
  handlers: { leads: 60, concurrency: 5 },
};

/** The sandbox's default limit, which is HubSpot's for Pro/Enterprise private apps. */
const CALLS_PER_SECOND = 190 / 10;

/** Queue depth is a cheap SQLite count; the sandboxes' record lists are not (see waitForEmptyQueues). */
const QUEUE_POLL_MS = 25;

/**
 * The goals of the latency issue. Calls: every lead of the burst is a new person with an email, so
 * each HubSpot batch of 100 reads by person id, reads by email, then creates (3 calls), and each
 * Salesforce batch of 200 is looked up in at most two queries (the URI budget, limits.ts), then
 * created (3): the person flow reads before it writes, so that a later submission never overwrites
 * what the CRM knows (adapters/hubspot, adapters/salesforce). The first lead goes alone, so 1,000
 * leads are 11 HubSpot and 6 Salesforce batches.
 */
const LATENCY_GOALS = {
  p95Ms: 500,
  callsPer1000: { hubspot: 3 * 11, salesforce: 3 * 6 },
} as const;

/** Every CRM call a delivery made: reads, creates, updates and (for leads without a person id) upserts. */
const hubspotCalls = (requests: HubspotRecords['requests']) =>
  requests.readCalls + requests.createCalls + requests.updateCalls + requests.upsertCalls;
const salesforceCalls = (requests: SalesforceRecords['requests']) =>
  requests.queries + requests.createCalls + requests.updateCalls + requests.upsertCalls;

const USAGE =
  'Usage: node bench/deliver.ts [--mode drain|latency|handlers] [--leads N] [--concurrency C] [--timeout-seconds S] [--fill ingest|queue] [--concurrency-handlers N] [--limiter shared|local] [--limit R/S]';

const options = parseOptions();
if (options.mode === 'latency') await runLatency(options);
else if (options.mode === 'handlers') await runHandlers(options);
else await runDrain(options);

/** Reads the command line; the defaults of --leads and --concurrency depend on the mode. */
function parseOptions(): BenchOptions {
  const { values } = parseArgs({
    options: {
      mode: { type: 'string', default: 'drain' },
      leads: { type: 'string' },
      concurrency: { type: 'string' },
      'timeout-seconds': { type: 'string', default: '900' },
      fill: { type: 'string', default: 'ingest' },
      'concurrency-handlers': { type: 'string' },
      limiter: { type: 'string', default: 'shared' },
      limit: { type: 'string', default: '10/2' },
    },
  });
  const { fill, limiter } = values;
  const mode = values['concurrency-handlers'] === undefined ? values.mode : 'handlers';
  if (mode !== 'drain' && mode !== 'latency' && mode !== 'handlers') return usage(`unknown --mode ${mode}`);
  if (limiter !== 'shared' && limiter !== 'local') return usage(`unknown --limiter ${limiter}`);
  const [requests, perSeconds] = values.limit.split('/').map(Number);
  if (!Number.isInteger(requests) || !(requests && requests >= 1) || !(perSeconds && perSeconds > 0)) {
    return usage('--limit must be R/S: R calls per S seconds');
  }
  const handlerCount = Number(values['concurrency-handlers'] ?? DEFAULTS.handlers.concurrency);
  if (!Number.isInteger(handlerCount) || handlerCount < 1) {
    return usage('--concurrency-handlers must be a positive integer');
  }
  if (fill !== 'ingest' && fill !== 'queue') return usage(`unknown --fill ${fill}`);
  if (mode === 'latency' && fill === 'queue') {
    return usage('--fill queue skips the 202 that latency mode measures from');
  }
  const leads = Number(values.leads ?? DEFAULTS[mode].leads);
  const concurrency = Number(values.concurrency ?? DEFAULTS[mode].concurrency);
  const timeoutSeconds = Number(values['timeout-seconds']);
  if (!Number.isInteger(leads) || leads < 1) return usage('--leads must be a positive integer');
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    return usage('--concurrency must be a positive integer');
  }
  if (!(timeoutSeconds > 0)) return usage('--timeout-seconds must be a positive number');
  return {
    mode,
    leads,
    concurrency,
    timeoutMs: timeoutSeconds * 1000,
    fill,
    handlers: { count: handlerCount, limiter, limit: { requests, perSeconds } },
  };
}

/**
 * `--concurrency-handlers N`: N deliver handlers at once against HubSpot's rolling limit, sharing
 * the DynamoDB limiter (or not); prints the most calls in any rolling window and the 429s.
 */
async function runHandlers({ leads, handlers }: BenchOptions): Promise<void> {
  const rig = await startLimitRig(handlers.limit);
  try {
    const invocationsPerHandler = Math.ceil(leads / handlers.count);
    const run = await rig.run({
      handlers: handlers.count,
      invocationsPerHandler,
      shared: handlers.limiter === 'shared',
    });
    const { requests: limit, perSeconds } = handlers.limit;
    console.log(
      [
        `deliver handlers: ${handlers.count} at once, ${invocationsPerHandler} invocations of one lead each, limiter ${handlers.limiter}`,
        `HubSpot sandbox limit: ${limit} calls per rolling ${perSeconds} s`,
        `vendor calls: ${run.requests.total} (${run.requests.upsertCalls} answered, ${run.requests.rateLimited} 429s) in ${run.seconds.toFixed(1)} s`,
        `most calls in any rolling ${perSeconds} s window: ${run.maxPerWindow} (limit ${limit})`,
        `failed messages (left for SQS): ${run.failures.length}`,
      ].join('\n'),
    );
  } finally {
    await rig.end();
  }
}

function usage(problem: string): never {
  console.error(`${problem}\n${USAGE}`);
  process.exit(2);
}

/** The in-process local host with one `form` source and the ingest throttle lifted. */
function startBenchHost(config: LeadpipeConfig, deliver: boolean): Promise<LocalHost> {
  return startLocalHost({
    config,
    port: 0,
    resolveSecret: resolveE2eSecret,
    deliver,
    // The burst is the point: the ingest throttle (50/s per source by default) would turn it into a trickle.
    throttle: { limit: { ratePerSecond: 1_000_000, burst: 1_000_000 } },
  });
}

function queueOf(host: LocalHost, destination: string): DeliveryQueue {
  const queue = host.queues[destination];
  if (!queue) throw new Error(`the bench config has no ${destination} destination`);
  return queue;
}

/**
 * Waits until every named queue holds nothing visible, in flight or delayed. Polling the queue
 * depth is cheap; polling a sandbox's records (10,000 contacts as JSON) every few ms would spend
 * the very CPU the pipeline needs, and did: it made the drain look 2x slower.
 */
async function waitForEmptyQueues(
  queues: Readonly<Record<string, DeliveryQueue>>,
  what: string,
  timeoutMs: number,
): Promise<void> {
  const depths = () =>
    Promise.all(
      Object.entries(queues).map(async ([name, queue]) => [name, (await queue.depth()).queue] as const),
    );
  await waitUntil(
    what,
    async () => {
      const all = await depths();
      return all.every(([, depth]) => depth.visible + depth.inFlight + depth.delayed === 0)
        ? true
        : undefined;
    },
    {
      timeoutMs,
      intervalMs: QUEUE_POLL_MS,
      describe: async () => JSON.stringify(Object.fromEntries(await depths())),
    },
  );
}

/** Prints rows as aligned columns, two spaces apart. */
function printTable(rows: readonly (readonly string[])[]): void {
  const columns = Math.max(...rows.map((row) => row.length));
  const widths = Array.from({ length: columns - 1 }, (_, column) =>
    Math.max(...rows.map((row) => (row[column] ?? '').length)),
  );
  for (const row of rows) {
    console.log(row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  '));
  }
}

// ── drain mode ──────────────────────────────────────────────────────────────────────────────────

/** Fills the HubSpot queue with delivery held back, then times its drain against the rate limit. */
async function runDrain({ leads, concurrency, timeoutMs, fill }: BenchOptions): Promise<void> {
  const config = e2eConfig({ hubspot: E2E_DESTINATIONS.hubspot });
  const host = await startBenchHost(config, false);
  try {
    const queue = queueOf(host, 'hubspot');
    let refused = 0;
    const ingestStart = performance.now();
    if (fill === 'ingest') {
      const sender = await createWebhookSender({
        baseUrl: host.url,
        config,
        source: 'form',
        resolveSecret: resolveE2eSecret,
      });
      const payloads = Array.from({ length: leads }, (_, index) => formPayload(index));
      const answers = await sendAll(sender, payloads, concurrency);
      const notAccepted = answers.filter((answer) => answer.status !== 202);
      refused = notAccepted.length;
      if (refused > 0) {
        console.error(
          `${refused} webhooks were not accepted; first: ${notAccepted[0]?.status} ${notAccepted[0]?.body}`,
        );
      }
    } else {
      await fillQueue(host.publish, leads);
    }
    const ingestSeconds = (performance.now() - ingestStart) / 1000;
    const accepted = leads - refused;
    const queued = (await queue.depth()).queue.visible;

    const drainStart = performance.now();
    host.startDelivery();
    await waitForEmptyQueues({ hubspot: queue }, 'the HubSpot queue to drain', timeoutMs);
    const drainSeconds = (performance.now() - drainStart) / 1000;

    const { contacts, requests } = await sandboxRecords.hubspot(host.url);
    const dead = (await queue.depth()).deadLetters;
    // New persons with an email: read by person id, read by email, create, per batch of 100.
    const boundCalls = 3 * Math.ceil(leads / HUBSPOT_BATCH_LIMIT);
    const calls = hubspotCalls(requests);
    const boundSeconds = boundCalls / CALLS_PER_SECOND;
    printTable([
      ['leads', String(leads)],
      [fill === 'ingest' ? 'accepted (202)' : 'queued directly', String(accepted)],
      ['queued before drain', String(queued)],
      [
        fill === 'ingest' ? 'ingest seconds' : 'queue fill seconds (no ingest)',
        `${ingestSeconds.toFixed(1)} (${(leads / ingestSeconds).toFixed(0)}/s, concurrency ${concurrency})`,
      ],
      [
        'HubSpot calls (read, read, create)',
        `${calls} = ${requests.readCalls} reads + ${requests.createCalls} creates + ${requests.updateCalls} updates + ${requests.upsertCalls} upserts (bound ${boundCalls}; ${(calls / boundCalls).toFixed(3)} x)`,
      ],
      ['mean leads per create', (leads / Math.max(1, requests.createCalls)).toFixed(1)],
      ['429s received', String(requests.rateLimited + requests.faultRateLimited)],
      ['drain seconds', drainSeconds.toFixed(1)],
      ['physical bound seconds', `${boundSeconds.toFixed(1)} (3 x ceil(N/100) calls at 19/s)`],
      ['ratio drain / bound', (drainSeconds / boundSeconds).toFixed(3)],
      ['contacts present', String(contacts.length)],
      ['dead-lettered', String(dead.visible)],
      ['leads lost', String(leads - contacts.length)],
    ]);
    const goals = [
      drainSeconds / boundSeconds <= 1.25,
      calls <= 1.05 * boundCalls,
      contacts.length === accepted && accepted === leads,
    ];
    console.log(
      `goals (ratio <= 1.25, calls <= 1.05 x bound, none lost): ${goals.every(Boolean) ? 'met' : 'MISSED'}`,
    );
  } finally {
    await host.end();
  }
}

/** lead.received events published straight to the bus, 500 per call: what ingest would publish. */
async function fillQueue(publish: LeadPublisher, count: number): Promise<void> {
  const at = new Date();
  for (let first = 0; first < count; first += 500) {
    const events = Array.from({ length: Math.min(500, count - first) }, (_, k) => {
      const index = first + k;
      return leadReceived(
        {
          id: `lead_${index.toString(16).padStart(32, '0')}`,
          source: 'form',
          email: formEmail(index),
          receivedAt: at.toISOString(),
          schemaVersion: 1,
          correlationId: `bench-${index}`,
        },
        at,
      );
    });
    await publish(events);
  }
}

// ── latency mode ────────────────────────────────────────────────────────────────────────────────

/** What one CRM's sandbox says about the burst, read once after both queues are empty. */
interface CrmFigures {
  name: 'HubSpot' | 'Salesforce';
  /** When the sandbox first stored each lead (epoch ms, its own stamp), by lower-cased email. */
  arrivals: ReadonlyMap<string, number>;
  /** Every CRM call: reads before writes included. */
  calls: number;
  /** Undefined: the sandbox has no short-term limit, so it never answers 429. */
  rateLimited: number | undefined;
  deadLettered: number;
  /** The reason of one dead letter, when there are any: what to look at first. */
  firstDeadLetterReason?: string;
  batchLimit: number;
  callsPer1000Goal: number;
}

/** HubSpot's snapshot carries `createdAt` too; test/support's type leaves it out. */
interface HubspotSnapshot extends HubspotRecords {
  contacts: (HubspotRecords['contacts'][number] & { createdAt: string })[];
}

/**
 * Bursts the leads at the running host, waits for both queues to empty, then reads each sandbox
 * once. Latency = the sandbox's own creation stamp − the ack time, both from this process's
 * Date.now(), so nothing polls a sandbox while the pipeline works.
 */
async function runLatency({ leads, concurrency, timeoutMs }: BenchOptions): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'leadpipe-bench-latency-'));
  const dataDir = join(dir, 'data');
  const configPath = join(dir, 'leadpipe.config.json');
  // The burst is the point: the ingest throttle (50/s per source by default) would turn it into a trickle.
  const unthrottled = { ratePerSecond: 1_000_000, burst: 1_000_000 };
  const raw = {
    settings: { phoneRegion: 'US', rateLimitPerSource: unthrottled },
    sources: {
      form: {
        verify: { scheme: 'standard-webhooks', secrets: ['env:E2E_SOURCE_SECRET'] },
        mapping: { preset: 'generic' },
      },
    },
    destinations: { hubspot: E2E_DESTINATIONS.hubspot, salesforce: E2E_DESTINATIONS.salesforce },
  };
  writeFileSync(configPath, JSON.stringify(raw));
  const config = parseConfig(JSON.stringify(raw), configPath);
  try {
    // The host runs in its own process, as in production: the senders' CPU is not the host's.
    const host = await startLocalHostProcess({ dataDir, configPath, env: { ...E2E_SECRETS } });
    // Queue depths are read from the host's database from here (WAL allows a second reader).
    const store = openEmbeddedStore(config, { dataDir, mustExist: true });
    try {
      const queues = {
        hubspot: store.queues.deliveryQueue('hubspot'),
        salesforce: store.queues.deliveryQueue('salesforce'),
      };
      const burstStart = performance.now();
      const acks = await sendTimedBurst(host.url, config, leads, concurrency);
      const burstSeconds = (performance.now() - burstStart) / 1000;
      await waitForEmptyQueues(queues, 'the HubSpot and Salesforce queues to empty', timeoutMs);
      const totalSeconds = (performance.now() - burstStart) / 1000;
      const crms = [
        await hubspotFigures(host.url, queues.hubspot),
        await salesforceFigures(host.url, queues.salesforce),
      ];
      printLatencyReport({ leads, concurrency, acks, burstSeconds, totalSeconds, crms });
    } finally {
      store.close();
    }
  } finally {
    await stopChildren();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Posts formPayload(0..count-1) and returns the ack time (epoch ms) of each 202, by email. The
 * time is taken when the answer (a small JSON body) has been read, so it is never early.
 */
async function sendTimedBurst(
  baseUrl: string,
  config: LeadpipeConfig,
  count: number,
  concurrency: number,
): Promise<Map<string, number>> {
  const sender = await createWebhookSender({
    baseUrl,
    config,
    source: 'form',
    resolveSecret: resolveE2eSecret,
  });
  const acks = new Map<string, number>();
  const indices = Array.from({ length: count }, (_, index) => index);
  const answers = await mapConcurrently(indices, concurrency, async (index) => {
    const answer = await sender.send(formPayload(index));
    if (answer.status === 202) acks.set(formEmail(index), Date.now());
    return answer;
  });
  const notAccepted = answers.filter((answer) => answer.status !== 202);
  if (notAccepted.length > 0) {
    console.error(
      `${notAccepted.length} webhooks were not accepted; first: ${notAccepted[0]?.status} ${notAccepted[0]?.body}`,
    );
  }
  return acks;
}

/** HubSpot: contacts by email with `createdAt`, stamped by the sandbox when it first wrote them. */
async function hubspotFigures(baseUrl: string, queue: DeliveryQueue): Promise<CrmFigures> {
  const { contacts, requests } = (await sandboxRecords.hubspot(baseUrl)) as HubspotSnapshot;
  const arrivals = new Map<string, number>();
  for (const contact of contacts) {
    const email = contact.properties.email;
    if (email) arrivals.set(email.toLowerCase(), parseStamp(contact.createdAt));
  }
  return {
    name: 'HubSpot',
    arrivals,
    calls: hubspotCalls(requests),
    rateLimited: requests.rateLimited + requests.faultRateLimited,
    deadLettered: (await queue.depth()).deadLetters.visible,
    ...(await firstDeadLetterReason(queue)),
    batchLimit: HUBSPOT_BATCH_LIMIT,
    callsPer1000Goal: LATENCY_GOALS.callsPer1000.hubspot,
  };
}

/** Salesforce: Lead records by Email with `CreatedDate`, stamped by the sandbox on insert. */
async function salesforceFigures(baseUrl: string, queue: DeliveryQueue): Promise<CrmFigures> {
  const { records, requests } = await sandboxRecords.salesforce(baseUrl);
  const arrivals = new Map<string, number>();
  for (const lead of records.Lead ?? []) {
    if (typeof lead.Email === 'string' && typeof lead.CreatedDate === 'string') {
      arrivals.set(lead.Email.toLowerCase(), parseStamp(lead.CreatedDate));
    }
  }
  return {
    name: 'Salesforce',
    arrivals,
    calls: salesforceCalls(requests),
    // Salesforce throttles with 403 REQUEST_LIMIT_EXCEEDED, and only past the daily allowance,
    // which the host's sandbox leaves unlimited.
    rateLimited: undefined,
    deadLettered: (await queue.depth()).deadLetters.visible,
    ...(await firstDeadLetterReason(queue)),
    batchLimit: SALESFORCE_BATCH_LIMIT,
    callsPer1000Goal: LATENCY_GOALS.callsPer1000.salesforce,
  };
}

async function firstDeadLetterReason(queue: DeliveryQueue): Promise<{ firstDeadLetterReason?: string }> {
  const [letter] = (await queue.peekDeadLetters(1)).map(describeDeadLetter);
  return letter?.reason ? { firstDeadLetterReason: letter.reason } : {};
}

/** Epoch ms of a sandbox stamp: ISO 8601, or Salesforce's `2026-11-21T10:00:00.000+0000`. */
function parseStamp(stamp: string): number {
  const ms = Date.parse(stamp.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  if (Number.isNaN(ms)) throw new Error(`Unreadable sandbox timestamp ${stamp}`);
  return ms;
}

/** ack→CRM latencies (ms) of the leads that reached the CRM, sorted ascending. */
function latenciesMs(acks: ReadonlyMap<string, number>, arrivals: ReadonlyMap<string, number>): number[] {
  const latencies: number[] = [];
  for (const [email, ackedAt] of acks) {
    const arrivedAt = arrivals.get(email);
    if (arrivedAt !== undefined) latencies.push(arrivedAt - ackedAt);
  }
  return latencies.sort((a, b) => a - b);
}

/** Nearest-rank percentile of ascending values; NaN for none. */
function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

function printLatencyReport(run: {
  leads: number;
  concurrency: number;
  acks: ReadonlyMap<string, number>;
  burstSeconds: number;
  totalSeconds: number;
  crms: readonly CrmFigures[];
}): void {
  const { leads, acks, crms } = run;
  const emails = Array.from({ length: leads }, (_, index) => formEmail(index));
  const figures = crms.map((crm) => {
    const latencies = latenciesMs(acks, crm.arrivals);
    const present = emails.filter((email) => crm.arrivals.has(email)).length;
    const callsPer1000 = (crm.calls / Math.max(1, acks.size)) * 1000;
    return { crm, latencies, present, callsPer1000, p95: percentile(latencies, 95) };
  });
  const lost = emails.filter((email) => crms.some((crm) => !crm.arrivals.has(email))).length;
  const ms = (value: number) => (Number.isNaN(value) ? '—' : `${value} ms`);

  printTable([
    ['leads', String(leads)],
    ['accepted (202)', String(acks.size)],
    [
      'burst seconds',
      `${run.burstSeconds.toFixed(1)} (${(leads / run.burstSeconds).toFixed(0)}/s, concurrency ${run.concurrency})`,
    ],
    ['burst start to both queues empty', `${run.totalSeconds.toFixed(1)} s`],
    ['arrival times', "the sandboxes' own creation stamps, read once at the end (no polling)"],
  ]);
  console.log();
  printTable([
    ['', ...crms.map((crm) => crm.name)],
    ['ack→CRM min', ...figures.map(({ latencies }) => ms(percentile(latencies, 0)))],
    ['ack→CRM p50', ...figures.map(({ latencies }) => ms(percentile(latencies, 50)))],
    ['ack→CRM p95', ...figures.map(({ p95 }) => ms(p95))],
    ['ack→CRM max', ...figures.map(({ latencies }) => ms(percentile(latencies, 100)))],
    ['CRM calls (reads and writes)', ...figures.map(({ crm }) => String(crm.calls))],
    ['calls per 1,000 leads', ...figures.map(({ callsPer1000 }) => callsPer1000.toFixed(1))],
    [
      '429s received',
      ...crms.map((crm) => (crm.rateLimited === undefined ? 'n/a' : String(crm.rateLimited))),
    ],
    ['leads present', ...figures.map(({ present }) => String(present))],
    ['dead-lettered', ...crms.map((crm) => String(crm.deadLettered))],
    ['leads lost', ...figures.map(({ present }) => String(leads - present))],
  ]);
  console.log(`leads lost (missing from either CRM): ${lost}`);
  for (const crm of crms) {
    if (crm.firstDeadLetterReason) console.log(`${crm.name} dead letter, e.g.: ${crm.firstDeadLetterReason}`);
  }
  if (crms.some((crm) => crm.rateLimited === undefined)) {
    console.log(
      'n/a: the Salesforce sandbox has no short-term limit (Salesforce throttles with 403, not 429)',
    );
  }
  console.log();

  const goals: [string, string, boolean][] = figures.flatMap(({ crm, p95, callsPer1000 }) => [
    [`${crm.name} ack→CRM p95 <= ${LATENCY_GOALS.p95Ms} ms`, ms(p95), p95 <= LATENCY_GOALS.p95Ms],
    [
      `${crm.name} calls per 1,000 leads <= ${crm.callsPer1000Goal}`,
      callsPer1000.toFixed(1),
      callsPer1000 <= crm.callsPer1000Goal,
    ],
  ]);
  printTable([
    ['goal', 'measured', 'verdict'],
    ...goals.map(([goal, measured, met]) => [goal, measured, met ? 'met' : 'MISSED']),
  ]);
  console.log(`goals: ${goals.every(([, , met]) => met) ? 'met' : 'MISSED'}`);
}
