import { Duration } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { type EventBus, Rule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENVIRONMENT } from '../adapters/aws/lambda/environment.ts';
import { PERSON_ITEM_PREFIX, PERSON_KEY_PREFIX } from '../adapters/aws/person-directory.ts';
import { TOMBSTONE_ITEM_PREFIX } from '../adapters/aws/tombstones.ts';
import { QUEUE_RETENTION_SECONDS, retryPlan } from '../functions/deliver/backoff.ts';
import { referenceRules, referenceSenderOf, stageName } from '../functions/enrich/reference.ts';
import type { ReferenceSender } from '../functions/enrich/types.ts';
import { ENRICH_BATCH_SIZE, stageHorizonSeconds } from '../functions/enrich/wiring.ts';
import type { EventPattern } from '../functions/routing/rules.ts';
import type { LeadpipeConfig } from '../schemas/generated/config.ts';
import { grantLedgerAppend } from './ledger-table.ts';

/** Visibility timeout = 6 x the function's timeout, as AWS advises for an SQS event source. */
const VISIBILITY_TIMEOUT_FACTOR = 6;

export interface EnrichStageProps {
  readonly sender: ReferenceSender;
  /** The config as it runs on AWS (secret references mapped to Secrets Manager / SSM). */
  readonly config: LeadpipeConfig;
  readonly prefix: string;
  readonly bus: EventBus;
  /** The pipeline table: the person directory's `personkey#` and `person#` items only. */
  readonly table: Table;
  readonly ledgerTable: Table;
  /** @default 30 seconds: ten Graph calls of at most 10 s each are not all slow at once; the rest come back. */
  readonly timeout?: Duration;
  /** @default 2, Lambda's smallest SQS maximum concurrency: a Page's rate limit is shared by every call. */
  readonly concurrency?: number;
  /** Builds the function the leadpipe way (the pipeline's `lambda`), with the config it is bundled with. */
  readonly makeFunction: (
    id: string,
    config: LeadpipeConfig,
    options: { timeout: Duration; environment: Record<string, string> },
  ) => NodejsFunction;
  /** Grants read of exactly these secret references. */
  readonly grantSecrets: (fn: NodejsFunction, refs: readonly string[]) => void;
  readonly cdkEventPattern: (pattern: EventPattern) => object;
}

/**
 * What one enrichment stage's function is built with: its sender's sources (their mappings and
 * token references), the settings, and the destinations (routing decisions for the ledger).
 */
export function enrichConfig(config: LeadpipeConfig, sender: ReferenceSender): LeadpipeConfig {
  return {
    ...(config.settings ? { settings: config.settings } : {}),
    sources: Object.fromEntries(
      Object.entries(config.sources).filter(([, source]) => referenceSenderOf(source) === sender),
    ),
    destinations: config.destinations,
  };
}

/**
 * One sender's enrichment stage (enrich:meta): an EventBridge rule for its lead.reference events,
 * an encrypted SQS queue and DLQ, and a function that fetches, maps and publishes lead.received.
 * Least privilege: its own tokens, its own queues (send to the DLQ only), PutEvents on the bus,
 * ledger appends, the person items of the table and reads of its erasure tombstones.
 */
export class EnrichStage extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly function: NodejsFunction;
  readonly rules: Rule[];

  constructor(scope: Construct, id: string, props: EnrichStageProps) {
    super(scope, id);
    const { sender, config } = props;
    const name = stageName(sender);
    const own = enrichConfig(config, sender);
    if (Object.keys(own.sources).length === 0)
      throw new Error(`No source enriches from ${sender}: there is no ${name} stage to build`);
    const timeout = props.timeout ?? Duration.seconds(30);
    const plan = retryPlan({ horizonSeconds: stageHorizonSeconds(config, sender) });
    const queueName = `${props.prefix}-enrich-${sender}`;
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      queueName: `${queueName}-dlq`,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new Queue(this, 'Queue', {
      queueName,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // A reference blocked by an expired token waits here, hidden: retention is how long it can wait.
      retentionPeriod: Duration.seconds(QUEUE_RETENTION_SECONDS),
      visibilityTimeout: Duration.seconds(timeout.toSeconds() * VISIBILITY_TIMEOUT_FACTOR),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: plan.maxReceiveCount },
    });

    this.function = props.makeFunction(`Enrich${sender === 'meta' ? 'Meta' : 'Hubspot'}`, own, {
      timeout,
      environment: {
        [ENVIRONMENT.busName]: props.bus.eventBusName,
        [ENVIRONMENT.destination]: name,
        [ENVIRONMENT.queueUrl]: this.queue.queueUrl,
        [ENVIRONMENT.deadLetterQueueUrl]: this.deadLetterQueue.queueUrl,
        [ENVIRONMENT.tableName]: props.table.tableName,
        [ENVIRONMENT.ledgerTableName]: props.ledgerTable.tableName,
      },
    });
    const fn = this.function;
    fn.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: ENRICH_BATCH_SIZE,
        reportBatchItemFailures: true,
        maxConcurrency: props.concurrency ?? 2,
      }),
    );
    // Dead-lettering with a reason is its only send; never to its own queue (Lambda's recursive loop detection).
    this.deadLetterQueue.grantSendMessages(fn);
    props.bus.grantPutEventsTo(fn);
    grantLedgerAppend(props.ledgerTable, fn);
    // The person directory (adapters/aws/person-directory.ts): single items under its two prefixes.
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        resources: [props.table.tableArn],
        conditions: {
          'ForAllValues:StringLike': {
            'dynamodb:LeadingKeys': [`${PERSON_KEY_PREFIX}*`, `${PERSON_ITEM_PREFIX}*`],
          },
        },
      }),
    );
    // Erasure tombstones (adapters/aws/tombstones.ts): read one by one, so an erased person's reference is dropped.
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:GetItem'],
        resources: [props.table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${TOMBSTONE_ITEM_PREFIX}*`] } },
      }),
    );
    props.grantSecrets(
      fn,
      Object.values(own.sources).flatMap((source) => (source.enrich ? [source.enrich.accessToken] : [])),
    );

    this.rules = referenceRules(config)
      .filter((rule) => rule.destination === name)
      .map(
        (rule) =>
          new Rule(this, 'References', {
            ruleName: `${props.prefix}-${rule.name}`,
            eventBus: props.bus,
            description: `leadpipe: reference-only webhooks for the ${name} stage`,
            eventPattern: props.cdkEventPattern(rule.eventPattern),
            targets: [new SqsQueue(this.queue, { deadLetterQueue: this.deadLetterQueue })],
          }),
      );
  }
}
