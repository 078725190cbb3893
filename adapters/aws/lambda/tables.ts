import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { createTracer } from '../../../functions/observability/tracing.ts';
import type { LeadLedger } from '../../../functions/ports.ts';
import { createDynamoLedger } from '../ledger.ts';
import { ENVIRONMENT } from './environment.ts';

/** The pipeline table and the ledger a queue-fed function writes, as its environment names them. */
export interface FunctionTables {
  /** One client for both tables; absent when the environment names neither (a test). */
  dynamodb?: DynamoDBClient;
  /** The pipeline table (idempotency, persons, tombstones, …): LEADPIPE_TABLE_NAME. */
  tableName?: string;
  /** The ledger in LEADPIPE_LEDGER_TABLE_NAME, unless one is given; absent: no ledger is written. */
  ledger?: LeadLedger;
}

/**
 * What the construct sets for the deliver and enrichment functions: the pipeline table and the
 * ledger table, each optional so a test can run a function with neither.
 */
export function functionTables(options: {
  environment: Readonly<Record<string, string | undefined>>;
  tracer: ReturnType<typeof createTracer>;
  dynamodb?: DynamoDBClient;
  ledger?: LeadLedger;
  retentionDays?: number;
}): FunctionTables {
  const tableName = options.environment[ENVIRONMENT.tableName];
  const ledgerTableName = options.environment[ENVIRONMENT.ledgerTableName];
  const dynamodb =
    tableName || ledgerTableName
      ? (options.dynamodb ?? options.tracer.captureAWSv3Client(new DynamoDBClient({})))
      : undefined;
  const ledger =
    options.ledger ??
    (dynamodb && ledgerTableName
      ? createDynamoLedger({
          client: DynamoDBDocumentClient.from(dynamodb),
          tableName: ledgerTableName,
          retentionDays: options.retentionDays,
        })
      : undefined);
  return {
    ...(dynamodb ? { dynamodb } : {}),
    ...(tableName ? { tableName } : {}),
    ...(ledger ? { ledger } : {}),
  };
}
