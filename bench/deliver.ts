// `npm run bench:deliver [-- --leads N]`: bursts N signed webhooks through the local host, then
// measures how fast the HubSpot queue drains into the HubSpot sandbox under its 190 per 10 s limit.
// It prints figures; it asserts nothing. See bench/README.md for what they mean and past results.
// `--fill queue` skips the HTTP ingest and puts the lead events straight on the queue: for sizes
// where the rate limit binds (N > 19,000) and the ingest alone would take minutes.
import { parseArgs } from 'node:util';
import { HUBSPOT_BATCH_LIMIT } from '../adapters/hubspot/limits.ts';
import { leadReceived } from '../functions/ingest/ingest.ts';
import type { LeadPublisher } from '../functions/ports.ts';
import { startLocalHost } from '../local/host.ts';
import {
  E2E_DESTINATIONS,
  e2eConfig,
  formEmail,
  formPayload,
  resolveE2eSecret,
} from '../test/support/config.ts';
import { sandboxRecords } from '../test/support/sandboxes.ts';
import { waitUntil } from '../test/support/wait.ts';
import { createWebhookSender, mapConcurrently, sendAll } from '../test/support/webhooks.ts';

/** The sandbox's default limit, which is HubSpot's for Pro/Enterprise private apps. */
const CALLS_PER_SECOND = 190 / 10;

const { values } = parseArgs({
  options: {
    leads: { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '64' },
    'timeout-seconds': { type: 'string', default: '900' },
    fill: { type: 'string', default: 'ingest' },
  },
});
const leads = Number(values.leads);
const concurrency = Number(values.concurrency);
const timeoutMs = Number(values['timeout-seconds']) * 1000;
const fill = values.fill;
if (
  !Number.isInteger(leads) ||
  leads < 1 ||
  !Number.isInteger(concurrency) ||
  concurrency < 1 ||
  (fill !== 'ingest' && fill !== 'queue')
) {
  console.error(
    'Usage: node bench/deliver.ts [--leads N] [--concurrency C] [--timeout-seconds S] [--fill ingest|queue]',
  );
  process.exit(2);
}

const config = e2eConfig({ hubspot: E2E_DESTINATIONS.hubspot });
const host = await startLocalHost({
  config,
  port: 0,
  resolveSecret: resolveE2eSecret,
  deliver: false,
  // The burst is the point: the ingest throttle (50/s per source by default) would turn it into a trickle.
  throttle: { limit: { ratePerSecond: 1_000_000, burst: 1_000_000 } },
});
const queue = host.queues.hubspot;
if (!queue) throw new Error('the bench config has a hubspot destination');

try {
  let ingestSeconds = 0;
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
  ingestSeconds = (performance.now() - ingestStart) / 1000;
  const accepted = leads - refused;
  const queued = (await queue.depth()).queue.visible;

  const drainStart = performance.now();
  host.startDelivery();
  // Polling the queue depth is cheap; polling the sandbox's records (10,000 contacts as JSON) every
  // few ms would spend the very CPU the drain needs, and did: it made the drain look 2x slower.
  await waitUntil(
    'the HubSpot queue to drain',
    async () => {
      const { queue: depth } = await queue.depth();
      return depth.visible + depth.inFlight + depth.delayed === 0 ? true : undefined;
    },
    {
      timeoutMs,
      intervalMs: 25,
      describe: async () => JSON.stringify((await queue.depth()).queue),
    },
  );
  const drainSeconds = (performance.now() - drainStart) / 1000;

  const { contacts, requests } = await sandboxRecords.hubspot(host.url);
  const dead = (await queue.depth()).deadLetters;
  const boundCalls = Math.ceil(leads / HUBSPOT_BATCH_LIMIT);
  const boundSeconds = boundCalls / CALLS_PER_SECOND;
  const rows: [string, string][] = [
    ['leads', String(leads)],
    [fill === 'ingest' ? 'accepted (202)' : 'queued directly', String(accepted)],
    ['queued before drain', String(queued)],
    [
      fill === 'ingest' ? 'ingest seconds' : 'queue fill seconds (no ingest)',
      `${ingestSeconds.toFixed(1)} (${(leads / ingestSeconds).toFixed(0)}/s, concurrency ${concurrency})`,
    ],
    [
      'HubSpot upsert calls',
      `${requests.upsertCalls} (bound ${boundCalls}; ${(requests.upsertCalls / boundCalls).toFixed(3)} x)`,
    ],
    ['mean inputs per call', (requests.upsertInputs / Math.max(1, requests.upsertCalls)).toFixed(1)],
    ['429s received', String(requests.rateLimited + requests.faultRateLimited)],
    ['drain seconds', drainSeconds.toFixed(1)],
    ['physical bound seconds', `${boundSeconds.toFixed(1)} (ceil(N/100) calls at 19/s)`],
    ['ratio drain / bound', (drainSeconds / boundSeconds).toFixed(3)],
    ['contacts present', String(contacts.length)],
    ['dead-lettered', String(dead.visible)],
    ['leads lost', String(leads - contacts.length)],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  for (const [label, value] of rows) console.log(`${label.padEnd(width)}  ${value}`);
  const goals = [
    drainSeconds / boundSeconds <= 1.25,
    requests.upsertCalls <= 1.05 * boundCalls,
    contacts.length === accepted && accepted === leads,
  ];
  console.log(
    `goals (ratio <= 1.25, calls <= 1.05 x bound, none lost): ${goals.every(Boolean) ? 'met' : 'MISSED'}`,
  );
} finally {
  await host.end();
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
