import { createInterface } from 'node:readline/promises';
import { sandboxUrlField } from '../../adapters/index.ts';
import {
  type ErasureReport,
  type ErasureStep,
  type ErasureTargets,
  erasePerson,
} from '../../functions/erasure/erase.ts';
import { normaliseEmail, normalisePhone } from '../../functions/mapping/normalise.ts';
import type { CrmEraser, PersonKeys, SecretResolver } from '../../functions/ports.ts';
import type { LeadpipeConfig } from '../../schemas/generated/config.ts';
import { type CommandContext, type CommandRun, stringFlag } from '../context.ts';
import { EXIT } from '../exit-codes.ts';
import type { OpenQueue } from '../queues.ts';
import { note, type Terminal } from '../terminal.ts';

/** What `erase` was asked to erase: the keys as the stores hold them, and the input as typed (the only PII it prints). */
export interface EraseTarget {
  input: string;
  keys: PersonKeys;
}

/**
 * Reads the one argument: an email (it has an @; trimmed, lower-cased, NFC) or a phone number
 * (to E.164, read in settings.phoneRegion without a country code). Anything else is a usage error
 * that does not repeat the input's value beyond what was typed.
 */
export function parseEraseTarget(input: string, phoneRegion: string): EraseTarget | { problem: string } {
  const text = input.trim();
  if (text.includes('@')) {
    const email = normaliseEmail(text);
    return email ? { input: text, keys: { email } } : { problem: `"${text}" is not an email address.` };
  }
  const phone = /\d/.test(text) ? normalisePhone(text, phoneRegion) : undefined;
  if (phone) return { input: text, keys: { phone } };
  return {
    problem: `"${text}" is neither an email address nor a phone number (a phone without a country code is read in ${phoneRegion}).`,
  };
}

/** The stores, queues and CRMs of one host, opened for an erasure, and how to close them. */
export interface ErasureSystems {
  targets: ErasureTargets;
  close(): void;
}

/** Asks a yes/no question; resolves true only for yes. */
export type Confirm = (question: string) => Promise<boolean>;

/** The seams a test replaces: the question on a TTY, and how the systems are opened. */
export interface EraseDependencies {
  /** Undefined when there is no terminal to ask on (stdin or stderr is not a TTY). */
  confirm?: Confirm;
  open?: (context: CommandContext, config: LeadpipeConfig) => Promise<ErasureSystems>;
}

/** `leadpipe erase <email|phone> [--aws] [--yes] [--json]` with the given seams. */
export function eraseCommand(dependencies: EraseDependencies): CommandRun {
  return async (context) => {
    const [input] = context.args;
    if (!input) throw context.usage('erase needs an email address or a phone number');
    const config = await context.config();
    const parsed = parseEraseTarget(input, config.settings?.phoneRegion ?? 'US');
    if ('problem' in parsed) throw context.usage(parsed.problem);
    if (!context.flags.yes) {
      if (!dependencies.confirm) {
        throw context.usage('erase deletes for good: confirm with --yes when not on a terminal');
      }
      const question = `Erase ${parsed.input} everywhere leadpipe keeps it (${context.flags.aws ? 'the deployed stack' : 'the local data dir'}, its queues and the CRMs)? This cannot be undone. [y/N] `;
      if (!(await dependencies.confirm(question))) {
        note(context.terminal, 'Nothing erased.');
        return EXIT.failed;
      }
    }
    const systems = await (dependencies.open ?? openSystems)(context, config);
    let report: ErasureReport;
    try {
      report = await erasePerson(parsed.keys, systems.targets);
    } finally {
      systems.close();
    }
    printReport(context.terminal, parsed, report, context.flags.json === true);
    return report.ok ? EXIT.ok : EXIT.failed;
  };
}

/** The command as the CLI runs it: asks on a terminal. */
export const runErase: CommandRun = (context) =>
  eraseCommand({ ...(process.stdin.isTTY && process.stderr.isTTY ? { confirm: askOnTty } : {}) })(context);

async function askOnTty(question: string): Promise<boolean> {
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await prompt.question(question)).trim());
  } finally {
    prompt.close();
  }
}

/** The report as JSON (`--json`): the input as typed, the time, and every step's figures. */
export function reportJson(target: EraseTarget, report: ErasureReport): Record<string, unknown> {
  return { input: target.input, erasedAt: report.erasedAt, ok: report.ok, steps: report.steps };
}

/** One line per system: what it did, or why it failed. No personal data but the input. */
export function reportLines(
  target: EraseTarget,
  report: ErasureReport,
): { tone: 'ok' | 'bad'; text: string }[] {
  return [
    { tone: report.ok ? 'ok' : 'bad', text: `erase ${target.input} (at ${report.erasedAt})` },
    ...report.steps.map((step) => ({
      tone: step.ok ? ('ok' as const) : ('bad' as const),
      text: stepLine(step),
    })),
  ];
}

const plural = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;

export function stepLine(step: ErasureStep): string {
  if (!step.ok) {
    const label = step.system === 'queue' ? `dlq ${step.destination}` : (step.destination ?? step.system);
    return `${label}: FAILED: ${step.error}`;
  }
  switch (step.system) {
    case 'tombstone':
      return `tombstone: added (${plural(step.hashes, 'key hash', 'key hashes')}, no personal data)`;
    case 'ledger':
      return `ledger: ${plural(step.leads, 'lead')}, ${plural(step.events, 'event')} removed`;
    case 'quarantine':
      return `quarantine: ${step.removed} removed`;
    case 'queue':
      return `dlq ${step.destination}: ${plural(step.deadLetters, 'dead letter')}, ${step.queued} queued removed`;
    case 'persons':
      return `persons: ${plural(step.forgotten, 'person')} forgotten`;
    case 'crm': {
      if (step.deleted.length === 0) {
        return `${step.destination}: nothing found to delete${step.method === NOT_RUNNING ? ` (${NOT_RUNNING})` : ''}`;
      }
      const records = step.deleted.map((record) => `${record.type} ${record.id}`).join(', ');
      return `${step.destination}: ${records} ${step.method.startsWith('GDPR') ? `deleted (${step.method})` : step.method}`;
    }
  }
}

function printReport(terminal: Terminal, target: EraseTarget, report: ErasureReport, json: boolean): void {
  if (json) {
    terminal.out(JSON.stringify(reportJson(target, report), null, 2));
    return;
  }
  const paint = terminal.paint ?? ((_tone: string, text: string) => text);
  for (const line of reportLines(target, report)) terminal.out(paint(line.tone, line.text));
}

/** The local data dir (beside a running host: WAL, another connection) or, with --aws, the deployed stack. */
async function openSystems(context: CommandContext, config: LeadpipeConfig): Promise<ErasureSystems> {
  return context.flags.aws ? openAws(context, config) : openLocal(context, config);
}

async function openLocal(context: CommandContext, config: LeadpipeConfig): Promise<ErasureSystems> {
  for (const flag of ['table', 'ledger-table', 'prefix', 'region']) {
    if (context.flags[flag] !== undefined) throw context.usage(`--${flag} only applies with --aws`);
  }
  const [{ openEmbeddedStore }, { readRuntimeInfo }] = await Promise.all([
    import('../../local/embedded-store.ts'),
    import('../../local/runtime-file.ts'),
  ]);
  const { dataDir } = context.settings;
  // The built-in sandboxes live in the running host's memory: reached through its URL, when it runs.
  const host = await readRuntimeInfo(dataDir);
  const crms = await crmErasers(config, context.secrets().resolveSecret, host?.url);
  const store = openEmbeddedStore(config, { dataDir, mustExist: true });
  return {
    targets: {
      tombstones: store.tombstones,
      ledger: store.ledger,
      quarantine: store.quarantine,
      queues: Object.keys(config.destinations).map((name) => store.queues.deliveryQueue(name)),
      persons: store.persons,
      crms,
      phoneRegion: config.settings?.phoneRegion ?? 'US',
    },
    close: () => store.close(),
  };
}

async function openAws(context: CommandContext, config: LeadpipeConfig): Promise<ErasureSystems> {
  const pipelineTable = stringFlag(context, 'table') ?? context.env.LEADPIPE_PIPELINE_TABLE;
  const ledgerTable = stringFlag(context, 'ledger-table') ?? context.env.LEADPIPE_LEDGER_TABLE;
  if (!pipelineTable || !ledgerTable) {
    throw context.usage(
      'erase --aws needs the pipeline table (--table or LEADPIPE_PIPELINE_TABLE: stack output PipelineTableName…) and the ledger table (--ledger-table or LEADPIPE_LEDGER_TABLE: LedgerTableName)',
    );
  }
  const region = stringFlag(context, 'region');
  const prefix = stringFlag(context, 'prefix');
  const [clientsModule, ledgerModule, documents, quarantine, tombstones, persons, secrets, queues] =
    await Promise.all([
      import('../../adapters/aws/clients.ts'),
      import('../../adapters/aws/ledger.ts'),
      import('@aws-sdk/lib-dynamodb'),
      import('../../adapters/aws/quarantine-store.ts'),
      import('../../adapters/aws/tombstones.ts'),
      import('../../adapters/aws/person-directory.ts'),
      import('../../adapters/aws/secrets.ts'),
      import('../queues.ts'),
    ]);
  const clients = clientsModule.createAwsClients({}, region);
  const opened: OpenQueue[] = [];
  try {
    for (const destination of Object.keys(config.destinations)) {
      opened.push(
        await queues.awsDeliveryQueue(destination, {
          ...(prefix ? { prefix } : {}),
          ...(region ? { region } : {}),
        }),
      );
    }
    const awsSecrets = secrets.awsSecretResolver();
    const local = context.secrets().resolveSecret;
    // env: references resolve from this shell, as the other commands do; the rest in Secrets Manager or SSM.
    const resolveSecret: SecretResolver = (ref) => (ref.startsWith('env:') ? local(ref) : awsSecrets(ref));
    return {
      targets: {
        tombstones: tombstones.createDynamoTombstones(clients.dynamodb, pipelineTable),
        ledger: ledgerModule.createDynamoLedger({
          client: documents.DynamoDBDocumentClient.from(clients.dynamodb),
          tableName: ledgerTable,
        }),
        quarantine: quarantine.createQuarantineStore(clients.dynamodb, pipelineTable),
        queues: opened.map((open) => open.queue),
        persons: persons.createDynamoPersonDirectory(clients.dynamodb, pipelineTable),
        crms: await crmErasers(config, resolveSecret, undefined),
        phoneRegion: config.settings?.phoneRegion ?? 'US',
      },
      close: () => {
        for (const open of opened) open.close();
        clientsModule.destroyAwsClients(clients);
      },
    };
  } catch (error) {
    for (const open of opened) open.close();
    clientsModule.destroyAwsClients(clients);
    throw error;
  }
}

/**
 * An eraser per HubSpot and Salesforce destination. A destination on the built-in sandbox goes
 * through the running host's URL; with no host running there is nothing there to erase (the
 * sandbox keeps its records in the host's memory), which the report says.
 */
async function crmErasers(
  config: LeadpipeConfig,
  resolveSecret: SecretResolver,
  hostUrl: string | undefined,
): Promise<Map<string, CrmEraser>> {
  const erasers = new Map<string, CrmEraser>();
  for (const [name, destination] of Object.entries(config.destinations)) {
    if (destination.type !== 'hubspot' && destination.type !== 'salesforce') continue;
    const onSandbox = sandboxUrlField(destination) !== undefined;
    if (onSandbox && hostUrl === undefined) {
      erasers.set(name, notRunning);
      continue;
    }
    const sandboxUrl = onSandbox ? `${hostUrl?.replace(/\/+$/, '')}/sandbox/${destination.type}` : undefined;
    const options = { resolveSecret, ...(sandboxUrl ? { sandboxUrl } : {}) };
    erasers.set(
      name,
      destination.type === 'hubspot'
        ? await (await import('../../adapters/hubspot/erase.ts')).hubspotEraserFor(destination, options)
        : await (await import('../../adapters/salesforce/erase.ts')).salesforceEraserFor(
            name,
            destination,
            options,
          ),
    );
  }
  return erasers;
}

const NOT_RUNNING = 'built-in sandbox and no host running: its records went with the host';
const notRunning: CrmEraser = { method: NOT_RUNNING, erase: async () => [] };
