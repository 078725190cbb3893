import { normaliseQuery, queryFromText } from '../../functions/ledger/search-terms.ts';
import type { LedgerLead, LedgerPage, LedgerQuery } from '../../functions/ports.ts';
import type { LedgerEvent } from '../../schemas/generated/ledger-event.ts';
import { type CommandContext, type CommandRun, positiveIntegerFlag, stringFlag } from '../context.ts';
import { DESTINATION_STATUS_TONE, LEAD_STATUS_TONE, viewOf } from '../events.ts';
import { EXIT, type ExitCode } from '../exit-codes.ts';
import { type OpenLedger, openLedger } from '../ledger.ts';
import { type Column, printTable } from '../table.ts';
import { noPaint, note, printable, type Terminal } from '../terminal.ts';

/** The `leads list` and `leads search` table: who, from where, and where each lead stands. */
export const LEAD_COLUMNS: readonly Column<LedgerLead>[] = [
  { header: 'RECEIVED', cell: (lead) => lead.receivedAt },
  { header: 'LEAD ID', cell: (lead) => lead.leadId },
  { header: 'SOURCE', cell: (lead) => lead.source },
  { header: 'STATUS', cell: (lead) => lead.status, tone: (lead) => LEAD_STATUS_TONE[lead.status] },
  { header: 'CONTACT', cell: (lead) => lead.contact.email ?? lead.contact.phone ?? lead.contact.name ?? '-' },
  {
    header: 'DESTINATIONS',
    cell: (lead) =>
      Object.entries(lead.destinations)
        .map(([name, status]) => `${name} ${status}`)
        .join(', ') || '-',
    shrink: true,
  },
];

/** The timeline table of `leads show`: one line per step, coloured by its outcome. */
export const EVENT_COLUMNS: readonly Column<LedgerEvent>[] = [
  { header: 'AT', cell: (event) => event.at, tone: () => 'muted' },
  { header: 'STEP', cell: (event) => event.kind, tone: (event) => viewOf(event).tone },
  { header: 'DESTINATION', cell: (event) => viewOf(event).destination ?? '-' },
  { header: 'OUTCOME', cell: (event) => viewOf(event).outcome, tone: (event) => viewOf(event).tone },
  { header: 'DETAIL', cell: (event) => viewOf(event).detail, shrink: true },
];

/** The filters list and search share: --source, --since, --until, --limit, --cursor. */
export function filtersOf(context: CommandContext): LedgerQuery {
  const limit = positiveIntegerFlag(context, 'limit');
  const query: LedgerQuery = {};
  const source = stringFlag(context, 'source');
  const since = stringFlag(context, 'since');
  const until = stringFlag(context, 'until');
  const cursor = stringFlag(context, 'cursor');
  if (source !== undefined) query.source = source;
  if (since !== undefined) query.since = since;
  if (until !== undefined) query.until = until;
  if (cursor !== undefined) query.cursor = cursor;
  if (limit !== undefined) query.limit = limit;
  return query;
}

/**
 * What `leads search` looks for: the text told apart by shape (an email, a phone number, a lead
 * id, else a correlation id), then each flag given; undefined when nothing was.
 */
export function searchCriteria(
  text: string | undefined,
  flags: { email?: string | undefined; phone?: string | undefined; correlationId?: string | undefined },
  phoneRegion: string | undefined,
): LedgerQuery | undefined {
  const query: LedgerQuery = text ? queryFromText(text, phoneRegion) : {};
  if (flags.email !== undefined) query.email = flags.email;
  if (flags.phone !== undefined) query.phone = flags.phone;
  if (flags.correlationId !== undefined) query.correlationId = flags.correlationId;
  return Object.keys(query).length > 0 ? query : undefined;
}

async function withLedger(
  context: CommandContext,
  work: (open: OpenLedger) => Promise<ExitCode>,
): Promise<ExitCode> {
  const open = await openLedger(context);
  try {
    return await work(open);
  } finally {
    open.close();
  }
}

function printPage(context: CommandContext, page: LedgerPage, empty: string): void {
  const { terminal } = context;
  if (context.flags.json === true) {
    terminal.out(JSON.stringify(page, null, 2));
    return;
  }
  if (page.leads.length === 0) {
    terminal.out(empty);
    return;
  }
  printTable(terminal, LEAD_COLUMNS, page.leads);
  if (page.next) note(terminal, `(more: add --cursor ${page.next})`);
}

/** `leadpipe leads list [--source S] [--since T] [--until T] [--limit N] [--json]` */
export const runLeadsList: CommandRun = (context) => {
  const filters = filtersOf(context);
  return withLedger(context, async ({ ledger, where, phoneRegion }) => {
    const page = await ledger.search(normaliseQuery(filters, phoneRegion));
    printPage(context, page, `No leads in the ledger on ${where}${filtered(context) ? ' match' : ''}.`);
    return EXIT.ok;
  });
};

const filtered = (context: CommandContext) =>
  ['source', 'since', 'until'].some((flag) => context.flags[flag] !== undefined);

/** `leadpipe leads search <text> | --email E | --phone P | --correlation-id C [...]`; 1 when nothing matches. */
export const runLeadsSearch: CommandRun = async (context) => {
  const filters = filtersOf(context);
  return withLedger(context, async ({ ledger, where, phoneRegion }) => {
    const criteria = searchCriteria(
      context.args[0],
      {
        email: stringFlag(context, 'email'),
        phone: stringFlag(context, 'phone'),
        correlationId: stringFlag(context, 'correlation-id'),
      },
      phoneRegion,
    );
    if (!criteria) throw context.usage('search needs text, --email, --phone or --correlation-id');
    const page = await ledger.search(normaliseQuery({ ...filters, ...criteria }, phoneRegion));
    printPage(context, page, `No lead in the ledger on ${where} matches.`);
    return page.leads.length > 0 ? EXIT.ok : EXIT.failed;
  });
};

/** `leadpipe leads show <lead-id> [--json]`; 1 when the ledger has no such lead. */
export const runLeadsShow: CommandRun = (context) =>
  withLedger(context, async ({ ledger, where }) => {
    const [leadId = ''] = context.args;
    const timeline = await ledger.timeline(leadId.trim());
    const { terminal } = context;
    if (!timeline) {
      note(
        terminal,
        `The ledger on ${where} has no lead ${leadId} (a wrong id, or older than its retention).`,
      );
      return EXIT.failed;
    }
    if (context.flags.json === true) {
      terminal.out(JSON.stringify(timeline, null, 2));
      return EXIT.ok;
    }
    for (const line of leadHeader(timeline.lead, terminal)) terminal.out(line);
    terminal.out('');
    printTable(terminal, EVENT_COLUMNS, timeline.events);
    return EXIT.ok;
  });

/** Who the lead is and where it stands, above its timeline. */
export function leadHeader(lead: LedgerLead, terminal: Pick<Terminal, 'paint'>): string[] {
  const paint = terminal.paint ?? noPaint;
  const contact = [lead.contact.email, lead.contact.phone, lead.contact.name, lead.contact.company]
    .filter((part): part is string => Boolean(part))
    .map(printable)
    .join(', ');
  const destinations = Object.entries(lead.destinations).map(
    ([name, status]) => `${printable(name)} ${paint(DESTINATION_STATUS_TONE[status], status)}`,
  );
  return [
    `${paint('strong', lead.leadId)}  ${paint(LEAD_STATUS_TONE[lead.status], lead.status)}`,
    `source          ${printable(lead.source)}`,
    `received at     ${lead.receivedAt}`,
    `contact         ${contact || '-'}`,
    `correlation id  ${printable(lead.correlationId)}`,
    `delivery id     ${printable(lead.deliveryId)}`,
    `destinations    ${destinations.join(', ') || '-'}`,
    `updated at      ${lead.updatedAt}`,
  ];
}
