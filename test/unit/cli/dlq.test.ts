import { describe, expect, it } from 'vitest';
import { runDlq } from '../../../cli/commands/dlq.ts';
import type { OpenQueue } from '../../../cli/queues.ts';
import type { Terminal } from '../../../cli/terminal.ts';
import type { DeliveryQueue, StoredDeadLetter } from '../../../functions/ports.ts';

const EMAIL = 'ada@example.com';
const LEAD_ID = `lead_${'1'.padStart(32, '0')}`;

/** A lead.received event body as the bus puts it on a queue, with personal data in it. */
const leadBody = (id: string) =>
  JSON.stringify({ 'detail-type': 'lead.received', detail: { lead: { id, source: 'form', email: EMAIL } } });

/** Only what `dlq list` reads: the depth and a peek at the dead letters. */
function queueHolding(letters: StoredDeadLetter[]): OpenQueue {
  const depth = { visible: letters.length, inFlight: 0, delayed: 0 };
  const queue = {
    destination: 'hubspot',
    depth: async () => ({ queue: depth, deadLetters: depth }),
    peekDeadLetters: async (max: number) => letters.slice(0, max),
  } as Partial<DeliveryQueue> as DeliveryQueue;
  return { queue, where: 'the local data dir (/tmp/x)', close: () => {} };
}

function captureTerminal(): Terminal & { lines: string[]; notes: string[] } {
  const lines: string[] = [];
  const notes: string[] = [];
  return { lines, notes, out: (line) => lines.push(line), progress: { write: (text) => notes.push(text) } };
}

const REFUSED: StoredDeadLetter = {
  messageId: 'm-1',
  body: leadBody(LEAD_ID),
  why: {
    reason: 'HubSpot said\n INVALID_EMAIL',
    destination: 'hubspot',
    attempts: 3,
    leadId: LEAD_ID,
    failedAt: '2026-01-01T00:00:05.000Z',
  },
  sentAt: Date.parse('2026-01-01T00:00:06Z'),
  receiveCount: 1,
};
const CRASHED: StoredDeadLetter = {
  messageId: 'm-2',
  body: leadBody('lead_crashed'),
  sentAt: 0,
  receiveCount: 5,
};

describe('dlq list', () => {
  it("prints the text listing's fields as one JSON document, without the lead's personal data", async () => {
    // Prepare
    const refs = queueHolding([REFUSED, CRASHED]);
    const terminal = captureTerminal();

    // Act
    const code = await runDlq('list', refs, { json: true }, terminal);

    // Assess
    expect(code).toBe(0);
    expect(terminal.lines).toHaveLength(1);
    const output = terminal.lines[0] ?? '';
    expect(output).not.toContain(EMAIL);
    expect(JSON.parse(output)).toEqual({
      destination: 'hubspot',
      where: 'the local data dir (/tmp/x)',
      visible: 2,
      inFlight: 0,
      messages: [
        {
          messageId: 'm-1',
          kind: 'lead',
          leadId: LEAD_ID,
          source: 'form',
          attempts: 3,
          failedAt: '2026-01-01T00:00:05.000Z',
          reason: 'HubSpot said INVALID_EMAIL',
          hasLeadpipeAttributes: true,
        },
        {
          messageId: 'm-2',
          kind: 'lead',
          leadId: 'lead_crashed',
          source: 'form',
          attempts: null,
          failedAt: null,
          reason: null,
          hasLeadpipeAttributes: false,
        },
      ],
    });
  });
});

describe('dlq list as a table', () => {
  it('prints a header and one aligned row per dead letter, saying which ones the queue moved itself', async () => {
    // Prepare
    const terminal = captureTerminal();

    // Act
    const code = await runDlq('list', queueHolding([REFUSED, CRASHED]), {}, terminal);

    // Assess
    expect(code).toBe(0);
    expect(terminal.lines).toEqual([
      '2 message(s) in the hubspot dead-letter queue on the local data dir (/tmp/x)',
      'LEAD ID                                SOURCE  ATTEMPTS  FAILED AT                 REASON',
      `${LEAD_ID}  form           3  2026-01-01T00:00:05.000Z  HubSpot said INVALID_EMAIL`,
      "lead_crashed                           form           -  -                         none recorded: the queue's redrive policy moved it (the handler crashed or timed out on it)",
    ]);
    expect(terminal.lines.join('\n')).not.toContain(EMAIL);
  });
});

describe('dlq show', () => {
  it('prints one dead letter as JSON, the lead only with --with-lead', async () => {
    // Prepare
    const plain = captureTerminal();
    const withLead = captureTerminal();

    // Act
    await runDlq('show', queueHolding([REFUSED]), { json: true }, plain);
    await runDlq('show', queueHolding([REFUSED]), { json: true, 'with-lead': true }, withLead);

    // Assess
    expect(plain.lines).toHaveLength(1);
    expect(JSON.parse(plain.lines[0] ?? '')).toMatchObject({
      messageId: 'm-1',
      leadId: LEAD_ID,
      destination: 'hubspot',
      reason: 'HubSpot said INVALID_EMAIL',
      leadFields: ['email', 'id', 'source'],
    });
    expect(plain.lines[0]).not.toContain(EMAIL);
    expect(JSON.parse(withLead.lines[0] ?? '').lead).toEqual({ id: LEAD_ID, source: 'form', email: EMAIL });
  });

  it('says on stderr that the lead is not there, prints nothing on stdout, and answers 1', async () => {
    // Prepare
    const terminal = captureTerminal();

    // Act
    const code = await runDlq(
      'show',
      queueHolding([REFUSED]),
      { lead: 'lead_missing', json: true },
      terminal,
    );

    // Assess
    expect(code).toBe(1);
    expect(terminal.lines).toEqual([]);
    expect(terminal.notes).toEqual(['No message for lead lead_missing in the hubspot dead-letter queue.\n']);
  });
});
