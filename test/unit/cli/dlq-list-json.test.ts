import { describe, expect, it } from 'vitest';
import { runDlq, type Terminal } from '../../../cli/commands/dlq.ts';
import type { OpenQueue } from '../../../cli/queues.ts';
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

function captureTerminal(): Terminal & { lines: string[] } {
  const lines: string[] = [];
  return { lines, out: (line) => lines.push(line), progress: { write: () => {} } };
}

describe('dlq list --json', () => {
  it("prints the text listing's fields as one JSON document, without the lead's personal data", async () => {
    // Prepare
    const refs = queueHolding([
      {
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
      },
      { messageId: 'm-2', body: leadBody('lead_crashed'), sentAt: 0, receiveCount: 5 },
    ]);
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
