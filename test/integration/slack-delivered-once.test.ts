import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../adapters/embedded/database.ts';
import { createEmbeddedDeliveredStore } from '../../adapters/embedded/delivered-store.ts';
import { RollingWindowLimiter } from '../../adapters/rate-limit.ts';
import type { RunningSandbox } from '../../adapters/sandbox/kit.ts';
import { createSlackAdapter } from '../../adapters/slack/adapter.ts';
import { createSlackSandbox, type SlackSandboxRecords } from '../../adapters/slack/sandbox.ts';
import type { Lead } from '../../schemas/generated/lead.ts';
import { buildLeads } from '../unit/adapters/slack/factories.ts';

const CHANNEL = '#hot-leads';
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** One message per lead (digests off), through a limiter that lets everything through. */
function adapterFor(baseUrl: string, delivered?: ReturnType<typeof createEmbeddedDeliveredStore>) {
  return createSlackAdapter({
    token: 'xoxb-test',
    channel: CHANNEL,
    baseUrl,
    digestThreshold: 100,
    limiter: new RollingWindowLimiter({ requests: 100, perSeconds: 1 }),
    ...(delivered ? { delivered: { store: delivered, destination: 'slack' } } : {}),
  });
}

/** How many messages name each lead's email. */
function mentions(records: SlackSandboxRecords, leads: readonly Lead[]): number[] {
  return leads.map(
    (lead) => records.messages.filter((message) => JSON.stringify(message).includes(lead.email ?? '')).length,
  );
}

describe('Slack: a batch delivered again after the process died part-way', () => {
  async function setup() {
    // The sandbox's per-channel burst of 3 on a clock the test moves: the 4th post of the first
    // run is refused, as if the process had died there; the clock then moves on for the second run.
    const clock = { now: 1_800_000_000_000 };
    const running: RunningSandbox = await createSlackSandbox({
      channels: [CHANNEL],
      now: () => clock.now,
      perChannelBurst: 3,
    }).listen(0);
    cleanups.push(() => running.close());
    const records = async () =>
      (await (await fetch(`${running.url}/__sandbox/records`)).json()) as SlackSandboxRecords;
    return { baseUrl: `${running.url}/`, clock, records };
  }

  it('posts each lead once when what was posted is recorded, across a restart of the store', async () => {
    // Prepare
    const { baseUrl, clock, records } = await setup();
    const dataDir = mkdtempSync(join(tmpdir(), 'leadpipe-slack-once-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const leads = buildLeads(6);
    const before = openDatabase({ dataDir });
    await adapterFor(baseUrl, createEmbeddedDeliveredStore(before)).deliver(leads);
    before.close();

    // Act: a new process, the same data dir, the whole batch again.
    clock.now += 60_000;
    const after = openDatabase({ dataDir });
    cleanups.push(() => after.close());
    const outcomes = await adapterFor(baseUrl, createEmbeddedDeliveredStore(after)).deliver(leads);

    // Assess
    expect(mentions(await records(), leads)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(leads.map((lead) => outcomes.get(lead.id)?.status)).toEqual(Array(6).fill('delivered'));
    // The leads posted before the crash keep the ts of their one message.
    expect(
      outcomes.get(leads[0]?.id ?? '')?.status === 'delivered' && outcomes.get(leads[0]?.id ?? ''),
    ).toMatchObject({
      ref: { id: expect.any(String) },
    });
  });

  it('without the record, the leads posted before the crash are posted again (what the record prevents)', async () => {
    // Prepare
    const { baseUrl, clock, records } = await setup();
    const leads = buildLeads(6);
    await adapterFor(baseUrl).deliver(leads);

    // Act
    clock.now += 60_000;
    await adapterFor(baseUrl).deliver(leads);

    // Assess: the second run spends the channel's burst of 3 on the first three leads, again.
    expect(mentions(await records(), leads)).toEqual([2, 2, 2, 0, 0, 0]);
  });
});
