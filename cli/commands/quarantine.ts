import { createAwsClients, destroyAwsClients } from '../../adapters/aws/clients.ts';
import { createIdempotencyStore } from '../../adapters/aws/idempotency-store.ts';
import { createDynamoPersonDirectory } from '../../adapters/aws/person-directory.ts';
import { createLeadPublisher } from '../../adapters/aws/publisher.ts';
import { createQuarantineStore } from '../../adapters/aws/quarantine-store.ts';
import { createDynamoTombstones } from '../../adapters/aws/tombstones.ts';
import { inWriteScope } from '../../adapters/embedded/write-scope.ts';
import { createLogger } from '../../functions/observability/logger.ts';
import type {
  IdempotencyStore,
  LeadLedger,
  LeadPublisher,
  PersonDirectory,
  QuarantineStore,
  TombstoneStore,
} from '../../functions/ports.ts';
import { createReplay, type ReplayResult } from '../../functions/quarantine/replay.ts';
import { type QuarantineSummary, summarise } from '../../functions/quarantine/summary.ts';
import { decideRoutes } from '../../functions/routing/route-decision.ts';
import { openEmbeddedStore } from '../../local/embedded-store.ts';
import type { CommandContext, CommandRun } from '../context.ts';
import { EXIT } from '../exit-codes.ts';
import { deployedLedgerForWrites } from '../ledger.ts';
import { createProgressLine } from '../progress.ts';
import { type Column, printTable } from '../table.ts';
import { note, type Tone } from '../terminal.ts';

/** Where the quarantine lives: the local data dir's database, or a deployed stack's table and bus. */
export interface QuarantineTarget {
  quarantine: QuarantineStore;
  /** A fresh idempotency layer for the replays (records keyed leadpipe-replay#...). */
  idempotency: IdempotencyStore;
  publishLeads: LeadPublisher;
  /** Who each replayed lead is from, resolved as ingest does. */
  persons: PersonDirectory;
  /** Erasure tombstones: a payload of a person erased after it arrived is refused. */
  tombstones: TombstoneStore;
  /** Where a replay's steps are recorded; for a deployed stack, the table LEADPIPE_LEDGER_TABLE names. */
  ledger?: LeadLedger;
  /** Runs one replay; locally in a write scope, so its queue rows commit with its idempotency record. */
  unit<T>(work: () => Promise<T>): Promise<T>;
  close(): void;
}

/** The local data dir (read directly; a running host need not be stopped), or with --aws the named table and bus. */
export async function quarantineTarget(
  context: CommandContext,
  options: { recording?: boolean } = {},
): Promise<QuarantineTarget> {
  const { flags } = context;
  if (flags.aws) {
    const tableName = flags.table;
    const busName = flags.bus;
    if (typeof tableName !== 'string' || typeof busName !== 'string') {
      throw context.usage(
        '--aws needs --table <name> (the stack output PipelineTableName…) and --bus <name> (PipelineBusName…).',
      );
    }
    const region = typeof flags.region === 'string' ? flags.region : undefined;
    const clients = createAwsClients({}, region);
    const deployed = options.recording ? await deployedLedgerForWrites(context, region) : { close: () => {} };
    return {
      quarantine: createQuarantineStore(clients.dynamodb, tableName),
      idempotency: createIdempotencyStore(clients.dynamodb, tableName),
      persons: createDynamoPersonDirectory(clients.dynamodb, tableName),
      tombstones: createDynamoTombstones(clients.dynamodb, tableName),
      publishLeads: createLeadPublisher({ client: clients.eventbridge, busName }),
      ...(deployed.ledger ? { ledger: deployed.ledger } : {}),
      unit: (work) => work(),
      close: () => {
        destroyAwsClients(clients);
        deployed.close();
      },
    };
  }
  if (flags.table !== undefined || flags.bus !== undefined || flags.region !== undefined) {
    throw context.usage('--table, --bus and --region only apply with --aws');
  }
  const store = openEmbeddedStore(await context.config(), {
    dataDir: context.settings.dataDir,
    mustExist: true,
  });
  return {
    quarantine: store.quarantine,
    idempotency: store.idempotency(),
    publishLeads: store.bus.publishLeads,
    ledger: store.ledger,
    persons: store.persons,
    tombstones: store.tombstones,
    unit: (work) => inWriteScope(store.database, work),
    close: () => store.close(),
  };
}

async function withTarget<T>(
  context: CommandContext,
  work: (target: QuarantineTarget) => Promise<T>,
  options: { recording?: boolean } = {},
): Promise<T> {
  const target = await quarantineTarget(context, options);
  try {
    return await work(target);
  } finally {
    target.close();
  }
}

/** The `quarantine list` table: ids, sources and reasons, never the bodies. */
export const QUARANTINE_COLUMNS: readonly Column<QuarantineSummary>[] = [
  { header: 'LEAD ID', cell: (entry) => entry.leadId },
  { header: 'SOURCE', cell: (entry) => entry.source },
  { header: 'RECEIVED', cell: (entry) => entry.receivedAt },
  { header: 'REASON', cell: (entry) => entry.reason.code, tone: () => 'warn' },
  { header: 'SIZE', cell: (entry) => `${entry.bytes} B`, align: 'right' },
  { header: 'MESSAGE', cell: (entry) => entry.reason.message, tone: () => 'muted', shrink: true },
];

/** `leadpipe quarantine list [--source S] [--json]` */
export const runQuarantineList: CommandRun = (context) =>
  withTarget(context, async ({ quarantine }) => {
    const source = typeof context.flags.source === 'string' ? context.flags.source : undefined;
    const summaries = (await quarantine.list())
      .filter((entry) => source === undefined || entry.source === source)
      .map(summarise);
    const { terminal } = context;
    if (context.flags.json === true) terminal.out(JSON.stringify(summaries, null, 2));
    else if (summaries.length === 0) terminal.out('The quarantine is empty.');
    else printTable(terminal, QUARANTINE_COLUMNS, summaries);
    return EXIT.ok;
  });

/** `leadpipe quarantine show <lead-id> [--payload] [--json]` */
export const runQuarantineShow: CommandRun = (context) =>
  withTarget(context, async ({ quarantine }) => {
    const { terminal, flags } = context;
    const [leadId = ''] = context.args;
    const entry = await quarantine.get(leadId);
    if (!entry) {
      note(terminal, `Nothing is quarantined as ${leadId} (already replayed, expired, or a wrong id).`);
      return EXIT.failed;
    }
    const summary = summarise(entry);
    const body = Buffer.from(entry.body, 'base64');
    if (flags.payload === true) note(terminal, '(the payload may contain personal data: handle it as such)');
    if (flags.json === true) {
      const payload = flags.payload === true ? { body: bodyView(body) } : {};
      terminal.out(JSON.stringify({ ...summary, ...payload }, null, 2));
      return EXIT.ok;
    }
    terminal.out(
      [
        `lead id         ${summary.leadId}`,
        `source          ${summary.source}`,
        `delivery id     ${summary.deliveryId}`,
        `received at     ${summary.receivedAt}`,
        `reason          ${summary.reason.code}: ${summary.reason.message}`,
        `content type    ${summary.contentType}`,
        `headers         ${
          Object.keys(summary.headers ?? {})
            .sort()
            .join(', ') || '-'
        }`,
        `body            ${summary.bytes} bytes${flags.payload === true ? '' : ' (add --payload to print it)'}`,
      ].join('\n'),
    );
    if (flags.payload === true) terminal.out(`\n${body.toString('utf8')}`);
    return EXIT.ok;
  });

/** The body as text when it is UTF-8, else base64: JSON cannot carry raw bytes. */
function bodyView(body: Buffer): { encoding: 'utf8' | 'base64'; text: string } {
  const text = body.toString('utf8');
  return Buffer.from(text, 'utf8').equals(body)
    ? { encoding: 'utf8', text }
    : { encoding: 'base64', text: body.toString('base64') };
}

const RESULT_TEXT: Record<ReplayResult['status'], string> = {
  replayed: 'replayed: lead.received published, entry removed',
  'already-replayed': 'already replayed earlier: entry removed, nothing published again',
  'still-quarantined': 'still cannot be mapped, kept',
  'not-found': 'not in the quarantine (already replayed, expired, or a wrong id)',
  'in-progress': 'another replay of it is running right now; try again in a minute',
  'unknown-source': 'its source is no longer in the config, kept',
  erased: 'its person was erased after it arrived (leadpipe erase): not published, entry removed',
};

const RESULT_TONE: Record<ReplayResult['status'], Tone> = {
  replayed: 'ok',
  'already-replayed': 'ok',
  'still-quarantined': 'warn',
  'not-found': 'bad',
  'in-progress': 'warn',
  'unknown-source': 'bad',
  erased: 'bad',
};

/** A replay that published the lead, now or before. */
export const replayWorked = (result: ReplayResult) =>
  result.status === 'replayed' || result.status === 'already-replayed';

/** `replayed 6/10, not replayed 1`: the replay's counts, for its progress line and its final line. */
export const replayCounts = (counts: { replayed: number; notReplayed: number; total: number }) =>
  `replayed ${counts.replayed}/${counts.total}, not replayed ${counts.notReplayed}`;

/** `leadpipe quarantine replay <lead-id>... | --all [--source S]` */
export const runQuarantineReplay: CommandRun = async (context) => {
  const { args, flags, terminal } = context;
  const source = typeof flags.source === 'string' ? flags.source : undefined;
  if (flags.all === true && args.length > 0) throw context.usage('give lead ids or --all, not both');
  if (flags.all !== true && args.length === 0)
    throw context.usage('replay needs lead ids, or --all: leadpipe quarantine replay <lead-id>... | --all');
  if (source !== undefined && flags.all !== true) throw context.usage('--source only applies with --all');
  const config = await context.config();
  return withTarget(
    context,
    async (target) => {
      const ids =
        flags.all === true
          ? (await target.quarantine.list())
              .filter((entry) => source === undefined || entry.source === source)
              .map((entry) => entry.leadId)
          : args;
      if (ids.length === 0) {
        terminal.out('Nothing to replay.');
        return EXIT.ok;
      }
      const replayOne = createReplay({
        config,
        quarantine: target.quarantine,
        idempotencyStore: target.idempotency,
        publish: target.publishLeads,
        persons: target.persons,
        tombstones: target.tombstones,
        ...(target.ledger
          ? {
              ledger: {
                ledger: target.ledger,
                // Only a ledger write that failed is logged (to stderr): the replay itself went ahead.
                logger: createLogger({ logLevel: 'WARN' }),
                by: 'cli',
                decideRoutes: decideRoutes(config),
              },
            }
          : {}),
      });
      const progress = createProgressLine(terminal.progress);
      const counts = { replayed: 0, notReplayed: 0, total: ids.length };
      const paint = terminal.paint ?? ((_tone: Tone, text: string) => text);
      for (const leadId of ids) {
        const result = await target.unit(() => replayOne(leadId));
        if (replayWorked(result)) counts.replayed++;
        else counts.notReplayed++;
        const reason =
          result.status === 'still-quarantined' ? ` (${result.reason.code}: ${result.reason.message})` : '';
        progress.above(() =>
          terminal.out(
            `${leadId}  ${paint(RESULT_TONE[result.status], RESULT_TEXT[result.status])}${reason}`,
          ),
        );
        progress.update(`replay ${replayCounts(counts)}`);
      }
      progress.done(`replay: ${replayCounts(counts)}`);
      return counts.notReplayed === 0 ? EXIT.ok : EXIT.failed;
    },
    { recording: true },
  );
};
