import { describe, expect, it } from 'vitest';
import { validateBlocks } from '../../../../adapters/slack/block-validation.ts';
import {
  type OpsAlert,
  opsAlertLine,
  opsAlertMessage,
  opsDigestMessage,
} from '../../../../adapters/slack/ops-message.ts';
import { blockTexts } from './factories.ts';

const alerts: Record<OpsAlert['kind'], OpsAlert> = {
  'dead-lettered': {
    kind: 'dead-lettered',
    destination: 'hubspot',
    leadId: 'typeform:dlv_9',
    reason: 'INVALID_EMAIL',
    attempts: 5,
  },
  quarantined: {
    kind: 'quarantined',
    source: 'typeform',
    quarantineId: 'q_123',
    reason: 'no email or phone',
  },
  'credentials-refused': {
    kind: 'credentials-refused',
    destination: 'salesforce',
    reason: 'INVALID_SESSION_ID',
  },
  'schema-drift': {
    kind: 'schema-drift',
    source: 'webflow',
    added: ['data.Budget'],
    removed: ['data.Phone', 'data.Email'],
  },
  alarm: {
    kind: 'alarm',
    alarm: 'leadpipe-hubspot-dlq-not-empty',
    state: 'ALARM',
    reason: 'Threshold Crossed: 1 datapoint [2.0] was greater than the threshold (0.0).',
  },
};

describe('opsAlertMessage', () => {
  it.each([
    [
      'dead-lettered',
      ['hubspot', '`typeform:dlv_9`', '5', 'INVALID_EMAIL', '`leadpipe dlq redrive hubspot`'],
    ],
    ['quarantined', ['typeform', '`q_123`', 'no email or phone', '`leadpipe quarantine replay q_123`']],
    ['credentials-refused', ['salesforce', 'INVALID_SESSION_ID', 'stay queued']],
    ['schema-drift', ['webflow', '`data.Budget`', '`data.Phone`, `data.Email`']],
  ] as const)('%s says what happened, where, and what to do next', (kind, expected) => {
    // Act
    const message = opsAlertMessage(alerts[kind]);

    // Assess
    const all = blockTexts(message.blocks).join('\n');
    for (const piece of expected) expect(all).toContain(piece);
    expect(all).toContain('*Next:*');
    expect(validateBlocks(message.blocks)).toBeUndefined();
    expect(message.text.length).toBeGreaterThan(0);
  });

  it('escapes reasons so they cannot ping the channel', () => {
    // Prepare
    const alert: OpsAlert = { ...alerts['dead-lettered'], reason: 'bad <!here>' } as OpsAlert;

    // Act
    const message = opsAlertMessage(alert);

    // Assess
    expect(blockTexts(message.blocks).join('\n')).toContain('bad &lt;!here&gt;');
    expect(message.text).not.toContain('<!here>');
  });

  it('lists at most 15 drifted fields and counts the rest', () => {
    // Prepare
    const added = Array.from({ length: 40 }, (_, i) => `data.f${i}`);

    // Act
    const message = opsAlertMessage({ kind: 'schema-drift', source: 'tally', added, removed: [] });

    // Assess
    const all = blockTexts(message.blocks).join('\n');
    expect(all).toContain('and 25 more');
    expect(all).toContain('*Removed fields*\nnone');
  });
});

describe('ops digests', () => {
  it('gathers the distinct next steps under the lines', () => {
    // Prepare
    const batch = [
      alerts['dead-lettered'],
      alerts['dead-lettered'],
      alerts.quarantined,
      alerts['credentials-refused'],
    ];

    // Act
    const message = opsDigestMessage(batch, batch.map(opsAlertLine), { first: 1, last: 4, total: 4 });

    // Assess
    const texts = blockTexts(message.blocks);
    expect(texts[0]).toBe(':rotating_light: 4 ops alerts');
    expect(texts[1]).toBe('2 dead-lettered · 1 quarantined · 1 credentials-refused');
    const next = texts.at(-1) ?? '';
    expect(next.match(/leadpipe dlq redrive hubspot/g)).toHaveLength(1);
    expect(next).toContain('`salesforce`');
    expect(validateBlocks(message.blocks)).toBeUndefined();
  });
});
