import { ConfigError } from '../functions/config/errors.ts';
import type { LeadLedger } from '../functions/ports.ts';
import { openEmbeddedStore } from '../local/embedded-store.ts';
import type { LeadpipeConfig } from '../schemas/generated/config.ts';
import type { CommandContext } from './context.ts';
import { CliError } from './errors.ts';
import { note } from './terminal.ts';

/** A ledger to read, wherever it is, and how to let go of it. */
export interface OpenLedger {
  ledger: LeadLedger;
  /** For messages: "the local data dir (…)" or "AWS (eu-west-1, leadpipe-ledger)". */
  where: string;
  /** How phone numbers without a country code are read (settings.phoneRegion). */
  phoneRegion: string | undefined;
  close(): void;
}

/**
 * The local data dir's ledger (its database, read beside a running host), or with --aws the
 * deployed DynamoDB table that --table or LEADPIPE_LEDGER_TABLE names (the stack gives it a generated
 * name, so there is no default to guess).
 */
export async function openLedger(context: CommandContext): Promise<OpenLedger> {
  const { flags } = context;
  if (!flags.aws) {
    if (flags.table !== undefined || flags.region !== undefined)
      throw context.usage('--table and --region only apply with --aws');
    const config = await context.config();
    const store = openEmbeddedStore(config, { dataDir: context.settings.dataDir, mustExist: true });
    return {
      ledger: store.ledger,
      where: `the local data dir (${context.settings.dataDir})`,
      phoneRegion: config.settings?.phoneRegion,
      close: () => store.close(),
    };
  }
  const tableName =
    (typeof flags.table === 'string' ? flags.table : undefined) ?? context.env.LEADPIPE_LEDGER_TABLE;
  if (!tableName) {
    throw context.usage(
      'leads --aws needs the ledger table: --table <name> or LEADPIPE_LEDGER_TABLE, from the stack output LedgerTableName (aws cloudformation describe-stacks --stack-name <stack> --query "Stacks[0].Outputs")',
    );
  }
  const region = typeof flags.region === 'string' ? flags.region : undefined;
  const config = await configIfPresent(context);
  const { ledger, dynamodb } = await dynamoLedger(tableName, region, config);
  const where = `AWS (${region ?? (await dynamodb.config.region().catch(() => 'no region'))}, ${tableName})`;
  return {
    ledger: explainingAwsErrors(ledger, tableName),
    where,
    phoneRegion: config?.settings?.phoneRegion,
    close: () => dynamodb.destroy(),
  };
}

/**
 * For `dlq redrive --aws` and `quarantine replay --aws`: the deployed ledger that
 * LEADPIPE_LEDGER_TABLE names, where they record their `redriven` / `replayed` steps. Without it
 * they still run, and say on stderr that the steps go unrecorded.
 */
export async function deployedLedgerForWrites(
  context: CommandContext,
  region: string | undefined,
): Promise<{ ledger?: LeadLedger; close(): void }> {
  const tableName = context.env.LEADPIPE_LEDGER_TABLE;
  if (!tableName) {
    note(
      context.terminal,
      'Not recorded in the deployed ledger: set LEADPIPE_LEDGER_TABLE to the stack output LedgerTableName to record it.',
    );
    return { close: () => {} };
  }
  const { ledger, dynamodb } = await dynamoLedger(tableName, region, await configIfPresent(context));
  return { ledger, close: () => dynamodb.destroy() };
}

async function dynamoLedger(
  tableName: string,
  region: string | undefined,
  config: LeadpipeConfig | undefined,
) {
  // Loaded here only: the AWS SDK is not needed for the local ledger.
  const [{ DynamoDBClient }, { DynamoDBDocumentClient }, { createDynamoLedger }] = await Promise.all([
    import('@aws-sdk/client-dynamodb'),
    import('@aws-sdk/lib-dynamodb'),
    import('../adapters/aws/ledger.ts'),
  ]);
  const dynamodb = new DynamoDBClient(region ? { region } : {});
  const ledger = createDynamoLedger({
    client: DynamoDBDocumentClient.from(dynamodb),
    tableName,
    ...(config?.settings?.ledger?.retentionDays !== undefined
      ? { retentionDays: config.settings.ledger.retentionDays }
      : {}),
  });
  return { ledger, dynamodb };
}

/** The local config, for its settings, when there is a file; a deployed ledger does not need one. */
async function configIfPresent(context: CommandContext): Promise<LeadpipeConfig | undefined> {
  try {
    return await context.config();
  } catch (error) {
    const unreadable =
      error instanceof ConfigError && (error.cause as NodeJS.ErrnoException)?.code === 'ENOENT';
    if (unreadable) return undefined;
    throw error;
  }
}

const CREDENTIAL_ERRORS = new Set([
  'CredentialsProviderError',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'ExpiredTokenException',
  'AccessDeniedException',
]);

/** The AWS errors a person can fix (no table, no credentials, no region) as sentences; the rest as they are. */
export function explainAwsError(error: unknown, tableName: string): unknown {
  if (!(error instanceof Error)) return error;
  if (error.name === 'ResourceNotFoundException') {
    return new CliError(
      `There is no DynamoDB table ${tableName} (or one of its indexes) in this account and region: check --table (or LEADPIPE_LEDGER_TABLE) and --region.`,
      { cause: error },
    );
  }
  if (CREDENTIAL_ERRORS.has(error.name)) {
    return new CliError(
      `AWS refused to read the ledger table ${tableName} (${error.name}: ${error.message}): check your AWS credentials (AWS_PROFILE, aws sso login).`,
      { cause: error },
    );
  }
  if (/region is missing/i.test(error.message)) {
    return new CliError('No AWS region: give --region, or set AWS_REGION.', { cause: error });
  }
  return error;
}

function explainingAwsErrors(ledger: LeadLedger, tableName: string): LeadLedger {
  const explained =
    <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    (...args: A) =>
      call(...args).catch((error: unknown) => {
        throw explainAwsError(error, tableName);
      });
  return {
    append: explained(ledger.append),
    timeline: explained(ledger.timeline),
    search: explained(ledger.search),
    recent: explained(ledger.recent),
    erase: explained(ledger.erase),
  };
}
