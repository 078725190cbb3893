// Every leadpipe command, its arguments, flags and examples: the CLI's own reference. The
// implementations load only when their command runs, so `--help` and a typo answer at once.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { styleText } from 'node:util';
import { Command } from 'commander';
import type { CommandRun, Env } from './context.ts';
import { UsageError } from './errors.ts';
import { CommandLineError, EXIT, EXIT_CODES_HELP, type ExitCode } from './exit-codes.ts';
import { didYouMean } from './suggest.ts';
import type { Terminal } from './terminal.ts';

/** Where the CLI runs: its streams, environment and working directory (a test passes its own). */
export interface CliIo {
  terminal: Terminal;
  /** Where help and commander's own output go. */
  stdout: { write(text: string): void };
  stderr: { write(text: string): void };
  env: Env;
  cwd: string;
  /** Read ./.env into process.env before a command runs (values already set win), as the host does. */
  dotEnv?: boolean;
}

const ENVIRONMENT_HELP = `Environment:
  LEADPIPE_CONFIG         the config file (default ./leadpipe.config.yaml)
  LEADPIPE_DATA_DIR       the local host's data dir (default ./.leadpipe): its database, and
                          runtime.json, where the running host says its URL
  LEADPIPE_URL, PORT      where send posts when no host is found through runtime.json
  LEADPIPE_CONSOLE_TOKEN  the console token for tail (default: <data dir>/console-token)
  LEADPIPE_LEDGER_TABLE   the DynamoDB ledger table for leads --aws (stack output LedgerTableName)
  NO_COLOR, FORCE_COLOR   colours: on for a terminal, off when piped, as these say
  The secrets the config references (env:NAME) come from the environment or ./.env.`;

const AWS_QUEUE_HELP = `With --aws, the deployed queues <prefix>-<destination> and <prefix>-<destination>-dlq are used
(the default AWS credential chain and region) instead of the local data dir.`;

/** Builds the command tree; `exit` receives the code of the command that ran. */
export function createProgram(io: CliIo, exit: (code: ExitCode) => void): Command {
  const program = new Command('leadpipe');
  program
    .description(
      'Signed webhooks in, one clean lead out in HubSpot, Salesforce and Slack.\n' +
        'Works on the local pipeline (npm start) and, with --aws, on a deployed stack.',
    )
    .usage('<command> [options]')
    .version(packageVersion(), '-v, --version', 'Print the version of leadpipe')
    .helpOption('-h, --help', 'Print help for a command, with examples')
    .helpCommand(false)
    .showSuggestionAfterError(true)
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      // failure.ts words commander's errors, with the command's help hint.
      outputError: () => {},
    })
    // Commander takes the colours out again where the output has none.
    .configureHelp({ styleTitle: (title) => styleText('bold', title, { validateStream: false }) })
    .addHelpText('after', `\n${EXIT_CODES_HELP}\n\n${ENVIRONMENT_HELP}`);

  const action = actionFor(io, exit);
  defineSend(program, action);
  defineLeads(program, action);
  defineTail(program, action);
  defineQuarantine(program, action);
  defineDlq(program, action);
  defineErase(program, action);
  defineConfig(program, action);
  defineSetup(program, action);
  defineHelp(program, exit);

  // Every command's refusals carry its own name, so the hint points at the right --help.
  for (const command of allCommands(program)) {
    command.exitOverride((error) => {
      throw new CommandLineError(error.message, {
        code: error.code,
        exitCode: error.exitCode,
        command: commandPath(command),
      });
    });
    // `leadpipe help <command...>` is the one help command, at any depth.
    if (command !== program) command.helpCommand(false);
  }
  return program;
}

/** Wraps a command's implementation, loaded when it runs, as a commander action. */
type Action = (load: () => Promise<CommandRun>) => (this: Command) => Promise<void>;

/** Runs the loaded command with its context and hands its exit code on. */
function actionFor(io: CliIo, exit: (code: ExitCode) => void): Action {
  return (load) =>
    async function (this: Command) {
      const [run, { createContext }, { loadDotEnv }] = await Promise.all([
        load(),
        import('./context.ts'),
        import('../local/settings.ts'),
      ]);
      if (io.dotEnv) loadDotEnv(io.cwd);
      exit(
        await run(
          createContext({
            command: commandPath(this),
            args: this.processedArgs.flat().filter((arg): arg is string => typeof arg === 'string'),
            flags: flagsOf(this),
            env: io.env,
            cwd: io.cwd,
            terminal: io.terminal,
          }),
        ),
      );
    };
}

/** Adds examples below the command's help. */
const examples = (command: Command, lines: string) =>
  command.addHelpText('after', `\nExamples:\n${lines.replace(/^/gm, '  ')}`);

/** `leadpipe send <source> [payload-file]` */
function defineSend(program: Command, action: Action): void {
  examples(
    program
      .command('send')
      .summary('Post a signed test payload to the pipeline')
      .description(
        "Sign a payload with the source's scheme and newest secret and post it to the running " +
          'pipeline (a built-in sample when no file is given).',
      )
      .argument('<source>', 'the source, as named in the config')
      .argument('[payload-file]', 'the body to post (.json, .form or .txt)')
      .option(
        '--url <base>',
        'the pipeline URL (default: LEADPIPE_URL, else the running host from runtime.json, else http://127.0.0.1:$PORT or :3000)',
      )
      .option('--content-type <type>', "the payload's content type (default: from its extension)")
      .action(action(async () => (await import('./commands/send.ts')).runSend)),
    `leadpipe send typeform
leadpipe send demo ./my-form.json
leadpipe send typeform --url http://127.0.0.1:4210`,
  );
}

/** `leadpipe leads list|search|show` */
function defineLeads(program: Command, action: Action): void {
  const leads = program
    .command('leads')
    .summary("Search the ledger; show a lead's timeline")
    .description(
      "Find leads in the ledger and show each one's timeline, locally or, with --aws, in a deployed stack.",
    )
    .usage('<list|search|show> [options]');
  examples(
    leads,
    `leadpipe leads list --since 2026-01-31
leadpipe leads search ada@example.com
leadpipe leads show lead_0123456789abcdef0123456789abcdef`,
  );
  const ledgerOptions = (command: Command) =>
    command
      .option('--aws', 'read the deployed DynamoDB ledger instead of the local data dir')
      .option(
        '--table <name>',
        'the ledger table with --aws: the stack output LedgerTableName (default: LEADPIPE_LEDGER_TABLE)',
      )
      .option('--region <region>', 'the AWS region with --aws (default: from the AWS environment)');
  const filterOptions = (command: Command) =>
    command
      .option('--source <name>', 'only leads from this source')
      .option('--since <time>', 'received at or after (ISO 8601: 2026-01-31 or 2026-01-31T09:00Z)')
      .option('--until <time>', 'received before (ISO 8601)')
      .option('--limit <n>', 'at most n leads, newest first (default 50, at most 200)')
      .option('--cursor <cursor>', 'the next page, as the previous one said')
      .option('--json', 'the page as JSON: {"leads": [...], "next"?: cursor}');
  examples(
    ledgerOptions(
      filterOptions(leads.command('list').description('The newest leads, with where each one stands')),
    ).action(action(async () => (await import('./commands/leads.ts')).runLeadsList)),
    `leadpipe leads list
leadpipe leads list --source typeform --since 2026-01-31 --limit 20
leadpipe leads list --json | jq -r '.leads[].leadId'`,
  );
  examples(
    ledgerOptions(
      filterOptions(
        leads
          .command('search')
          .description('Leads by email, phone, lead id or correlation id')
          .argument('[text]', 'an email, a phone number, a lead id or a correlation id, told apart by shape')
          .option('--email <email>', 'by email (any case)')
          .option('--phone <phone>', "by phone (read in the config's phoneRegion without a country code)")
          .option('--correlation-id <id>', "by the correlation id (the sender's delivery id)"),
      ),
    ).action(action(async () => (await import('./commands/leads.ts')).runLeadsSearch)),
    `leadpipe leads search ada@example.com
leadpipe leads search --phone "+44 20 7946 0958"
leadpipe leads search --correlation-id msg_2Xb9 --json
(exits 1 when nothing matches)`,
  );
  examples(
    ledgerOptions(
      leads
        .command('show')
        .description("A lead's timeline: one line per step, coloured by outcome")
        .argument('<lead-id>', 'the lead id (lead_...)')
        .option('--json', 'the lead and its events as JSON'),
    ).action(action(async () => (await import('./commands/leads.ts')).runLeadsShow)),
    `leadpipe leads show lead_0123456789abcdef0123456789abcdef
leadpipe leads show lead_0123456789abcdef0123456789abcdef --aws --region eu-west-1 --json
(exits 1 when the ledger has no such lead)`,
  );
}

/** `leadpipe tail` */
function defineTail(program: Command, action: Action): void {
  examples(
    program
      .command('tail')
      .summary('Follow the ledger live, one line a step')
      .description(
        "Follow the running host's ledger live: one line per step of every lead, as it happens. " +
          'Reconnects where it left off when the stream drops; Ctrl+C stops it.',
      )
      .option('--json', 'one JSON document per line, per ledger event')
      .action(action(async () => (await import('./commands/tail.ts')).runTail)),
    `leadpipe tail
leadpipe tail --json | jq -c 'select(.kind == "attempt")'
(the host must be running on LEADPIPE_DATA_DIR; it is found through its runtime.json)`,
  );
}

/** `leadpipe quarantine list|show|replay` */
function defineQuarantine(program: Command, action: Action): void {
  const quarantine = program
    .command('quarantine')
    .summary('List, show and replay unmappable payloads')
    .description('Signed payloads that could not be mapped: list, show and replay them.')
    .usage('<list|show|replay> [options]');
  examples(
    quarantine,
    `leadpipe quarantine list
leadpipe quarantine show lead_0123456789abcdef0123456789abcdef --payload
leadpipe quarantine replay --all --source typeform`,
  );
  const quarantineAws = (command: Command) =>
    command
      .option('--aws', 'a deployed stack instead of the local data dir')
      .option('--table <name>', 'with --aws: the pipeline table (stack output PipelineTableName...)')
      .option('--bus <name>', 'with --aws: the event bus (stack output PipelineBusName...)')
      .option('--region <region>', 'with --aws: the AWS region (default: from the AWS environment)');
  examples(
    quarantineAws(
      quarantine
        .command('list')
        .description('Every quarantined payload, oldest first (never the bodies)')
        .option('--source <name>', 'only this source')
        .option('--json', 'the entries as a JSON array'),
    ).action(action(async () => (await import('./commands/quarantine.ts')).runQuarantineList)),
    `leadpipe quarantine list
leadpipe quarantine list --source typeform --json`,
  );
  examples(
    quarantineAws(
      quarantine
        .command('show')
        .description('One quarantined payload')
        .argument('<lead-id>', 'the lead id it was given on arrival')
        .option('--payload', 'also print the body (personal data: your own, shown only when asked for)')
        .option('--json', 'as one JSON document (with --payload, the body in it)'),
    ).action(action(async () => (await import('./commands/quarantine.ts')).runQuarantineShow)),
    `leadpipe quarantine show lead_0123456789abcdef0123456789abcdef
leadpipe quarantine show lead_0123456789abcdef0123456789abcdef --payload
(exits 1 when there is no such entry)`,
  );
  examples(
    quarantineAws(
      quarantine
        .command('replay')
        .summary('Map again with the current config and publish the lead')
        .description(
          'Map again with the current config and publish the lead (signatures are not re-checked: ' +
            'they were verified on arrival)',
        )
        .argument('[lead-ids...]', 'the entries to replay')
        .option('--all', 'every entry (of --source, when given)')
        .option('--source <name>', 'with --all: only this source'),
    ).action(action(async () => (await import('./commands/quarantine.ts')).runQuarantineReplay)),
    `leadpipe quarantine replay lead_0123456789abcdef0123456789abcdef
leadpipe quarantine replay --all --source typeform
(exits 1 when any entry is kept or not found)`,
  );
}

/** `leadpipe dlq list|show|redrive <destination>` */
function defineDlq(program: Command, action: Action): void {
  const dlq = program
    .command('dlq')
    .summary('List, show and redrive dead letters')
    .description("A destination's dead-lettered deliveries: list, show and redrive them.")
    .usage('<list|show|redrive> <destination> [options]')
    .addHelpText('after', `\n${AWS_QUEUE_HELP}`);
  examples(
    dlq,
    `leadpipe dlq list hubspot
leadpipe dlq show hubspot --json
leadpipe dlq redrive hubspot --aws --region eu-west-1`,
  );
  const dlqAws = (command: Command) =>
    command
      .option('--aws', 'the deployed SQS queues instead of the local data dir')
      .option('--prefix <name>', 'with --aws: the queue name prefix (default leadpipe)')
      .option('--region <region>', 'with --aws: the AWS region (default: from the AWS environment)')
      .addHelpText('after', `\n${AWS_QUEUE_HELP}`);
  examples(
    dlqAws(
      dlq
        .command('list')
        .summary("Count and list the destination's dead-lettered messages")
        .description(
          "Count the destination's dead-lettered messages; one line each (lead id, source, attempts, " +
            'failed at, reason; no personal data).',
        )
        .argument('<destination>', 'the destination, as named in the config')
        .option('--limit <n>', 'lines to show (default 50)')
        .option('--json', 'the same fields as JSON, for scripts (still no personal data)'),
    ).action(action(async () => (await import('./commands/dlq.ts')).dlqCommand('list'))),
    `leadpipe dlq list hubspot
leadpipe dlq list hubspot --json`,
  );
  examples(
    dlqAws(
      dlq
        .command('show')
        .description('One dead-lettered message in full detail')
        .argument('<destination>', 'the destination, as named in the config')
        .option('--lead <id>', 'the message of this lead (default: the first one)')
        .option(
          '--with-lead',
          'also print the lead itself (name, email, ...): your own data, shown only when asked for',
        )
        .option('--json', 'as one JSON document'),
    ).action(action(async () => (await import('./commands/dlq.ts')).dlqCommand('show'))),
    `leadpipe dlq show hubspot --lead lead_0123456789abcdef0123456789abcdef
leadpipe dlq show hubspot --json
(exits 1 when there is no such message)`,
  );
  examples(
    dlqAws(
      dlq
        .command('redrive')
        .description("Move messages back to the destination's queue, to be delivered again")
        .argument('<destination>', 'the destination, as named in the config')
        .option('--limit <n>', 'move at most n (default: all)'),
    ).action(action(async () => (await import('./commands/dlq.ts')).dlqCommand('redrive'))),
    `leadpipe dlq redrive hubspot
leadpipe dlq redrive hubspot --aws --region eu-west-1
(exits 1 when any message could not be moved)`,
  );
}

/** `leadpipe erase <email|phone>` */
function defineErase(program: Command, action: Action): void {
  examples(
    program
      .command('erase')
      .summary('Erase a person everywhere (GDPR): ledger, quarantine, queues, CRMs')
      .description(
        'Erase one person, by email or phone: their leads and events in the ledger, quarantined ' +
          'payloads, queued and dead-lettered deliveries, the person directory, their HubSpot contact ' +
          '(GDPR delete) and Salesforce Leads and Contacts; then a tombstone (key hashes only) keeps any ' +
          'older lead of theirs from being delivered, replayed or redriven. A new submission later is a new ' +
          'lead. Each step is reported; one that fails does not stop the others. Safe beside a running host.',
      )
      .argument(
        '<email|phone>',
        "an email address, or a phone number (read in the config's phoneRegion without a country code)",
      )
      .option('--yes', 'do not ask for confirmation (needed when not on a terminal)')
      .option('--json', 'the report as JSON: {"input", "erasedAt", "ok", "steps": [...]}')
      .option('--aws', 'the deployed stack instead of the local data dir')
      .option(
        '--table <name>',
        'with --aws: the pipeline table (stack output PipelineTableName...; default: LEADPIPE_PIPELINE_TABLE)',
      )
      .option(
        '--ledger-table <name>',
        'with --aws: the ledger table (stack output LedgerTableName; default: LEADPIPE_LEDGER_TABLE)',
      )
      .option('--prefix <name>', 'with --aws: the queue name prefix (default leadpipe)')
      .option('--region <region>', 'with --aws: the AWS region (default: from the AWS environment)')
      .action(action(async () => (await import('./commands/erase.ts')).runErase)),
    `leadpipe erase ada@example.com
leadpipe erase "+44 20 7946 0958" --yes --json
leadpipe erase ada@example.com --aws --table <PipelineTableName> --ledger-table <LedgerTableName> --yes
(asks first on a terminal; exits 1 when any step failed; run it again to retry: every step is idempotent)`,
  );
}

/** `leadpipe config check [file]` */
function defineConfig(program: Command, action: Action): void {
  const config = program
    .command('config')
    .summary('Check a config file offline')
    .description('Check a config file offline, with the loader the host uses.')
    .usage('<check> [options]');
  examples(config, 'leadpipe config check\nleadpipe config check ./staging.config.yaml --json');
  examples(
    config
      .command('check')
      .summary('Validate a config offline, as the host loads it')
      .description(
        'Validate a config offline, as the host loads it: every problem, or a summary. Secrets need ' +
          'not be set; the env: references that are not are listed as warnings.',
      )
      .argument('[file]', 'the config file (default: LEADPIPE_CONFIG, else ./leadpipe.config.yaml)')
      .option(
        '--json',
        'the verdict as JSON: {"ok", "file", "version", "sources", "destinations", "problems", "warnings"}',
      )
      .action(action(async () => (await import('./commands/config.ts')).runConfigCheck)),
    `leadpipe config check
leadpipe config check ./staging.config.yaml --json
(exits 1 when the config is invalid, 2 when the file cannot be read)`,
  );
}

/** `leadpipe setup hubspot` */
function defineSetup(program: Command, action: Action): void {
  const setup = program
    .command('setup')
    .summary("Create the properties a CRM needs for leadpipe's writes")
    .description('Create (or check) what a CRM destination needs before leadpipe can write to it.')
    .usage('<hubspot> [options]');
  examples(setup, 'leadpipe setup hubspot\nleadpipe setup hubspot --check');
  examples(
    setup
      .command('hubspot')
      .summary('Create the leadpipe property group and contact properties in HubSpot')
      .description(
        'Create the leadpipe property group and every contact property the HubSpot adapter writes ' +
          '(the person id with unique values) through the CRM properties API, in the portal of the ' +
          "destination's token: its baseUrl, else the running local host's sandbox. Safe to run again.",
      )
      .option(
        '--destination <name>',
        'the HubSpot destination, as named in the config (needed when there are several)',
      )
      .option('--check', 'only check: create nothing, exit 1 when something is missing')
      .action(action(async () => (await import('./commands/setup.ts')).runSetupHubspot)),
    `leadpipe setup hubspot
leadpipe setup hubspot --destination crm --check
(exits 1 when something is missing with --check, or could not be created)`,
  );
}

/** `leadpipe help [command...]`: the one help command, at any depth. */
function defineHelp(program: Command, exit: (code: ExitCode) => void): void {
  program
    .command('help')
    .description('Help for a command (help dlq redrive)')
    .argument('[command...]', 'the command')
    .action((words: string[]) => {
      let target: Command = program;
      for (const word of words) {
        const next = target.commands.find((command) => command.name() === word);
        if (!next) {
          const names = target.commands.map((command) => command.name());
          throw new UsageError(
            `error: unknown command '${word}'${didYouMean(word, names)}`,
            commandPath(target),
          );
        }
        target = next;
      }
      target.outputHelp();
      exit(EXIT.ok);
    });
}

/** Runs one command line; resolves to the exit code, or rejects with what the command threw. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  let code: ExitCode = EXIT.ok;
  const program = createProgram(io, (exitCode) => {
    code = exitCode;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    // --help and --version end the parse through the same path as an error, with exit code 0.
    if (error instanceof CommandLineError && error.exitCode === 0) return EXIT.ok;
    throw error;
  }
  return code;
}

/** `leadpipe dlq list`: the command's name and its parents'. */
export function commandPath(command: Command): string {
  const names: string[] = [];
  for (let current: Command | null = command; current; current = current.parent)
    names.unshift(current.name());
  return names.join(' ');
}

/** The flags as typed (`with-lead`), from commander's values (`withLead`). */
function flagsOf(command: Command): Record<string, string | boolean | undefined> {
  const flags: Record<string, string | boolean | undefined> = {};
  for (const option of command.options) {
    if (!option.long) continue;
    const value: unknown = command.getOptionValue(option.attributeName());
    if (typeof value === 'string' || typeof value === 'boolean') flags[option.long.slice(2)] = value;
  }
  return flags;
}

function* allCommands(command: Command): Generator<Command> {
  yield command;
  for (const sub of command.commands) yield* allCommands(sub);
}

function packageVersion(): string {
  const file = join(import.meta.dirname, '..', 'package.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}
