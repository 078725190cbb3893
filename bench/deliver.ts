// `npm run bench:deliver [-- --leads N]`: bursts N signed webhooks through the local host, then
// measures how fast the HubSpot queue drains into the HubSpot sandbox under its 190 per 10 s limit.
// It prints figures; it asserts nothing. See bench/README.md for what they mean and past results.
import { parseArgs } from 'node:util';
import { createAwsClients } from '../adapters/aws/clients.ts';
import { HUBSPOT_BATCH_LIMIT } from '../adapters/hubspot/adapter.ts';
import { queueDepth } from '../cli/aws-queues.ts';
import { startLocalHost } from '../local/host.ts';
import { E2E_DESTINATIONS, e2eConfig, formPayload, resolveE2eSecret } from '../test/e2e/helpers/config.ts';
import { sandboxRecords } from '../test/e2e/helpers/sandboxes.ts';
import { waitUntil } from '../test/e2e/helpers/wait.ts';
import { createWebhookSender, sendAll } from '../test/e2e/helpers/webhooks.ts';

/** The sandbox's default limit, which is HubSpot's for Pro/Enterprise private apps. */
const CALLS_PER_SECOND = 190 / 10;

const { values } = parseArgs({
  options: {
    leads: { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '64' },
    'timeout-seconds': { type: 'string', default: '900' },
  },
});
const leads = Number(values.leads);
const concurrency = Number(values.concurrency);
const timeoutMs = Number(values['timeout-seconds']) * 1000;
if (!Number.isInteger(leads) || leads < 1 || !Number.isInteger(concurrency) || concurrency < 1) {
  console.error('Usage: node bench/deliver.ts [--leads N] [--concurrency C] [--timeout-seconds S]');
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
const sqs = createAwsClients({ sqs: host.endpoints.sqs }).sqs;
const queue = host.queues.hubspot;
if (!queue) throw new Error('the bench config has a hubspot destination');

try {
  const sender = await createWebhookSender({
    baseUrl: host.url,
    config,
    source: 'form',
    resolveSecret: resolveE2eSecret,
  });
  const payloads = Array.from({ length: leads }, (_, index) => formPayload(index));

  const ingestStart = performance.now();
  const answers = await sendAll(sender, payloads, concurrency);
  const ingestSeconds = (performance.now() - ingestStart) / 1000;
  const refused = answers.filter((answer) => answer.status !== 202);
  if (refused.length > 0) {
    console.error(
      `${refused.length} webhooks were not accepted; first: ${refused[0]?.status} ${refused[0]?.body}`,
    );
  }
  const accepted = leads - refused.length;
  const queued = (await queueDepth(sqs, queue.queueUrl)).visible;

  const drainStart = performance.now();
  host.startDelivery();
  // Polling the queue depth is cheap; polling the sandbox's records (10,000 contacts as JSON) every
  // few ms would spend the very CPU the drain needs, and did: it made the drain look 2x slower.
  await waitUntil(
    'the HubSpot queue to drain',
    async () => {
      const depth = await queueDepth(sqs, queue.queueUrl);
      return depth.visible + depth.inFlight + depth.delayed === 0 ? true : undefined;
    },
    {
      timeoutMs,
      intervalMs: 25,
      describe: async () => JSON.stringify(await queueDepth(sqs, queue.queueUrl)),
    },
  );
  const drainSeconds = (performance.now() - drainStart) / 1000;

  const { contacts, requests } = await sandboxRecords.hubspot(host.url);
  const dead = await queueDepth(sqs, queue.deadLetterQueueUrl);
  const boundCalls = Math.ceil(leads / HUBSPOT_BATCH_LIMIT);
  const boundSeconds = boundCalls / CALLS_PER_SECOND;
  const rows: [string, string][] = [
    ['leads', String(leads)],
    ['accepted (202)', String(accepted)],
    ['queued before drain', String(queued)],
    [
      'ingest seconds',
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
    contacts.length === leads,
  ];
  console.log(
    `goals (ratio <= 1.25, calls <= 1.05 x bound, none lost): ${goals.every(Boolean) ? 'met' : 'MISSED'}`,
  );
} finally {
  sqs.destroy();
  await host.end();
}
