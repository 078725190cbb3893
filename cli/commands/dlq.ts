import { type DeadLetter, describeDeadLetter } from '../../functions/deliver/dead-letter.ts';
import { redriveRecorded } from '../../functions/ledger/redrive.ts';
import { createLogger } from '../../functions/observability/logger.ts';
import type { CommandContext, CommandRun } from '../context.ts';
import { CliError, UsageError } from '../errors.ts';
import { EXIT, type ExitCode } from '../exit-codes.ts';
import { deployedLedgerForWrites } from '../ledger.ts';
import { createProgressReporter } from '../progress.ts';
import { awsDeliveryQueue, localDeliveryQueue, type OpenQueue } from '../queues.ts';
import { type Column, printTable } from '../table.ts';
import { note, processTerminal, type Terminal } from '../terminal.ts';

const DEFAULT_LIST_LIMIT = 50;

export type DlqSubcommand = 'list' | 'show' | 'redrive';

/** One dead letter in `list --json`: the fields of its table row, never the lead's personal data. */
export interface DeadLetterListEntry {
  messageId: string;
  kind: DeadLetter['kind'];
  leadId: string | null;
  source: string | null;
  attempts: number | null;
  failedAt: string | null;
  reason: string | null;
  /** False when the queue's redrive policy moved it (the handler crashed or timed out): no reason recorded. */
  hasLeadpipeAttributes: boolean;
}

/** The listing as data, for `list --json`: nulls where the table shows "-". */
export function listEntry(letter: DeadLetter): DeadLetterListEntry {
  return {
    messageId: letter.messageId,
    kind: letter.kind,
    leadId: letter.leadId ?? null,
    source: letter.source ?? null,
    attempts: letter.attempts ?? null,
    failedAt: letter.failedAt ?? null,
    reason: letter.reason === undefined ? null : oneLine(letter.reason),
    hasLeadpipeAttributes: letter.hasLeadpipeAttributes,
  };
}

const CRASHED = "none recorded: the queue's redrive policy moved it (the handler crashed or timed out on it)";

/** The `list` table: ids and reasons, never the lead's personal data. */
export const DEAD_LETTER_COLUMNS: readonly Column<DeadLetter>[] = [
  {
    header: 'LEAD ID',
    cell: (letter) => letter.leadId ?? `(${letter.kind === 'lead' ? 'no lead id' : letter.kind})`,
  },
  { header: 'SOURCE', cell: (letter) => letter.source ?? '-' },
  { header: 'ATTEMPTS', cell: (letter) => String(letter.attempts ?? '-'), align: 'right' },
  { header: 'FAILED AT', cell: (letter) => letter.failedAt ?? '-' },
  {
    header: 'REASON',
    cell: (letter) => (letter.hasLeadpipeAttributes ? (letter.reason ?? '') : CRASHED),
    tone: (letter) => (letter.hasLeadpipeAttributes ? 'bad' : 'warn'),
    shrink: true,
  },
];

/** One dead letter in `show --json`: everything but the body, and the lead only when asked for. */
export function detailEntry(letter: DeadLetter, options: { withLead: boolean }): Record<string, unknown> {
  const lead = leadOf(letter.body);
  return {
    ...listEntry(letter),
    destination: letter.destination ?? null,
    sentAt: letter.sentAt ?? null,
    receiveCount: letter.receiveCount ?? null,
    bytes: Buffer.byteLength(letter.body),
    leadFields: lead ? Object.keys(lead).sort() : null,
    ...(options.withLead ? { lead: lead ?? null, ...(lead ? {} : { body: letter.body }) } : {}),
  };
}

/** Everything about one dead letter, for `show`; the lead's fields only when asked for. */
export function detailLines(letter: DeadLetter, options: { withLead: boolean }): string[] {
  const lines = [
    `message id      ${letter.messageId}`,
    `kind            ${letter.kind}`,
    `lead id         ${letter.leadId ?? '-'}`,
    `source          ${letter.source ?? '-'}`,
  ];
  if (letter.hasLeadpipeAttributes) {
    lines.push(
      `destination     ${letter.destination ?? '-'}`,
      `attempts        ${letter.attempts ?? '-'}`,
      `failed at       ${letter.failedAt ?? '-'}`,
      `reason          ${letter.reason ?? '-'}`,
    );
  } else {
    lines.push(
      "reason          none recorded: the queue's redrive policy moved it here after repeated receives,",
      '                so the deliver handler crashed or timed out on it rather than classifying it',
    );
  }
  lines.push(
    `in DLQ since    ${letter.sentAt ?? '-'}`,
    `receive count   ${letter.receiveCount ?? '-'} (reads by this tool included)`,
    `body            ${Buffer.byteLength(letter.body)} bytes`,
  );
  const lead = leadOf(letter.body);
  if (lead && !options.withLead) {
    lines.push(
      `lead fields     ${Object.keys(lead).sort().join(', ')}`,
      '(add --with-lead to print the lead itself)',
    );
  }
  if (options.withLead) {
    lines.push('', lead ? JSON.stringify(lead, null, 2) : letter.body);
  }
  return lines;
}

function leadOf(body: string): Record<string, unknown> | undefined {
  try {
    const lead = (JSON.parse(body) as { detail?: { lead?: unknown } }).detail?.lead;
    return typeof lead === 'object' && lead !== null ? (lead as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim();

function positiveInteger(value: string | boolean | undefined, subcommand: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1)
    throw new UsageError(`--limit must be a whole number >= 1, not "${value}"`, `leadpipe dlq ${subcommand}`);
  return number;
}

async function openQueue(
  context: CommandContext,
  destination: string,
  subcommand: DlqSubcommand,
): Promise<OpenQueue> {
  const { flags, settings } = context;
  if (flags.aws) {
    const region = typeof flags.region === 'string' ? flags.region : undefined;
    const refs = await awsDeliveryQueue(destination, {
      ...(typeof flags.prefix === 'string' ? { prefix: flags.prefix } : {}),
      ...(region ? { region } : {}),
    });
    if (subcommand !== 'redrive') return refs;
    const deployed = await deployedLedgerForWrites(context, region);
    return {
      ...refs,
      ...(deployed.ledger ? { ledger: deployed.ledger } : {}),
      close: () => {
        refs.close();
        deployed.close();
      },
    };
  }
  if (flags.prefix !== undefined || flags.region !== undefined) {
    throw context.usage('--prefix and --region only apply with --aws');
  }
  return localDeliveryQueue(await context.config(), destination, settings.dataDir);
}

/**
 * Runs one `dlq` subcommand against the given queues; returns the exit code. `flags` are named as
 * typed (`with-lead`).
 */
export async function runDlq(
  subcommand: DlqSubcommand | string,
  refs: OpenQueue,
  flags: Readonly<Record<string, string | boolean | undefined>>,
  terminal: Terminal = processTerminal(),
): Promise<ExitCode> {
  const { queue } = refs;
  const destination = queue.destination;
  switch (subcommand) {
    case 'list': {
      const limit = positiveInteger(flags.limit, subcommand) ?? DEFAULT_LIST_LIMIT;
      const depth = (await queue.depth()).deadLetters;
      const letters = (await queue.peekDeadLetters(limit)).map(describeDeadLetter);
      if (flags.json === true) {
        const listing = {
          destination,
          where: refs.where,
          visible: depth.visible,
          inFlight: depth.inFlight,
          messages: letters.map(listEntry),
        };
        terminal.out(JSON.stringify(listing, null, 2));
        return EXIT.ok;
      }
      terminal.out(
        `${depth.visible} message(s) in the ${destination} dead-letter queue on ${refs.where}${depth.inFlight ? ` (+${depth.inFlight} being read right now)` : ''}`,
      );
      if (letters.length > 0) {
        printTable(terminal, DEAD_LETTER_COLUMNS, letters);
      }
      if (depth.visible > letters.length) terminal.out(`… showing ${letters.length}; use --limit N for more`);
      return EXIT.ok;
    }
    case 'show': {
      const leadId = typeof flags.lead === 'string' ? flags.lead : undefined;
      const letters = (await queue.peekDeadLetters(leadId ? Number.MAX_SAFE_INTEGER : 1)).map(
        describeDeadLetter,
      );
      const letter = leadId ? letters.find((candidate) => candidate.leadId === leadId) : letters[0];
      if (!letter) {
        note(
          terminal,
          leadId
            ? `No message for lead ${leadId} in the ${destination} dead-letter queue.`
            : `The ${destination} dead-letter queue is empty.`,
        );
        return EXIT.failed;
      }
      const withLead = flags['with-lead'] === true;
      if (flags.json === true) {
        terminal.out(JSON.stringify(detailEntry(letter, { withLead }), null, 2));
        return EXIT.ok;
      }
      for (const line of detailLines(letter, { withLead })) terminal.out(line);
      return EXIT.ok;
    }
    case 'redrive': {
      const limit = positiveInteger(flags.limit, subcommand);
      const reporter = createProgressReporter(terminal.progress);
      const result = await redriveRecorded(queue, {
        ledger: refs.ledger,
        // Only a ledger write that failed is logged (to stderr): the messages were moved all the same.
        logger: createLogger({ logLevel: 'WARN' }),
        by: 'cli',
        ...(limit ? { limit } : {}),
        ...(refs.tombstones ? { tombstones: refs.tombstones } : {}),
        onProgress: (progress) => reporter.update(progress),
      });
      reporter.done(result);
      terminal.out(
        `Moved ${result.moved} message(s) from the ${destination} dead-letter queue back to its queue on ${refs.where}.`,
      );
      if (result.failed > 0 || result.errors.length > 0) {
        terminal.out(`${result.failed} could not be moved and stay in the dead-letter queue:`);
        for (const error of result.errors) terminal.out(`  ${error}`);
        return EXIT.failed;
      }
      return EXIT.ok;
    }
    default:
      throw new CliError(`Unknown dlq subcommand "${subcommand}": use list, show or redrive.`);
  }
}

/** `leadpipe dlq list|show|redrive <destination>` */
export function dlqCommand(subcommand: DlqSubcommand): CommandRun {
  return async (context) => {
    const [destination] = context.args;
    if (!destination) throw context.usage(`dlq ${subcommand} needs a destination`);
    const refs = await openQueue(context, destination, subcommand);
    try {
      return await runDlq(subcommand, refs, context.flags, context.terminal);
    } finally {
      refs.close();
    }
  };
}
