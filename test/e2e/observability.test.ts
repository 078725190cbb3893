// What the local host tells an operator over HTTP: /live, /ready (alias /health) and /metrics in
// the Prometheus text format, against the real host with HubSpot on its sandbox.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalHost, startLocalHost } from '../../local/host.ts';
import { E2E_DESTINATIONS, e2eConfig, formPayload, resolveE2eSecret } from '../support/config.ts';
import { waitUntil } from '../support/wait.ts';
import { createWebhookSender } from '../support/webhooks.ts';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/**
 * The samples of a Prometheus text exposition (format 0.0.4). Every line must be a comment, blank,
 * or `name{label="value",...} number`: a line that is none of them fails the parse.
 */
function parsePrometheusText(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || /^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+$/.test(line)) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?[0-9.e+-]+|NaN|[+-]Inf)$/.exec(line);
    if (!match) throw new Error(`Not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[key ?? ''] = value ?? '';
    samples.push({ name: match[1] ?? '', labels, value: Number(match[3]) });
  }
  return samples;
}

/** The value of the one sample with this name and (at least) these labels. */
function sampleValue(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = samples.filter(
    (sample) =>
      sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  );
  if (found.length !== 1) throw new Error(`${found.length} samples of ${name} ${JSON.stringify(labels)}`);
  return found[0]?.value ?? Number.NaN;
}

async function scrape(host: LocalHost): Promise<Sample[]> {
  const answer = await fetch(`${host.url}/metrics`);
  expect(answer.status).toBe(200);
  expect(answer.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(await answer.text());
}

describe('a started host', () => {
  let host: LocalHost;
  const config = e2eConfig({ hubspot: E2E_DESTINATIONS.hubspot });

  beforeAll(async () => {
    host = await startLocalHost({ config, port: 0, resolveSecret: resolveE2eSecret });
  });
  afterAll(async () => {
    await host?.end();
  });

  it('is live', async () => {
    // Act
    const answer = await fetch(`${host.url}/live`);

    // Assess
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ status: 'live' });
  });

  it.each(['/ready', '/health'])('is ready on %s, every component ok', async (path) => {
    // Act
    const answer = await fetch(`${host.url}${path}`);

    // Assess
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({
      status: 'ready',
      components: { database: 'ok', ingest: 'ok', 'delivery:hubspot': 'ok' },
    });
  });

  it.each([
    { method: 'POST', path: '/live' },
    { method: 'PUT', path: '/ready' },
    { method: 'DELETE', path: '/metrics' },
  ])('refuses $method $path with 405 in the JSON error shape', async ({ method, path }) => {
    // Act
    const answer = await fetch(`${host.url}${path}`, { method, body: '{}' });

    // Assess
    expect(answer.status).toBe(405);
    expect(answer.headers.get('allow')).toBe('GET');
    expect(await answer.json()).toEqual({
      error: { code: 'method_not_allowed', message: expect.stringContaining(`not ${method}`) },
    });
  });

  it('counts two signed webhooks from ack to HubSpot in /metrics', async () => {
    // Prepare
    const before = await scrape(host);
    const sender = await createWebhookSender({
      baseUrl: host.url,
      config,
      source: 'form',
      resolveSecret: resolveE2eSecret,
    });

    // Act
    const answers = [await sender.send(formPayload(1)), await sender.send(formPayload(2))];
    // The consumer deletes a delivered batch after the engine reports it: wait for both.
    const after = await waitUntil('both leads delivered to hubspot and off its queue', async () => {
      const samples = await scrape(host);
      const delivered = sampleValue(samples, 'leadpipe_deliveries_total', {
        destination: 'hubspot',
        outcome: 'delivered',
      });
      const queued = samples
        .filter((sample) => sample.name === 'leadpipe_queue_depth')
        .reduce((sum, sample) => sum + sample.value, 0);
      return delivered >= 2 && queued === 0 ? samples : undefined;
    });

    // Assess
    expect(answers.map((answer) => answer.status)).toEqual([202, 202]);
    expect(sampleValue(before, 'leadpipe_webhooks_total', { source: 'form', status: 'accepted' })).toBe(0);
    expect(sampleValue(after, 'leadpipe_webhooks_total', { source: 'form', status: 'accepted' })).toBe(2);
    expect(sampleValue(after, 'leadpipe_webhooks_total', { source: 'form', status: 'refused' })).toBe(0);
    expect(sampleValue(after, 'leadpipe_ack_seconds_count', { source: 'form' })).toBe(2);
    expect(sampleValue(after, 'leadpipe_ack_to_crm_seconds_count', { destination: 'hubspot' })).toBe(2);
    for (const state of ['visible', 'in_flight', 'delayed'])
      expect(sampleValue(after, 'leadpipe_queue_depth', { destination: 'hubspot', state })).toBe(0);
    expect(sampleValue(after, 'leadpipe_dead_letters', { destination: 'hubspot' })).toBe(0);
    expect(sampleValue(after, 'leadpipe_quarantined')).toBe(0);
  });

  it('labels a source the config does not have "unknown", so a path cannot mint series', async () => {
    // Act
    const answer = await fetch(`${host.url}/webhooks/made-up-${Date.now()}`, { method: 'POST', body: '{}' });
    const samples = await scrape(host);

    // Assess
    expect(answer.status).toBe(404);
    expect(sampleValue(samples, 'leadpipe_webhooks_total', { source: 'unknown', status: 'refused' })).toBe(1);
    expect(samples.some((sample) => sample.labels.source?.startsWith('made-up'))).toBe(false);
  });
});

describe('a host started with deliver: false', () => {
  let host: LocalHost;

  beforeAll(async () => {
    host = await startLocalHost({
      config: e2eConfig({ hubspot: E2E_DESTINATIONS.hubspot }),
      port: 0,
      resolveSecret: resolveE2eSecret,
      deliver: false,
    });
  });
  afterAll(async () => {
    await host?.end();
  });

  it('is live but not ready, naming the consumer that is not started, until delivery starts', async () => {
    // Act
    const live = await fetch(`${host.url}/live`);
    const notReady = await fetch(`${host.url}/ready`);
    host.startDelivery();
    const ready = await fetch(`${host.url}/ready`);

    // Assess
    expect(live.status).toBe(200);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toEqual({
      status: 'not_ready',
      components: { database: 'ok', ingest: 'ok', 'delivery:hubspot': 'not started' },
    });
    expect(ready.status).toBe(200);
  });
});
