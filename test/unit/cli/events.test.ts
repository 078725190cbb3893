import { describe, expect, it } from 'vitest';
import { feedLine, viewOf } from '../../../cli/events.ts';
import type { Paint } from '../../../cli/terminal.ts';
import type { LedgerEvent } from '../../../schemas/generated/ledger-event.ts';

const LEAD = 'lead_0123456789abcdef0123456789abcdef';
const AT = '2026-01-31T09:00:00.000Z';
const markTones: Paint = (tone, text) => `<${tone}>${text}</>`;

describe('viewOf', () => {
  it.each([
    [
      {
        kind: 'received',
        source: 'typeform',
        deliveryId: 'd-1',
        correlationId: 'c-1',
        contentType: 'application/json',
        bytes: 12,
      },
      undefined,
      'typeform',
      'info',
    ],
    [
      { kind: 'mapped', fields: ['email', 'phone'], replay: true },
      undefined,
      '2 field(s), on replay',
      'info',
    ],
    [
      { kind: 'quarantined', code: 'no_contact', message: 'no email or phone' },
      undefined,
      'no_contact',
      'warn',
    ],
    [
      { kind: 'routed', matched: [], unmatched: [{ destination: 'slack', why: 'filter score' }] },
      undefined,
      'to no destination',
      'warn',
    ],
    [{ kind: 'routed', matched: ['hubspot'], unmatched: [] }, undefined, 'to hubspot', 'info'],
    [
      { kind: 'attempt', destination: 'hubspot', attempt: 1, outcome: 'delivered', recordId: '42' },
      'hubspot',
      'delivered (attempt 1)',
      'ok',
    ],
    [
      { kind: 'attempt', destination: 'hubspot', attempt: 2, outcome: 'retry', reason: '503' },
      'hubspot',
      'retry (attempt 2)',
      'warn',
    ],
    [
      { kind: 'attempt', destination: 'hubspot', attempt: 3, outcome: 'rejected', reason: 'INVALID_EMAIL' },
      'hubspot',
      'rejected (attempt 3)',
      'bad',
    ],
    [
      { kind: 'attempt', destination: 'hubspot', attempt: 1, outcome: 'blocked', reason: '401' },
      'hubspot',
      'blocked (attempt 1)',
      'bad',
    ],
    [
      { kind: 'dead-lettered', destination: 'hubspot', reason: 'INVALID_EMAIL', attempts: 3 },
      'hubspot',
      'dead-lettered after 3 attempt(s)',
      'bad',
    ],
    [{ kind: 'redriven', destination: 'hubspot', by: 'cli' }, 'hubspot', 'redriven by cli', 'info'],
    [{ kind: 'replayed', by: 'cli', outcome: 'published' }, undefined, 'published (replay by cli)', 'ok'],
    [
      { kind: 'replayed', by: 'console', outcome: 'still-quarantined', reason: 'no_contact' },
      undefined,
      'still-quarantined (replay by console)',
      'warn',
    ],
  ])('shows %o as %s / %s, coloured %s', (fields, destination, outcome, tone) => {
    // Act
    const view = viewOf({ leadId: LEAD, at: AT, ...fields } as LedgerEvent);

    // Assess
    expect(view).toMatchObject({ kind: fields.kind, destination, outcome, tone });
  });

  it("keeps a failed attempt's reason, and a delivered one's record", () => {
    // Act
    const retry = viewOf({
      leadId: LEAD,
      at: AT,
      kind: 'attempt',
      destination: 'hubspot',
      attempt: 2,
      outcome: 'retry',
      reason: 'HubSpot answered 503',
      retryAfterSeconds: 30,
    });
    const delivered = viewOf({
      leadId: LEAD,
      at: AT,
      kind: 'attempt',
      destination: 'salesforce',
      attempt: 1,
      outcome: 'delivered',
      recordId: '00Q1',
      recordUrl: 'https://example.my.salesforce.com/00Q1',
    });

    // Assess
    expect(retry.detail).toBe('HubSpot answered 503, next attempt in 30 s');
    expect(delivered.detail).toBe('record 00Q1, https://example.my.salesforce.com/00Q1');
  });

  it("names a mapped lead's person, and the person it was merged from", () => {
    // Act
    const mapped = viewOf({
      leadId: LEAD,
      at: AT,
      kind: 'mapped',
      fields: ['email', 'phone'],
      personId: 'person_0123456789abcdef0123456789abcdef',
      mergedFrom: 'person_fedcba9876543210fedcba9876543210',
    });

    // Assess
    expect(mapped.detail).toBe(
      'email, phone; person person_0123456789abcdef0123456789abcdef; merged from person_fedcba9876543210fedcba9876543210',
    );
  });
});

describe('feedLine', () => {
  it('prints time, lead id, step, destination and outcome in fixed columns, plain when piped', () => {
    // Act
    const line = feedLine({
      leadId: LEAD,
      at: AT,
      kind: 'attempt',
      destination: 'hubspot',
      attempt: 1,
      outcome: 'delivered',
      recordId: '42',
    });

    // Assess
    expect(line).toBe(`${AT}  ${LEAD}  attempt        hubspot      delivered (attempt 1)  record 42`);
  });

  it('colours the step and the outcome by how it went', () => {
    // Act
    const line = feedLine(
      {
        leadId: LEAD,
        at: AT,
        kind: 'dead-lettered',
        destination: 'hubspot',
        reason: 'INVALID_EMAIL',
        attempts: 3,
      },
      markTones,
    );

    // Assess
    expect(line).toBe(
      `<muted>${AT}</>  ${LEAD}  <bad>dead-lettered</>  hubspot      <bad>dead-lettered after 3 attempt(s)</>  INVALID_EMAIL`,
    );
  });

  it('keeps a vendor reason from moving the cursor or breaking the line', () => {
    // Act
    const line = feedLine({
      leadId: LEAD,
      at: AT,
      kind: 'attempt',
      destination: 'hubspot',
      attempt: 1,
      outcome: 'rejected',
      reason: 'bad\r\n\u001b[2Jcleared',
    });

    // Assess
    expect(line.endsWith('bad [2Jcleared')).toBe(true);
  });
});
