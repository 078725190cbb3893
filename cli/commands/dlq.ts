import { type DeadLetter, describeDeadLetter } from '../../functions/deliver/dead-letter.ts';
import type { RedriveProgress } from '../../functions/ports.ts';
import type { Command, CommandContext } from '../context.ts';
import { CliError } from '../errors.ts';
import { awsDeliveryQueue, localDeliveryQueue, type OpenQueue } from '../queues.ts';
import { didYouMean } from '../suggest.ts';

/** Where the command writes; a test passes its own. */
export interface Terminal {
  out(line: string): void;
  /** Progress goes here (stderr), so `list > file` keeps only the listing. */
  progress: { write(text: string): void; isTTY?: boolean; columns?: number };
}

const processTerminal: Terminal = {
  out: (line) => console.log(line),
  progress: process.stderr,
};

const DEFAULT_LIST_LIMIT = 50;

const SUBCOMMANDS = ['list', 'show', 'redrive'] as const;

/** One dead letter in `list --json`: the fields of its text line, never the lead's personal data. */
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

/** The listing as data, for `list --json`: nulls where the text line shows "-". */
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

/** One line per dead letter, for `list`: ids and reasons, never the lead's personal data. */
export function listLine(letter: DeadLetter): string {
  if (!letter.hasLeadpipeAttributes) {
    const what =
      letter.kind === 'lead' ? `${letter.leadId ?? '(no lead id)'}  ${letter.source ?? '-'}` : letter.kind;
    return `${what}  -  -  moved here by the queue's redrive policy, no leadpipe reason (the handler crashed or timed out on it); message ${letter.messageId}`;
  }
  const who = letter.kind === 'lead' ? (letter.leadId ?? '(no lead id)') : letter.kind;
  return [
    who,
    letter.source ?? '-',
    `attempts ${letter.attempts ?? '?'}`,
    letter.failedAt ?? '-',
    oneLine(letter.reason ?? ''),
  ].join('  ');
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

/** A progress bar on a terminal; plain lines (at most about one per 10 %) when piped or logged. */
export function createProgressReporter(stream: Terminal['progress']): {
  update(progress: RedriveProgress): void;
  done(): void;
} {
  let lastStep = -1;
  let drawn = false;
  return {
    update({ moved, failed, total }) {
      const done = moved + failed;
      if (stream.isTTY) {
        stream.write(
          `\r${progressBar(done, total, Math.max(10, Math.min(40, (stream.columns ?? 80) - 40)))} ${done}/${total} moved${failed ? `, ${failed} failed` : ''}`,
        );
        drawn = true;
        return;
      }
      const step = total === 0 ? 10 : Math.floor((done / total) * 10);
      if (step !== lastStep) {
        lastStep = step;
        stream.write(`redrive: ${done}/${total} (${moved} moved, ${failed} failed)\n`);
      }
    },
    done() {
      if (drawn) stream.write('\n');
    },
  };
}

/** `[#####.....]`: `done` of `total` in `width` cells. */
export function progressBar(done: number, total: number, width: number): string {
  const share = total <= 0 ? 1 : Math.min(1, done / total);
  const filled = Math.round(share * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
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

function positiveInteger(value: string | boolean | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1)
    throw new CliError(`--${flag} must be a whole number >= 1, not "${value}"`);
  return number;
}

async function openQueue(context: CommandContext, destination: string): Promise<OpenQueue> {
  const { flags, settings } = context;
  if (flags.aws) {
    return awsDeliveryQueue(destination, {
      ...(typeof flags.prefix === 'string' ? { prefix: flags.prefix } : {}),
      ...(typeof flags.region === 'string' ? { region: flags.region } : {}),
    });
  }
  if (flags.prefix !== undefined || flags.region !== undefined) {
    throw new CliError('--prefix and --region only apply with --aws');
  }
  return localDeliveryQueue(await context.config(), destination, settings.dataDir);
}

/** Runs one `dlq` subcommand against the given queues; returns the exit code. */
export async function runDlq(
  subcommand: string,
  refs: OpenQueue,
  flags: CommandContext['flags'],
  terminal: Terminal = processTerminal,
): Promise<number> {
  const { queue } = refs;
  const destination = queue.destination;
  switch (subcommand) {
    case 'list': {
      const limit = positiveInteger(flags.limit, 'limit') ?? DEFAULT_LIST_LIMIT;
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
        return 0;
      }
      terminal.out(
        `${depth.visible} message(s) in the ${destination} dead-letter queue on ${refs.where}${depth.inFlight ? ` (+${depth.inFlight} being read right now)` : ''}`,
      );
      if (letters.length > 0) terminal.out('lead id  source  attempts  failed at  reason');
      for (const letter of letters) terminal.out(listLine(letter));
      if (depth.visible > letters.length) terminal.out(`… showing ${letters.length}; use --limit N for more`);
      return 0;
    }
    case 'show': {
      const leadId = typeof flags.lead === 'string' ? flags.lead : undefined;
      const letters = (await queue.peekDeadLetters(leadId ? Number.MAX_SAFE_INTEGER : 1)).map(
        describeDeadLetter,
      );
      const letter = leadId ? letters.find((candidate) => candidate.leadId === leadId) : letters[0];
      if (!letter) {
        terminal.out(
          leadId
            ? `No message for lead ${leadId} in the ${destination} dead-letter queue.`
            : `The ${destination} dead-letter queue is empty.`,
        );
        return 1;
      }
      for (const line of detailLines(letter, { withLead: flags['with-lead'] === true })) terminal.out(line);
      return 0;
    }
    case 'redrive': {
      const limit = positiveInteger(flags.limit, 'limit');
      const reporter = createProgressReporter(terminal.progress);
      const result = await queue.redrive({
        ...(limit ? { limit } : {}),
        onProgress: (progress) => reporter.update(progress),
      });
      reporter.done();
      terminal.out(
        `Moved ${result.moved} message(s) from the ${destination} dead-letter queue back to its queue on ${refs.where}.`,
      );
      if (result.failed > 0 || result.errors.length > 0) {
        terminal.out(`${result.failed} could not be moved and stay in the dead-letter queue:`);
        for (const error of result.errors) terminal.out(`  ${error}`);
        return 1;
      }
      return 0;
    }
    default:
      throw unknownSubcommand(subcommand);
  }
}

function unknownSubcommand(subcommand: string): CliError {
  return new CliError(
    `Unknown dlq subcommand "${subcommand}".${didYouMean(subcommand, SUBCOMMANDS)} Use list, show or redrive.`,
  );
}

/** `leadpipe dlq list|show|redrive <destination>` */
export const dlqCommand: Command = {
  usage: `dlq list <destination>          Count the destination's dead-lettered messages; one line each
                                 (lead id, source, attempts, failed at, reason; no personal data)
      --limit <n>                Lines to show (default ${DEFAULT_LIST_LIMIT})
      --json                     The same fields as JSON, for scripts (still no personal data)
  dlq show <destination>         One dead-lettered message in full detail
      --lead <id>                The message of this lead (default: the first one)
      --with-lead                Also print the lead itself (name, email, ...): your own data,
                                 shown only when asked for
  dlq redrive <destination>      Move messages back to the destination's queue to be delivered again
      --limit <n>                Move at most n (default: all)
      --aws                      Use the deployed queues <prefix>-<destination>[-dlq] on AWS
                                 (default credential chain) instead of the local data dir
      --prefix <name>            Queue name prefix with --aws (default leadpipe)
      --region <region>          AWS region with --aws (default: from the AWS environment)`,
  example: `leadpipe dlq list hubspot
leadpipe dlq list hubspot --json
leadpipe dlq show hubspot --lead <lead-id>
leadpipe dlq redrive hubspot --aws --region eu-west-1`,
  flags: {
    json: { type: 'boolean' },
    limit: { type: 'string' },
    lead: { type: 'string' },
    'with-lead': { type: 'boolean' },
    aws: { type: 'boolean' },
    prefix: { type: 'string' },
    region: { type: 'string' },
  },
  async run(context) {
    const [subcommand, destination] = context.args;
    if (subcommand && !(SUBCOMMANDS as readonly string[]).includes(subcommand))
      throw unknownSubcommand(subcommand);
    if (!subcommand || !destination) {
      throw new CliError(
        'dlq needs a subcommand and a destination: leadpipe dlq list|show|redrive <destination>',
      );
    }
    const refs = await openQueue(context, destination);
    try {
      return await runDlq(subcommand, refs, context.flags);
    } finally {
      refs.close();
    }
  },
};
