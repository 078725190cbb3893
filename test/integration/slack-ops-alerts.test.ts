import { afterEach, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../../adapters/sandbox/kit.ts';
import { createOpsAlerter, OPS_DIGEST_MAX_ALERTS, type OpsAlert } from '../../adapters/slack/ops-alerts.ts';
import {
  createSlackSandbox,
  type SlackSandboxOptions,
  type SlackSandboxRecords,
} from '../../adapters/slack/sandbox.ts';
import { blockTexts } from '../unit/adapters/slack/factories.ts';

const CHANNEL = '#leadpipe-ops';
let running: RunningSandbox | undefined;

afterEach(async () => {
  await running?.close();
  running = undefined;
});

async function startSandbox(options: SlackSandboxOptions = {}) {
  running = await createSlackSandbox({ channels: [CHANNEL], ...options }).listen(0);
  const url = running.url;
  return {
    baseUrl: `${url}/`,
    records: async () => (await (await fetch(`${url}/__sandbox/records`)).json()) as SlackSandboxRecords,
  };
}

const deadLettered = (i: number): OpsAlert => ({
  kind: 'dead-lettered',
  destination: i % 2 ? 'hubspot' : 'salesforce',
  leadId: `typeform:dlv_${i}`,
  reason: 'INVALID_EMAIL',
  attempts: 5,
});

describe('ops alerter against the sandbox', () => {
  it('posts one alert an on-call person can act on', async () => {
    // Prepare
    const { baseUrl, records } = await startSandbox();
    const alerter = createOpsAlerter({ token: 'xoxb-ops', channel: CHANNEL, baseUrl });

    // Act
    const outcomes = await alerter.alert([
      { kind: 'quarantined', source: 'typeform', quarantineId: 'q_42', reason: 'no email or phone' },
    ]);

    // Assess
    const { messages } = await records();
    expect(messages).toHaveLength(1);
    expect(outcomes).toEqual(new Map([[0, { status: 'delivered', ref: { id: messages[0]?.ts } }]]));
    const texts = blockTexts(messages[0]?.blocks).join('\n');
    expect(texts).toContain('Payload quarantined: typeform');
    expect(texts).toContain('`leadpipe quarantine replay q_42`');
  });

  it('folds a burst of 45 alerts into digests, every alert accounted for once, with no 429', async () => {
    // Prepare
    const { baseUrl, records } = await startSandbox();
    const alerter = createOpsAlerter({ token: 'xoxb-ops', channel: CHANNEL, baseUrl });
    const alerts = Array.from({ length: 45 }, (_, i) => deadLettered(i));

    // Act
    const outcomes = await alerter.alert(alerts);

    // Assess
    const { messages, requests } = await records();
    expect(messages).toHaveLength(Math.ceil(45 / OPS_DIGEST_MAX_ALERTS));
    const allText = messages.flatMap((message) => blockTexts(message.blocks)).join('\n');
    for (let i = 0; i < alerts.length; i++) expect(allText.split(`\`typeform:dlv_${i}\``)).toHaveLength(2);
    expect(allText).toContain('`leadpipe dlq redrive hubspot`');
    expect(allText).toContain('`leadpipe dlq redrive salesforce`');
    expect([...outcomes.keys()]).toEqual(alerts.map((_, i) => i));
    expect([...outcomes.values()].every((outcome) => outcome.status === 'delivered')).toBe(true);
    expect(requests.rateLimited).toBe(0);
  });

  it('reports a refused token per alert without throwing', async () => {
    // Prepare
    const { baseUrl } = await startSandbox({ tokenErrors: { 'xoxb-ops': 'token_revoked' } });
    const alerter = createOpsAlerter({ token: 'xoxb-ops', channel: CHANNEL, baseUrl });

    // Act
    const outcomes = await alerter.alert([deadLettered(1), deadLettered(2)]);

    // Assess
    const blocked = { status: 'blocked', reason: 'token_revoked' };
    expect(outcomes).toEqual(
      new Map([
        [0, blocked],
        [1, blocked],
      ]),
    );
  });

  it('answers a 429 with a retry after Retry-After', async () => {
    // Prepare
    const { baseUrl } = await startSandbox({ faults: { rateLimitRate: 1, retryAfterSeconds: 3 } });
    const alerter = createOpsAlerter({ token: 'xoxb-ops', channel: CHANNEL, baseUrl });

    // Act
    const outcomes = await alerter.alert([deadLettered(1)]);

    // Assess
    expect(outcomes.get(0)).toEqual({ status: 'retry', reason: 'ratelimited', retryAfterMs: 3000 });
  });
});
