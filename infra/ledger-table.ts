import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { LEDGER_TABLE } from '../adapters/aws/ledger-table.ts';

export interface LedgerTableProps {
  /** What stack deletion does to the ledger. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The lead ledger's own table, built from the adapter's key design (adapters/aws/ledger-table.ts):
 * on-demand, point-in-time recovery, KMS (AWS managed) encryption, TTL on the ledger's expiry
 * attribute, and every index the console searches by, each projecting the whole item (a search page
 * is answered from the index alone). Its own table, not the idempotency one: its retention is
 * settings.ledger.retentionDays, its indexes serve only the ledger, and the console's role can read
 * it without reading idempotency records or quarantined payloads. No fixed name, like the pipeline
 * table: a retained ledger never blocks the next deploy.
 */
export function ledgerTable(scope: Construct, id: string, props: LedgerTableProps = {}): Table {
  const table = new Table(scope, id, {
    partitionKey: { name: LEDGER_TABLE.partitionKey, type: AttributeType.STRING },
    sortKey: { name: LEDGER_TABLE.sortKey, type: AttributeType.STRING },
    billingMode: BillingMode.PAY_PER_REQUEST,
    timeToLiveAttribute: LEDGER_TABLE.ttl,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    encryption: TableEncryption.AWS_MANAGED,
    removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
  });
  // CloudFormation creates a new table with all of its indexes at once, but adds or removes only one
  // index per update of an existing table: a later change to the key design must go one deploy per index.
  for (const [indexName, keys] of Object.entries(LEDGER_TABLE.indexes)) {
    table.addGlobalSecondaryIndex({
      indexName,
      partitionKey: { name: keys.partitionKey, type: AttributeType.STRING },
      sortKey: { name: keys.sortKey, type: AttributeType.STRING },
      projectionType: ProjectionType.ALL,
    });
  }
  return table;
}

/** Appending to the ledger, on the table only: no reads, no updates, no deletes, nothing on its indexes. */
export function grantLedgerAppend(table: Table, grantee: IGrantable): void {
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({
      actions: ['dynamodb:BatchWriteItem', 'dynamodb:PutItem'],
      resources: [table.tableArn],
    }),
  );
}

/**
 * Reading the ledger: single items and queries, on the table and each of its indexes by name (no
 * `index/*` wildcard); never a scan.
 */
export function grantLedgerRead(table: Table, grantee: IGrantable): void {
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({
      actions: ['dynamodb:GetItem', 'dynamodb:Query'],
      resources: [table.tableArn, ...ledgerIndexNames().map((name) => `${table.tableArn}/index/${name}`)],
    }),
  );
}

/** The ledger's index names, in the key design's order. */
export function ledgerIndexNames(): string[] {
  return Object.keys(LEDGER_TABLE.indexes);
}
