import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../adapters/embedded/database.ts';
import { createEmbeddedLedger } from '../../../adapters/embedded/ledger.ts';
import { createEmbeddedQuarantineStore } from '../../../adapters/embedded/quarantine-store.ts';
import { createEmbeddedQueues } from '../../../adapters/embedded/queues.ts';
import { createEmbeddedTombstones } from '../../../adapters/embedded/tombstones.ts';
import {
  type EraseDependencies,
  type ErasureSystems,
  eraseCommand,
  parseEraseTarget,
} from '../../../cli/commands/erase.ts';
import type { CommandContext } from '../../../cli/context.ts';
import { UsageError } from '../../../cli/errors.ts';
import type { Terminal } from '../../../cli/terminal.ts';
import { tombstoneHashes } from '../../../functions/erasure/tombstones.ts';
import type { CrmEraser } from '../../../functions/ports.ts';
import { E2E_DESTINATIONS, e2eConfig } from '../../support/config.ts';
import { deliveredLife, ledgerLeadId } from '../../support/ledger-events.ts';

const CONFIG = e2eConfig({ hubspot: E2E_DESTINATIONS.hubspot, salesforce: E2E_DESTINATIONS.salesforce });
const AT = '2026-04-01T10:00:00.000Z';

function captureTerminal(): Terminal & { lines: string[]; notes: string[] } {
  const lines: string[] = [];
  const notes: string[] = [];
  return { lines, notes, out: (line) => lines.push(line), progress: { write: (text) => notes.push(text) } };
}

function contextFor(args: string[], flags: CommandContext['flags'], terminal: Terminal): CommandContext {
  return {
    command: 'leadpipe erase',
    args,
    flags,
    env: {},
    cwd: '/',
    terminal,
    get settings(): never {
      throw new Error('the test passes its own systems');
    },
    config: async () => CONFIG,
    secrets: () => {
      throw new Error('the test passes its own systems');
    },
    usage: (message) => new UsageError(message, 'leadpipe erase'),
  };
}

/** Real embedded stores in memory holding one delivered lead of Ada's, and the given CRM erasers. */
async function systemsWith(crms: Record<string, CrmEraser>) {
  const database = openDatabase();
  const ledger = createEmbeddedLedger(database, { now: () => Date.parse(AT) });
  await ledger.append(
    deliveredLife(ledgerLeadId(1), '2026-03-30T09:00:00.000Z', {
      contact: {
        email: 'ada@example.com',
        phone: '+14155550101',
        name: 'Ada Lovelace',
        company: 'Analytical',
      },
    }),
  );
  const queues = createEmbeddedQueues(database);
  queues.ensure('hubspot', { maxReceiveCount: 5 });
  const tombstones = createEmbeddedTombstones(database);
  const opened: { systems?: ErasureSystems } = {};
  const open: EraseDependencies['open'] = async () => {
    opened.systems = {
      targets: {
        tombstones,
        ledger,
        quarantine: createEmbeddedQuarantineStore(database),
        queues: [queues.deliveryQueue('hubspot')],
        crms: new Map(Object.entries(crms)),
        phoneRegion: 'US',
        now: () => new Date(AT),
      },
      close: () => {},
    };
    return opened.systems;
  };
  return { database, ledger, tombstones, open, opened };
}

const hubspotDeleting: CrmEraser = {
  method: 'GDPR delete',
  erase: async () => [{ type: 'contact', id: '123' }],
};

describe('parseEraseTarget', () => {
  it.each([
    [
      'an email in any case, with spaces',
      '  Ada.Lovelace@Example.COM ',
      { email: 'ada.lovelace@example.com' },
    ],
    ['a decomposed email, composed (NFC)', 'Zoe\u0308@example.com', { email: 'zo\u00eb@example.com' }],
    ['a national phone, read in the region', '(415) 555-0101', { phone: '+14155550101' }],
    ['an international phone', '+44 20 7946 0958', { phone: '+442079460958' }],
  ])('reads %s', (_, input, keys) => {
    // Act
    const target = parseEraseTarget(input, 'US');

    // Assess
    expect(target).toEqual({ input: input.trim(), keys });
  });

  it('reads a phone without a country code in the given region', () => {
    // Act
    const target = parseEraseTarget('020 7946 0958', 'GB');

    // Assess
    expect(target).toEqual({ input: '020 7946 0958', keys: { phone: '+442079460958' } });
  });

  it.each([
    ['an address that is not one', 'ada@', /not an email address/],
    ['neither', 'Ada Lovelace', /neither an email address nor a phone number/],
    ['too few digits', '12', /neither an email address nor a phone number/],
  ])('refuses %s with a clear problem', (_, input, problem) => {
    // Act
    const target = parseEraseTarget(input, 'US');

    // Assess
    expect(target).toEqual({ problem: expect.stringMatching(problem) });
  });
});

describe('leadpipe erase', () => {
  it('reports every system in text, with no personal data but the input', async () => {
    // Prepare
    const { open } = await systemsWith({ hubspot: hubspotDeleting });
    const terminal = captureTerminal();

    // Act
    const code = await eraseCommand({ open })(contextFor(['Ada@Example.com'], { yes: true }, terminal));

    // Assess
    expect(code).toBe(0);
    expect(terminal.lines).toEqual([
      `erase Ada@Example.com (at ${AT})`,
      'tombstone: added (1 key hash, no personal data)',
      'hubspot: contact 123 deleted (GDPR delete)',
      'ledger: 1 lead, 6 events removed',
      'quarantine: 0 removed',
      'dlq hubspot: 0 dead letters, 0 queued removed',
    ]);
    const output = [...terminal.lines, ...terminal.notes].join('\n');
    for (const pii of ['ada@example.com', '4155550101', 'Ada Lovelace', 'Analytical'])
      expect(output).not.toContain(pii);
  });

  it('reports as JSON with every step’s figures, and leaves a tombstone of the email’s hash', async () => {
    // Prepare
    const { open, tombstones, ledger } = await systemsWith({ hubspot: hubspotDeleting });
    const terminal = captureTerminal();

    // Act
    const code = await eraseCommand({ open })(
      contextFor(['ada@example.com'], { yes: true, json: true }, terminal),
    );

    // Assess
    expect(code).toBe(0);
    const report = JSON.parse(terminal.lines.join('\n'));
    expect(report).toEqual({
      input: 'ada@example.com',
      erasedAt: AT,
      ok: true,
      steps: [
        { system: 'tombstone', ok: true, hashes: 1 },
        {
          system: 'crm',
          destination: 'hubspot',
          ok: true,
          method: 'GDPR delete',
          deleted: [{ type: 'contact', id: '123' }],
        },
        { system: 'ledger', ok: true, leads: 1, events: 6 },
        { system: 'quarantine', ok: true, removed: 0 },
        { system: 'queue', destination: 'hubspot', ok: true, queued: 0, deadLetters: 0 },
      ],
    });
    const [hash] = tombstoneHashes({ email: 'ada@example.com' });
    expect(await tombstones.has(hash ?? '')).toBe(AT);
    expect(await ledger.timeline(ledgerLeadId(1))).toBeUndefined();
  });

  it('hands each CRM the record ids the ledger recorded for the person', async () => {
    // Prepare: deliveredLife records `record-<lead id>` for its hubspot attempt.
    const seen: string[][] = [];
    const recording: CrmEraser = {
      method: 'GDPR delete',
      erase: async (_keys, ids) => {
        seen.push([...ids]);
        return [];
      },
    };
    const { open } = await systemsWith({ hubspot: recording });

    // Act
    await eraseCommand({ open })(contextFor(['+1 415 555 0101'], { yes: true }, captureTerminal()));

    // Assess
    expect(seen).toEqual([[`record-${ledgerLeadId(1)}`]]);
  });

  it('runs every other step when one fails, reports the failure and exits 1', async () => {
    // Prepare
    const refusing: CrmEraser = {
      method: 'deleted (in the Recycle Bin for 15 days)',
      erase: async () => {
        throw new Error('Salesforce could not query Lead: INVALID_SESSION_ID (the token is refused)');
      },
    };
    const { open, ledger } = await systemsWith({ salesforce: refusing, hubspot: hubspotDeleting });
    const terminal = captureTerminal();

    // Act
    const code = await eraseCommand({ open })(contextFor(['ada@example.com'], { yes: true }, terminal));

    // Assess
    expect(code).toBe(1);
    expect(terminal.lines).toContain(
      'salesforce: FAILED: Error: Salesforce could not query Lead: INVALID_SESSION_ID (the token is refused)',
    );
    expect(terminal.lines).toContain('hubspot: contact 123 deleted (GDPR delete)');
    expect(terminal.lines).toContain('ledger: 1 lead, 6 events removed');
    expect(await ledger.timeline(ledgerLeadId(1))).toBeUndefined();
  });

  it('asks first on a terminal, and erases nothing when the answer is no', async () => {
    // Prepare
    const { open, opened, ledger } = await systemsWith({});
    const questions: string[] = [];
    const terminal = captureTerminal();

    // Act
    const code = await eraseCommand({
      open,
      confirm: async (question) => {
        questions.push(question);
        return false;
      },
    })(contextFor(['ada@example.com'], {}, terminal));

    // Assess
    expect(code).toBe(1);
    expect(questions).toEqual([expect.stringContaining('Erase ada@example.com everywhere')]);
    expect(opened.systems).toBeUndefined();
    expect(terminal.notes.join('')).toContain('Nothing erased.');
    expect(await ledger.timeline(ledgerLeadId(1))).toBeDefined();
  });

  it('erases once the question is answered yes', async () => {
    // Prepare
    const { open, ledger } = await systemsWith({});

    // Act
    const code = await eraseCommand({ open, confirm: async () => true })(
      contextFor(['ada@example.com'], {}, captureTerminal()),
    );

    // Assess
    expect(code).toBe(0);
    expect(await ledger.timeline(ledgerLeadId(1))).toBeUndefined();
  });

  it('refuses to run without --yes when there is no terminal to ask on', async () => {
    // Prepare
    const { open, opened } = await systemsWith({});

    // Act
    const run = eraseCommand({ open })(contextFor(['ada@example.com'], {}, captureTerminal()));

    // Assess
    await expect(run).rejects.toThrow(
      new UsageError('erase deletes for good: confirm with --yes when not on a terminal', 'leadpipe erase'),
    );
    expect(opened.systems).toBeUndefined();
  });

  it('refuses input that is neither an email nor a phone, before opening anything', async () => {
    // Prepare
    const { open, opened } = await systemsWith({});

    // Act
    const run = eraseCommand({ open })(contextFor(['not-a-person'], { yes: true }, captureTerminal()));

    // Assess
    await expect(run).rejects.toBeInstanceOf(UsageError);
    expect(opened.systems).toBeUndefined();
  });
});
