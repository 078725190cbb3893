/**
 * The environment variables the CDK construct sets on each function: the one list both sides
 * read, so a rename cannot drift. Read once, at cold start, and checked: a missing value fails
 * with its name, before any request is handled.
 */
export const ENVIRONMENT = {
  /** The construct's prefix: the metrics' service dimension and the logger's service name. */
  pipeline: 'LEADPIPE_PIPELINE',
  tableName: 'LEADPIPE_TABLE_NAME',
  busName: 'LEADPIPE_BUS_NAME',
  destination: 'LEADPIPE_DESTINATION',
  queueUrl: 'LEADPIPE_QUEUE_URL',
  deadLetterQueueUrl: 'LEADPIPE_DLQ_URL',
  /** The canary source's webhook URL on the deployed API (the canary function posts to it). */
  canaryUrl: 'LEADPIPE_CANARY_URL',
  /** The lead ledger's own table (infra/ledger-table.ts): ingest and deliver append, the console reads. */
  ledgerTableName: 'LEADPIPE_LEDGER_TABLE_NAME',
  /** The console: the API's base URL, which the source catalog's webhook URLs start with. */
  apiUrl: 'LEADPIPE_API_URL',
  /** The console: every destination's queue URLs, as JSON `{ "<name>": { "queueUrl", "deadLetterQueueUrl" } }`. */
  queues: 'LEADPIPE_QUEUES',
} as const;

export type EnvironmentKey = keyof typeof ENVIRONMENT;

/** A function was deployed without a variable it needs: a deployment bug, named precisely. */
export class EnvironmentError extends Error {
  override readonly name = 'EnvironmentError';
  readonly missing: readonly string[];
  constructor(missing: readonly string[]) {
    super(`Missing environment variable(s): ${missing.join(', ')} (set by the LeadPipeline construct)`);
    this.missing = missing;
  }
}

/** Reads the named settings from an environment; every missing one is listed at once. */
export function readEnvironment<K extends EnvironmentKey>(
  keys: readonly K[],
  env: Readonly<Record<string, string | undefined>> = process.env,
): Record<K, string> {
  const values = {} as Record<K, string>;
  const missing: string[] = [];
  for (const key of keys) {
    const value = env[ENVIRONMENT[key]];
    if (value) values[key] = value;
    else missing.push(ENVIRONMENT[key]);
  }
  if (missing.length > 0) throw new EnvironmentError(missing);
  return values;
}
