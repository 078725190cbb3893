import { describe, expect, it } from 'vitest';
import type { QuarantinedPayload } from '../../../../functions/ports.ts';
import { formatSummaries, summarise } from '../../../../functions/quarantine/summary.ts';

const entry: QuarantinedPayload = {
  leadId: 'lead_0123',
  source: 'form',
  deliveryId: 'msg_1',
  receivedAt: '2026-03-02T10:00:00.000Z',
  reason: { code: 'no_contact', message: 'The payload has neither an email address nor a phone number' },
  contentType: 'application/json',
  body: Buffer.from(JSON.stringify({ first_name: 'Grace', email_typo: 'grace@compilers.example' })).toString(
    'base64',
  ),
};

describe('quarantine summaries', () => {
  it('keep everything but the body', () => {
    // Act
    const summary = summarise(entry);
    // Assess
    expect(summary).toEqual({
      leadId: 'lead_0123',
      source: 'form',
      deliveryId: 'msg_1',
      receivedAt: '2026-03-02T10:00:00.000Z',
      reason: entry.reason,
      contentType: 'application/json',
      bytes: Buffer.from(entry.body, 'base64').length,
    });
    expect(JSON.stringify(summary)).not.toMatch(/Grace|grace@/);
  });

  it('list one aligned line per entry under a header', () => {
    // Act
    const text = formatSummaries([
      summarise(entry),
      summarise({ ...entry, leadId: 'lead_9', source: 'typeform' }),
    ]);
    // Assess
    const lines = text.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^LEAD ID\s+SOURCE\s+RECEIVED\s+REASON\s+SIZE$/);
    expect(lines[2]).toMatch(/^lead_9\s+typeform\s+2026-03-02T10:00:00.000Z\s+no_contact\s+\d+ B$/);
    expect(lines[1]?.indexOf('form')).toBe(lines[2]?.indexOf('typeform'));
  });

  it('say so when the quarantine is empty', () => {
    // Act / Assess
    expect(formatSummaries([])).toBe('The quarantine is empty.');
  });
});
