import { createAwsClients, destroyAwsClients } from '../../adapters/aws/clients.ts';
import { createIdempotencyStore } from '../../adapters/aws/idempotency-store.ts';
import { createLeadPublisher } from '../../adapters/aws/publisher.ts';
import { createQuarantineStore } from '../../adapters/aws/quarantine-store.ts';
import { inWriteScope } from '../../adapters/embedded/write-scope.ts';
import type { IdempotencyStore, LeadPublisher, QuarantineStore } from '../../functions/ports.ts';
import { createReplay, type ReplayResult } from '../../functions/quarantine/replay.ts';
import { formatSummaries, summarise } from '../../functions/quarantine/summary.ts';
import { openEmbeddedStore } from '../../local/embedded-store.ts';
import type { Command, CommandContext } from '../context.ts';
import { CliError } from '../errors.ts';
import { didYouMean } from '../suggest.ts';

const SUBCOMMANDS = ['list', 'show', 'replay'] as const;

/** Where the quarantine lives: the local data dir's database, or a deployed stack's table and bus. */
export interface QuarantineTarget {
  quarantine: QuarantineStore;
  /** A fresh idempotency layer for the replays (records keyed leadpipe-replay#...). */
  idempotency: IdempotencyStore;
  publishLeads: LeadPublisher;
  /** Runs one replay; locally in a write scope, so its queue rows commit with its idempotency record. */
  unit<T>(work: () => Promise<T>): Promise<T>;
  close(): void;
}

/** The local data dir (read directly; a running host need not be stopped), or with --aws the named table and bus. */
export async function quarantineTarget(context: CommandContext): Promise<QuarantineTarget> {
  const { flags, settings } = context;
  if (flags.aws) {
    const tableName = flags.table;
    const busName = flags.bus;
    if (typeof tableName !== 'string' || typeof busName !== 'string') {
      throw new CliError(
        '--aws needs --table <name> (the stack output PipelineTableName…) and --bus <name> (PipelineBusName…).',
      );
    }
    const region = typeof flags.region === 'string' ? flags.region : undefined;
    const clients = createAwsClients({}, region);
    return {
      quarantine: createQuarantineStore(clients.dynamodb, tableName),
      idempotency: createIdempotencyStore(clients.dynamodb, tableName),
      publishLeads: createLeadPublisher({ client: clients.eventbridge, busName }),
      unit: (work) => work(),
      close: () => destroyAwsClients(clients),
    };
  }
  const store = openEmbeddedStore(await context.config(), { dataDir: settings.dataDir, mustExist: true });
  return {
    quarantine: store.quarantine,
    idempotency: store.idempotency(),
    publishLeads: store.bus.publishLeads,
    unit: (work) => inWriteScope(store.database, work),
    close: () => store.close(),
  };
}

const RESULT_TEXT: Record<ReplayResult['status'], string> = {
  replayed: 'replayed: lead.received published, entry removed',
  'already-replayed': 'already replayed earlier: entry removed, nothing published again',
  'still-quarantined': 'still cannot be mapped, kept',
  'not-found': 'not in the quarantine (already replayed, expired, or a wrong id)',
  'in-progress': 'another replay of it is running right now; try again in a minute',
  'unknown-source': 'its source is no longer in the config, kept',
};

async function list(store: QuarantineStore, source: string | undefined, json: boolean): Promise<number> {
  const entries = (await store.list()).filter((entry) => source === undefined || entry.source === source);
  const summaries = entries.map(summarise);
  console.log(json ? JSON.stringify(summaries, null, 2) : formatSummaries(summaries));
  return 0;
}

async function show(store: QuarantineStore, leadId: string, withPayload: boolean): Promise<number> {
  const entry = await store.get(leadId);
  if (!entry) throw new CliError(`No quarantined payload with lead id ${leadId}.`);
  console.log(JSON.stringify(summarise(entry), null, 2));
  if (withPayload) {
    console.error('(the payload may contain personal data: handle it as such)');
    console.log(Buffer.from(entry.body, 'base64').toString('utf8'));
  }
  return 0;
}

async function replay(
  context: CommandContext,
  target: QuarantineTarget,
  store: QuarantineStore,
): Promise<number> {
  const { args, flags } = context;
  const source = typeof flags.source === 'string' ? flags.source : undefined;
  let ids = args.slice(1);
  if (flags.all) {
    ids = (await store.list())
      .filter((entry) => source === undefined || entry.source === source)
      .map((entry) => entry.leadId);
  } else if (ids.length === 0) {
    throw new CliError('replay needs lead ids, or --all: leadpipe quarantine replay <lead-id>... | --all');
  }
  const replayOne = createReplay({
    config: await context.config(),
    quarantine: store,
    idempotencyStore: target.idempotency,
    publish: target.publishLeads,
  });
  let failed = 0;
  for (const leadId of ids) {
    const result = await target.unit(() => replayOne(leadId));
    if (result.status !== 'replayed' && result.status !== 'already-replayed') failed++;
    const reason =
      result.status === 'still-quarantined' ? ` (${result.reason.code}: ${result.reason.message})` : '';
    console.log(`${leadId}  ${RESULT_TEXT[result.status]}${reason}`);
  }
  if (ids.length === 0) console.log('Nothing to replay.');
  return failed === 0 ? 0 : 1;
}

/** `leadpipe quarantine list|show|replay` */
export const quarantineCommand: Command = {
  usage: `quarantine list [--source <name>] [--json]
                                 Signed payloads that could not be mapped (no bodies shown)
  quarantine show <lead-id> [--payload]
                                 One entry; --payload prints the body (personal data)
  quarantine replay <lead-id>... | --all [--source <name>]
                                 Map again with the current config and publish the lead
                                 (signatures are not re-checked: they were verified on arrival)
      --aws --table <name> --bus <name> [--region <r>]
                                 A deployed stack instead of the local pipeline`,
  example: `leadpipe quarantine list --source typeform --json
leadpipe quarantine show <lead-id>
leadpipe quarantine replay --all --source typeform`,
  flags: {
    source: { type: 'string' },
    json: { type: 'boolean' },
    payload: { type: 'boolean' },
    all: { type: 'boolean' },
    aws: { type: 'boolean' },
    table: { type: 'string' },
    bus: { type: 'string' },
    region: { type: 'string' },
  },
  async run(context) {
    const [action, leadId] = context.args;
    if (action !== 'list' && action !== 'show' && action !== 'replay') {
      const unknown = action
        ? `Unknown quarantine subcommand "${action}".${didYouMean(action, SUBCOMMANDS)} `
        : '';
      throw new CliError(
        `${unknown}Usage: leadpipe quarantine list | show <lead-id> | replay <lead-id>... | --all`,
      );
    }
    if (action === 'show' && !leadId)
      throw new CliError('show needs a lead id: leadpipe quarantine show <lead-id>');
    const target = await quarantineTarget(context);
    try {
      const store = target.quarantine;
      const source = typeof context.flags.source === 'string' ? context.flags.source : undefined;
      if (action === 'list') return await list(store, source, context.flags.json === true);
      if (action === 'show') return await show(store, leadId as string, context.flags.payload === true);
      return await replay(context, target, store);
    } finally {
      target.close();
    }
  },
};
