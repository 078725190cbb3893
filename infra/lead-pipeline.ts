import { join } from 'node:path';
import { CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  type CfnStage,
  HttpApi,
  HttpMethod,
  type HttpRoute,
  HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  SingleValueWidget,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { LambdaAction, SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus, Rule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { type IGrantable, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { deliveredItemPrefix } from '../adapters/aws/delivered-store.ts';
import { TABLE_KEY, TABLE_TTL } from '../adapters/aws/idempotency-store.ts';
import { ENVIRONMENT } from '../adapters/aws/lambda/environment.ts';
import { METRIC, METRICS_NAMESPACE } from '../adapters/aws/lambda/metrics.ts';
import { limiterItemPrefix } from '../adapters/aws/rate-limiter.ts';
import { parseSecretRef } from '../adapters/aws/secrets.ts';
import { TOMBSTONE_ITEM_PREFIX } from '../adapters/aws/tombstones.ts';
import { HUBSPOT_BATCH_LIMIT } from '../adapters/hubspot/limits.ts';
import { SALESFORCE_BATCH_LIMIT } from '../adapters/salesforce/limits.ts';
import { SLACK_MAX_BATCH_SIZE } from '../adapters/slack/limits.ts';
import { newestSigningSecretRef } from '../functions/canary/canary.ts';
import { ackToCrmObjectiveSeconds, canaryChecks, canarySchedule } from '../functions/canary/settings.ts';
import { ConfigError } from '../functions/config/errors.ts';
import { QUEUE_RETENTION_SECONDS, retryPlan } from '../functions/deliver/backoff.ts';
import { enrichedSenders, stageName } from '../functions/enrich/reference.ts';
import { DEFAULT_RATE_LIMIT, type RateLimit, sourceRateLimits } from '../functions/ingest/throttle.ts';
import { type EventPattern, opsTopicRules, routingRules } from '../functions/routing/rules.ts';
import type { DestinationConfig, LeadpipeConfig } from '../schemas/generated/config.ts';
import { AlarmTopic } from './alarm-topic.ts';
import { awsChecks } from './aws-config.ts';
import {
  bundleSettings,
  deliverFunctionKind,
  ENTRIES,
  type FunctionKind,
  opsPageCommandHooks,
  PROJECT_ROOT,
} from './bundling.ts';
import { Canary, canaryFunctionConfig } from './canary.ts';
import { EnrichStage } from './enrich-stage.ts';
import { EventSchemas } from './event-schemas.ts';
import { functionAlarms } from './function-alarms.ts';
import { deliverConfig, ingestConfig } from './function-config.ts';
import { grantLedgerAppend, ledgerTable } from './ledger-table.ts';
import { consoleEnvironment, OpsConsole } from './ops-console.ts';
import {
  DEFAULT_ENV_SECRET_PREFIX,
  destinationSecretRefs,
  sourceSecretRefs,
  withAwsSecretRefs,
} from './secret-refs.ts';
import { ackToCrmSloAlarm } from './slo.ts';

/** Vendor per-call limits: the most leads one SQS batch hands a deliver function. */
export const VENDOR_BATCH_SIZE: Readonly<Record<DestinationConfig['type'], number>> = {
  hubspot: HUBSPOT_BATCH_LIMIT,
  salesforce: SALESFORCE_BATCH_LIMIT,
  slack: SLACK_MAX_BATCH_SIZE,
};

/** An SQS queue's visibility timeout must cover a batch being retried by Lambda: AWS advises 6 x the timeout. */
export const VISIBILITY_TIMEOUT_FACTOR = 6;
/** Lambda's smallest allowed SQS maximum concurrency. */
const MIN_MAX_CONCURRENCY = 2;

export interface LeadPipelineProps {
  /** A checked config (readAwsConfig). The construct checks the AWS-only rules again and fails with every problem. */
  readonly config: LeadpipeConfig;
  /** The config file's path, named in error messages. @default 'leadpipe config' */
  readonly configFile?: string;
  /** Prefix of queue, bus, rule, alarm and dashboard names (the table's is generated). @default 'leadpipe' */
  readonly prefix?: string;
  /** `env:NAME` references mean the Secrets Manager secret `<envSecretPrefix>NAME`. @default 'leadpipe/' */
  readonly envSecretPrefix?: string;
  /** Timeout of each deliver function; its queue's visibility timeout is 6 x this. @default 30 seconds */
  readonly deliverTimeout?: Duration;
  /** Most concurrent deliver invocations per destination: the rate guard. @default 2 for every destination */
  readonly deliverConcurrency?: Readonly<Record<string, number>>;
  /** Retention of every function's and the API's logs. @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** Age of the oldest queued lead that raises an alarm. @default 1 hour */
  readonly oldestMessageAlarmAge?: Duration;
  /** Share of ingest requests answered 5xx (percent, over 5 minutes) that raises an alarm. @default 5 */
  readonly ingestErrorRateAlarmPercent?: number;
  /** What happens to the tables (the pipeline's and the ledger's) when the stack is deleted. @default RemovalPolicy.RETAIN */
  readonly tableRemovalPolicy?: RemovalPolicy;
  /** Memory of the ingest and deliver functions (more memory is more CPU: faster cold starts). @default 512 */
  readonly memorySize?: number;
}

export interface DestinationResources {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly function: NodejsFunction;
  readonly rules: Rule[];
}

/**
 * The whole leadpipe pipeline, driven by one config: HTTP API → ingest → EventBridge → one queue,
 * DLQ and deliver function per destination, with alarms forwarded to the ops Slack channel and a
 * dashboard. Secrets stay in Secrets Manager / SSM, read by name; each function may read only
 * the secrets, table, bus and queues it uses.
 */
export class LeadPipeline extends Construct {
  readonly api: HttpApi;
  readonly table: Table;
  /** The lead ledger's own table (infra/ledger-table.ts): every lead's timeline, for the console. */
  readonly ledgerTable: Table;
  readonly bus: EventBus;
  readonly ingestFunction: NodejsFunction;
  readonly alarmFunction?: NodejsFunction;
  /** The SNS topic every alarm notifies (when settings.alerts is set): it does not depend on Slack. */
  readonly alarmTopic?: AlarmTopic;
  /** The scheduled synthetic lead and its alarms (when settings.canary is set and enabled). */
  readonly canary?: Canary;
  readonly canaryFunction?: NodejsFunction;
  /** The ops console's routes, authorizer and grants (when settings.console.jwt is set). */
  readonly console?: OpsConsole;
  readonly consoleFunction?: NodejsFunction;
  readonly destinations: Readonly<Record<string, DestinationResources>>;
  /** The enrichment stages (infra/enrich-stage.ts), by name: enrich:meta, enrich:hubspot. */
  readonly enrichStages: Readonly<Record<string, EnrichStage>>;
  readonly alarms: Alarm[] = [];
  readonly dashboard: Dashboard;
  /** The URL each source's sender posts to. */
  readonly webhookUrls: Readonly<Record<string, string>>;

  private readonly prefix: string;
  private readonly logRetention: RetentionDays;
  private readonly memorySize: number;

  constructor(scope: Construct, id: string, props: LeadPipelineProps) {
    super(scope, id);
    // Validate first, build second: a bad config fails synth with every problem listed.
    const problems = [...awsChecks(props.config), ...canaryChecks(props.config), ...checkProps(props)];
    if (problems.length > 0) throw new ConfigError(props.configFile ?? 'leadpipe config', problems);

    const config = withAwsSecretRefs(props.config, props.envSecretPrefix ?? DEFAULT_ENV_SECRET_PREFIX);
    this.prefix = props.prefix ?? 'leadpipe';
    this.logRetention = props.logRetention ?? RetentionDays.ONE_MONTH;
    this.memorySize = props.memorySize ?? 512;
    const deliverTimeout = props.deliverTimeout ?? Duration.seconds(30);

    // No fixed name: CloudFormation names it, so a stack destroyed with its table retained deploys
    // again (a new table; the old one keeps its quarantined payloads). The name is the TableName output.
    this.table = new Table(this, 'Table', {
      partitionKey: { name: TABLE_KEY, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: TABLE_TTL,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.AWS_MANAGED,
      removalPolicy: props.tableRemovalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.ledgerTable = ledgerTable(this, 'LedgerTable', {
      removalPolicy: props.tableRemovalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.bus = new EventBus(this, 'Bus', { eventBusName: `${this.prefix}-bus` });
    new EventSchemas(this, 'EventSchemas', { prefix: this.prefix });

    this.ingestFunction = this.lambda('Ingest', 'ingest', ingestConfig(config), {
      timeout: Duration.seconds(10),
      environment: {
        [ENVIRONMENT.tableName]: this.table.tableName,
        [ENVIRONMENT.busName]: this.bus.eventBusName,
        [ENVIRONMENT.ledgerTableName]: this.ledgerTable.tableName,
      },
    });
    // Idempotency records, quarantined payloads and person identity (personkey#, person#): single items, never scans or batches.
    this.table.grant(
      this.ingestFunction,
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
    );
    this.bus.grantPutEventsTo(this.ingestFunction);
    // Received, mapped or quarantined, routed: appended, never read back.
    grantLedgerAppend(this.ledgerTable, this.ingestFunction);
    this.grantSecrets(
      this.ingestFunction,
      Object.values(config.sources).flatMap((source) => sourceSecretRefs(source)),
    );

    const accessLogs = new LogGroup(this, 'ApiAccessLogs', {
      retention: this.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.api = new HttpApi(this, 'Api', {
      apiName: `${this.prefix}-webhooks`,
      description: 'leadpipe: signed webhooks in, leads out',
      createDefaultStage: false,
    });
    const defaultLimit = config.settings?.rateLimitPerSource ?? DEFAULT_RATE_LIMIT;
    const stage = new HttpStage(this, 'Stage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      // Each webhook route has its own limit (below); this is the limit of any route added later.
      throttle: { rateLimit: defaultLimit.ratePerSecond, burstLimit: defaultLimit.burst },
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            time: '$context.requestTime',
            routeKey: '$context.routeKey',
            path: '$context.path',
            status: '$context.status',
            responseLength: '$context.responseLength',
            latencyMs: '$context.responseLatency',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });
    // One route per source, so API Gateway can hold each source to its own limit (a single
    // `/webhooks/{source}` route would share one limit among all sources).
    const integration = new HttpLambdaIntegration('Ingest', this.ingestFunction);
    const webhooks = webhookRoutes(config);
    const routes = webhooks.flatMap(({ method, path }) =>
      this.api.addRoutes({ path, methods: [method], integration }),
    );
    throttleRoutes(stage, webhooks, routes);
    for (const route of routes) {
      NagSuppressions.addResourceSuppressions(route, [
        {
          id: 'AwsSolutions-APIG4',
          reason:
            'Webhook senders cannot use IAM, Cognito or JWT authorizers; every request is authenticated by its signature over the raw body, in the ingest function, before anything is stored.',
        },
      ]);
    }
    const apiUrl = stage.url.replace(/\/$/, '');
    this.webhookUrls = Object.fromEntries(
      Object.keys(config.sources).map((source) => [source, `${apiUrl}/webhooks/${source}`]),
    );

    const alerts = config.settings?.alerts;
    const rules = routingRules(config);
    const destinations: Record<string, DestinationResources> = {};
    for (const [name, destination] of Object.entries(config.destinations)) {
      destinations[name] = this.destination(name, destination, config, {
        timeout: deliverTimeout,
        concurrency: props.deliverConcurrency?.[name] ?? MIN_MAX_CONCURRENCY,
        rules: rules.filter((rule) => rule.destination === name),
        takesAlerts: alerts?.destination === name,
      });
    }
    this.destinations = destinations;
    // Reference-only webhooks (Meta leadgen, HubSpot contact.creation) are fetched by a stage per sender.
    this.enrichStages = Object.fromEntries(
      enrichedSenders(config).map((sender) => [
        stageName(sender),
        new EnrichStage(this, `EnrichStage${logicalName(sender)}`, {
          sender,
          config,
          prefix: this.prefix,
          bus: this.bus,
          table: this.table,
          ledgerTable: this.ledgerTable,
          makeFunction: (id, stageConfig, options) => this.lambda(id, 'enrich', stageConfig, options),
          grantSecrets: (fn, refs) => this.grantSecrets(fn, refs),
          cdkEventPattern,
        }),
      ]),
    );

    if (alerts) {
      // Alarms, and alerts about the alerts destination itself, reach people without that destination.
      this.alarmTopic = new AlarmTopic(this, 'AlarmTopic', {
        prefix: this.prefix,
        notify: alerts.notify ?? [],
        bus: this.bus,
        rules: opsTopicRules(config).map((rule) => ({
          ...rule,
          eventPattern: cdkEventPattern(rule.eventPattern),
        })),
        envSecretPrefix: props.envSecretPrefix ?? DEFAULT_ENV_SECRET_PREFIX,
      });
      this.alarmFunction = this.lambda(
        'Alarm',
        'alarm',
        undefined,
        {
          timeout: Duration.seconds(10),
          environment: { [ENVIRONMENT.busName]: this.bus.eventBusName },
        },
        256,
      );
      this.bus.grantPutEventsTo(this.alarmFunction);
    }
    const schedule = canarySchedule(config);
    if (schedule) {
      // Posts to the API's own URL for its source, signed with that source's newest secret: the one it may read.
      this.canaryFunction = this.lambda(
        'Canary',
        'canary',
        canaryFunctionConfig(config, schedule.source),
        {
          timeout: Duration.seconds(30),
          environment: { [ENVIRONMENT.canaryUrl]: this.webhookUrls[schedule.source] ?? '' },
        },
        256,
      );
      const newest = newestSigningSecretRef(config.sources[schedule.source]?.verify ?? { scheme: 'none' });
      this.grantSecrets(this.canaryFunction, newest ? [newest] : []);
      this.canary = new Canary(this, 'CanarySchedule', {
        prefix: this.prefix,
        function: this.canaryFunction,
        schedule,
        bus: this.bus,
        destinations: Object.fromEntries(
          Object.entries(this.destinations).map(([name, resources]) => [
            name,
            {
              queue: resources.queue,
              deadLetterQueue: resources.deadLetterQueue,
              filtered: config.destinations[name]?.filter !== undefined,
            },
          ]),
        ),
        logicalName,
      });
    }
    const jwt = config.settings?.console?.jwt;
    if (jwt) {
      const resources = {
        apiUrl,
        table: this.table,
        ledger: this.ledgerTable,
        bus: this.bus,
        destinations: this.destinations,
      };
      // The whole config: the catalog lists every source and destination, and a replay maps with the
      // sources' current mappings. It holds secret references only, and the function may read no secret.
      this.consoleFunction = this.lambda(
        'Console',
        'console',
        config,
        // API Gateway waits at most 30 s for an integration: a redrive stops short of that.
        { timeout: Duration.seconds(29), environment: consoleEnvironment(this, resources) },
        256,
      );
      this.console = new OpsConsole(this, 'OpsConsole', {
        ...resources,
        api: this.api,
        function: this.consoleFunction,
        jwt,
      });
    }
    this.addAlarms(stage, props);
    this.dashboard = this.addDashboard(stage);
    this.addOutputs(apiUrl);
  }

  /** One function, built the leadpipe way: ESM, arm64, Node 24, source maps, its own role and log group. */
  private lambda(
    id: string,
    kind: FunctionKind,
    config: LeadpipeConfig | undefined,
    options: { timeout: Duration; environment: Record<string, string> },
    memorySize = this.memorySize,
  ): NodejsFunction {
    const logGroup = new LogGroup(this, `${id}Logs`, {
      retention: this.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // No managed policy: the function may write its own logs and nothing else until granted.
    const role = new Role(this, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `leadpipe ${id} function`,
    });
    logGroup.grantWrite(role);
    // Active tracing adds xray:PutTraceSegments and xray:PutTelemetryRecords on "*" to this policy:
    // X-Ray's write actions take no resource. test/infra/iam.test.ts proves nothing else is on "*".
    NagSuppressions.addResourceSuppressions(
      role,
      [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'X-Ray trace writes (xray:PutTraceSegments, xray:PutTelemetryRecords) support no resource-level permissions; nothing else is granted on "*".',
          appliesTo: ['Resource::*'],
        },
      ],
      true,
    );
    const settings = bundleSettings(config ?? { sources: {}, destinations: {} });
    return new NodejsFunction(this, id, {
      entry: join(PROJECT_ROOT, ENTRIES[kind]),
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      handler: 'handler',
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize,
      timeout: options.timeout,
      role,
      logGroup,
      // X-Ray: Lambda starts the trace (or continues the caller's X-Amzn-Trace-Id) and CDK grants the
      // role xray:PutTraceSegments/PutTelemetryRecords; the Powertools tracer adds the SDK calls.
      tracing: Tracing.ACTIVE,
      environment: {
        [ENVIRONMENT.pipeline]: this.prefix,
        // Stack traces point into the TypeScript sources, not the minified bundle.
        NODE_OPTIONS: '--enable-source-maps',
        ...options.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: settings.target,
        minify: settings.minify,
        sourceMap: settings.sourcemap,
        sourcesContent: settings.sourcesContent,
        mainFields: settings.mainFields,
        banner: settings.banner,
        externalModules: settings.external,
        define: settings.define,
        // The console serves its page's files from its bundle.
        ...(kind === 'console' ? { commandHooks: opsPageCommandHooks() } : {}),
      },
    });
  }

  private destination(
    name: string,
    destination: DestinationConfig,
    config: LeadpipeConfig,
    options: {
      timeout: Duration;
      concurrency: number;
      rules: ReturnType<typeof routingRules>;
      takesAlerts: boolean;
    },
  ): DestinationResources {
    const id = logicalName(name);
    const plan = retryPlan({ horizonSeconds: destination.delivery?.retryHorizonSeconds });
    const deadLetterQueue = new Queue(this, `${id}DeadLetterQueue`, {
      queueName: `${this.prefix}-${name}-dlq`,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    const queue = new Queue(this, `${id}Queue`, {
      queueName: `${this.prefix}-${name}`,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // SQS's maximum, twice the longest retry horizon: a lead blocked by refused credentials waits
      // on this queue (hidden, not copied), so retention is how long it can wait.
      retentionPeriod: Duration.seconds(QUEUE_RETENTION_SECONDS),
      visibilityTimeout: Duration.seconds(options.timeout.toSeconds() * VISIBILITY_TIMEOUT_FACTOR),
      // The deliver function dead-letters a lead itself, with its reason, once its retry horizon is
      // spent; the redrive policy is only the backstop for a function that keeps crashing, set above
      // every receive the horizon and the blocked waits allow (retryPlan).
      deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: plan.maxReceiveCount },
    });

    // The vendor's own entry: the bundle holds its SDK only.
    const kind = deliverFunctionKind(destination.type);
    const fn = this.lambda(`Deliver${id}`, kind, deliverConfig(config, name), {
      timeout: options.timeout,
      environment: {
        [ENVIRONMENT.busName]: this.bus.eventBusName,
        [ENVIRONMENT.destination]: name,
        [ENVIRONMENT.queueUrl]: queue.queueUrl,
        [ENVIRONMENT.deadLetterQueueUrl]: deadLetterQueue.queueUrl,
        // The vendor's rate limit, shared by every concurrent invocation; and Slack records what it
        // posted, so a redelivered batch never shows people a lead twice.
        [ENVIRONMENT.tableName]: this.table.tableName,
        [ENVIRONMENT.ledgerTableName]: this.ledgerTable.tableName,
      },
    });
    this.grantRateLimiter(fn, destination.type);
    // Erasure tombstones: read one by one, to drop an erased person's older leads.
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:GetItem'],
        resources: [this.table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${TOMBSTONE_ITEM_PREFIX}*`] } },
      }),
    );
    // Each attempt and dead letter: appended, never read back.
    grantLedgerAppend(this.ledgerTable, fn);
    if (destination.type === 'slack') this.grantDeliveredRecords(fn, name);
    const vendorLimit = VENDOR_BATCH_SIZE[destination.type];
    const window = destination.delivery?.batchWindowSeconds ?? 1;
    // More than 10 records per batch needs a batching window (an SQS event source rule).
    const batchSize = Math.min(
      destination.delivery?.batchSize ?? vendorLimit,
      vendorLimit,
      window > 0 ? 10_000 : 10,
    );
    fn.addEventSource(
      new SqsEventSource(queue, {
        batchSize,
        ...(window > 0 ? { maxBatchingWindow: Duration.seconds(window) } : {}),
        reportBatchItemFailures: true,
        maxConcurrency: options.concurrency,
      }),
    );
    // Dead-lettering with a reason is the function's only send. It may not send to its own queue:
    // that is the loop Lambda's recursive loop detection stops (infra/README.md, "Retries").
    deadLetterQueue.grantSendMessages(fn);
    this.bus.grantPutEventsTo(fn);
    this.grantSecrets(fn, destinationSecretRefs(destination));

    const rules = options.rules.map(
      (rule) =>
        new Rule(this, `${id}Rule${logicalName(rule.name)}`, {
          ruleName: `${this.prefix}-${rule.name}`,
          eventBus: this.bus,
          description: `leadpipe: ${rule.name.endsWith('-alerts') ? 'ops alerts' : 'leads'} for ${name}`,
          eventPattern: cdkEventPattern(rule.eventPattern),
          // Events EventBridge cannot put on the queue land in the DLQ, where `leadpipe dlq` finds them.
          targets: [new SqsQueue(queue, { deadLetterQueue })],
        }),
    );
    return { queue, deadLetterQueue, function: fn, rules };
  }

  /**
   * Read and write of this destination's own `delivered#<name>#` items only (DynamoDB's
   * leading-keys condition): it can neither read the idempotency records and quarantined payloads
   * nor another destination's records.
   */
  private grantDeliveredRecords(fn: NodejsFunction, destination: string): void {
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem'],
        resources: [this.table.tableArn],
        conditions: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${deliveredItemPrefix(destination)}*`] },
        },
      }),
    );
  }

  /**
   * Single-item reads and conditional updates of this vendor's `limiter#<vendor>#` items only
   * (the shared rate limiter, adapters/aws/rate-limiter.ts): nothing else in the table.
   */
  private grantRateLimiter(fn: NodejsFunction, vendor: DestinationConfig['type']): void {
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        resources: [this.table.tableArn],
        conditions: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${limiterItemPrefix(vendor)}*`] },
        },
      }),
    );
  }

  /** Read access to exactly the secrets and parameters these references name. */
  private grantSecrets(grantee: NodejsFunction, refs: readonly string[]): void {
    const seen = new Set<string>();
    for (const ref of refs) {
      const parsed = parseSecretRef(ref);
      const key = `${parsed.store}:${parsed.name}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (parsed.store === 'secretsmanager') {
        Secret.fromSecretNameV2(grantee, `Secret${seen.size}`, parsed.name).grantRead(grantee);
      } else if (parsed.store === 'ssm') {
        grantParameter(grantee, parsed.name);
      }
    }
  }

  private addAlarms(stage: HttpStage, props: LeadPipelineProps): void {
    // The alarm function posts to the ops Slack channel; the topic reaches people when that channel cannot.
    const actions = [
      ...(this.alarmFunction ? [new LambdaAction(this.alarmFunction, { useUniquePermissionId: true })] : []),
      ...(this.alarmTopic ? [new SnsAction(this.alarmTopic.topic)] : []),
    ];
    const add = (alarm: Alarm) => {
      alarm.addAlarmAction(...actions);
      alarm.addOkAction(...actions);
      this.alarms.push(alarm);
    };
    // The enrichment stages' queues (enrich-meta) are watched like the destinations'.
    const queued: [string, { queue: Queue; deadLetterQueue: Queue }][] = [
      ...Object.entries(this.destinations),
      ...Object.entries(this.enrichStages).map(([name, stage]): [string, EnrichStage] => [
        name.replace(':', '-'),
        stage,
      ]),
    ];
    for (const [name, resources] of queued) {
      const id = logicalName(name);
      add(
        new Alarm(this, `${id}DeadLettersAlarm`, {
          alarmName: `${this.prefix}-${name}-dlq-not-empty`,
          alarmDescription: `Leads for ${name} are in its dead-letter queue: fix the cause, then redrive.`,
          metric: resources.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
            period: Duration.minutes(1),
            statistic: 'Maximum',
          }),
          threshold: 0,
          comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
      const age = props.oldestMessageAlarmAge ?? Duration.hours(1);
      add(
        new Alarm(this, `${id}OldestLeadAlarm`, {
          alarmName: `${this.prefix}-${name}-oldest-lead`,
          alarmDescription: `A lead for ${name} has waited more than ${age.toHumanString()}: the destination is failing or too slow.`,
          metric: resources.queue.metricApproximateAgeOfOldestMessage({
            period: Duration.minutes(5),
            statistic: 'Maximum',
          }),
          threshold: age.toSeconds(),
          comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
    }
    // Every function's own Errors and Throttles; a deliver function's Duration near its timeout too.
    for (const alarm of functionAlarms(this, this.prefix, this.alarmedFunctions())) add(alarm);
    // Per destination: a canary that did not arrive, and the ack→CRM p95 objective.
    for (const alarm of this.canary?.alarms ?? []) add(alarm);
    const objectiveSeconds = ackToCrmObjectiveSeconds(props.config);
    for (const name of Object.keys(this.destinations)) {
      add(
        ackToCrmSloAlarm(this, `${logicalName(name)}AckToCrmSloAlarm`, {
          prefix: this.prefix,
          destination: name,
          objectiveSeconds,
        }),
      );
    }
    const period = Duration.minutes(5);
    const threshold = props.ingestErrorRateAlarmPercent ?? 5;
    add(
      new Alarm(this, 'IngestErrorRateAlarm', {
        alarmName: `${this.prefix}-ingest-5xx-rate`,
        alarmDescription: `More than ${threshold}% of webhooks were answered 5xx: senders are retrying, and will give up.`,
        metric: new MathExpression({
          expression: 'IF(requests > 0, 100 * errors / requests, 0)',
          usingMetrics: {
            errors: stage.metricServerError({ period, statistic: 'Sum' }),
            requests: stage.metricCount({ period, statistic: 'SampleCount' }),
          },
          period,
          label: 'ingest 5xx %',
        }),
        threshold,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );
  }

  /** The functions functionAlarms watches: ingest, each destination's deliver, each enrichment stage's, alarm and canary. */
  private alarmedFunctions() {
    return [
      { name: 'ingest', id: 'IngestFunction', fn: this.ingestFunction },
      ...Object.entries(this.destinations).map(([name, resources]) => ({
        name: `deliver-${name}`,
        id: `Deliver${logicalName(name)}Function`,
        fn: resources.function,
        ...(resources.function.timeout ? { timeout: resources.function.timeout } : {}),
      })),
      ...Object.entries(this.enrichStages).map(([name, stage]) => ({
        name: name.replace(':', '-'),
        id: `${logicalName(name)}Function`,
        fn: stage.function,
        ...(stage.function.timeout ? { timeout: stage.function.timeout } : {}),
      })),
      ...(this.alarmFunction ? [{ name: 'alarm', id: 'AlarmFunction', fn: this.alarmFunction }] : []),
      ...(this.canaryFunction ? [{ name: 'canary', id: 'CanaryFunction', fn: this.canaryFunction }] : []),
      ...(this.consoleFunction ? [{ name: 'console', id: 'ConsoleFunction', fn: this.consoleFunction }] : []),
    ];
  }

  private addDashboard(stage: HttpStage): Dashboard {
    const metric = (metricName: string, dimensions: Record<string, string> = {}) =>
      new Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service: this.prefix, ...dimensions },
        statistic: 'Sum',
        period: Duration.minutes(5),
      });
    const dashboard = new Dashboard(this, 'Dashboard', { dashboardName: `${this.prefix}-pipeline` });
    dashboard.addWidgets(
      new TextWidget({
        markdown: `# leadpipe (${this.prefix})\nWebhooks in, leads out. Alarms post to the ops Slack channel; see infra/README.md, "Watching it".`,
        width: 24,
        height: 2,
      }),
    );
    dashboard.addWidgets(
      new GraphWidget({
        title: 'Webhooks (API Gateway)',
        left: [
          stage.metricCount({ statistic: 'SampleCount', label: 'requests' }),
          stage.metricClientError({ statistic: 'Sum', label: '4xx' }),
          stage.metricServerError({ statistic: 'Sum', label: '5xx' }),
        ],
        width: 12,
      }),
      new GraphWidget({
        title: 'Ingest',
        left: [
          metric(METRIC.leadsReceived),
          metric(METRIC.duplicates),
          metric(METRIC.quarantined),
          metric(METRIC.rejectedSignatures),
        ],
        width: 12,
      }),
    );
    for (const [name, resources] of Object.entries(this.destinations)) {
      dashboard.addWidgets(
        new GraphWidget({
          title: `${name}: deliveries`,
          left: [
            metric(METRIC.delivered, { destination: name }),
            metric(METRIC.retried, { destination: name }),
            metric(METRIC.deadLettered, { destination: name }),
            metric(METRIC.blocked, { destination: name }),
          ],
          width: 12,
        }),
        new GraphWidget({
          title: `${name}: queue`,
          left: [
            resources.queue.metricApproximateNumberOfMessagesVisible({ label: 'queued' }),
            resources.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ label: 'dead-lettered' }),
          ],
          right: [resources.queue.metricApproximateAgeOfOldestMessage({ label: 'oldest (s)' })],
          width: 8,
        }),
        new SingleValueWidget({
          title: `${name}: errors`,
          metrics: [resources.function.metricErrors(), resources.function.metricThrottles()],
          width: 4,
        }),
      );
    }
    return dashboard;
  }

  private addOutputs(apiUrl: string): void {
    new CfnOutput(this, 'ApiUrl', { value: apiUrl, description: 'Base URL of the webhook API' });
    for (const [source, url] of Object.entries(this.webhookUrls)) {
      new CfnOutput(this, `WebhookUrl${logicalName(source)}`, {
        value: url,
        description: `Webhook URL for source "${source}": paste it into the sender`,
      });
    }
    new CfnOutput(this, 'TableName', { value: this.table.tableName });
    new CfnOutput(this, 'LedgerTableName', { value: this.ledgerTable.tableName });
    new CfnOutput(this, 'BusName', { value: this.bus.eventBusName });
    for (const [name, resources] of Object.entries(this.destinations)) {
      new CfnOutput(this, `QueueUrl${logicalName(name)}`, { value: resources.queue.queueUrl });
      new CfnOutput(this, `DeadLetterQueueUrl${logicalName(name)}`, {
        value: resources.deadLetterQueue.queueUrl,
      });
    }
    const region = Stack.of(this).region;
    new CfnOutput(this, 'DashboardUrl', {
      value: `https://console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards:name=${this.dashboard.dashboardName}`,
    });
  }
}

/** The routing module's pattern, in the CDK's spelling; the synthesized JSON is the very same pattern. */
export function cdkEventPattern(pattern: EventPattern) {
  const { source, 'detail-type': detailType, detail, ...rest } = pattern;
  if (Object.keys(rest).length > 0) {
    throw new Error(`Unexpected event pattern keys from routingRules: ${Object.keys(rest).join(', ')}`);
  }
  return {
    ...(source ? { source: source as string[] } : {}),
    ...(detailType ? { detailType: detailType as string[] } : {}),
    ...(detail ? { detail: detail as Record<string, unknown> } : {}),
  };
}

/** How often Meta's GET handshake may come: once per subscription, so a tight limit of its own. */
export const HANDSHAKE_RATE_LIMIT: Readonly<RateLimit> = { ratePerSecond: 1, burst: 5 };

export interface WebhookRoute {
  readonly source: string;
  readonly method: HttpMethod;
  readonly path: string;
  /** API Gateway's throttling of this route: a token bucket of its own. */
  readonly limit: RateLimit;
}

/**
 * The API's routes: `POST /webhooks/<name>` for every source, at the source's own limit (the one
 * the ingest process applies too), and `GET` for Meta's handshake at HANDSHAKE_RATE_LIMIT.
 */
export function webhookRoutes(config: LeadpipeConfig): WebhookRoute[] {
  return Object.entries(sourceRateLimits(config)).flatMap(([source, limit]) => {
    const path = `/webhooks/${source}`;
    const post: WebhookRoute = { source, method: HttpMethod.POST, path, limit };
    if (config.sources[source]?.verify.scheme !== 'meta') return [post];
    return [post, { source, method: HttpMethod.GET, path, limit: HANDSHAKE_RATE_LIMIT }];
  });
}

/** Per-route throttling on the stage (the L2 stage has only the default); the stage waits for its routes. */
function throttleRoutes(
  stage: HttpStage,
  webhooks: readonly WebhookRoute[],
  routes: readonly HttpRoute[],
): void {
  const cfnStage = stage.node.defaultChild as CfnStage;
  // RouteSettings is a JSON map keyed by route key, written as CloudFormation spells it.
  cfnStage.routeSettings = Object.fromEntries(
    webhooks.map(({ method, path, limit }) => [
      `${method} ${path}`,
      { ThrottlingRateLimit: limit.ratePerSecond, ThrottlingBurstLimit: limit.burst },
    ]),
  );
  // CloudFormation refuses settings for a route key that does not exist yet.
  stage.node.addDependency(...routes);
}

/** "hot-leads" → "HotLeads": a construct id and output name part. Config names are [a-z][a-z0-9-]*. */
export function logicalName(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]?.toUpperCase() + part.slice(1))
    .join('');
}

function grantParameter(grantee: IGrantable & Construct, path: string): void {
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({
      actions: ['ssm:GetParameter'],
      resources: [
        Stack.of(grantee).formatArn({
          service: 'ssm',
          resource: 'parameter',
          resourceName: path.replace(/^\//, ''),
        }),
      ],
    }),
  );
}

function checkProps(props: LeadPipelineProps): string[] {
  const problems: string[] = [];
  if (props.prefix !== undefined && !/^[a-z][a-z0-9-]{0,29}$/.test(props.prefix)) {
    problems.push(
      `prefix: "${props.prefix}" must be 1-30 characters of a-z, 0-9 and -, starting with a letter`,
    );
  }
  for (const [name, value] of Object.entries(props.deliverConcurrency ?? {})) {
    if (!(name in props.config.destinations))
      problems.push(`deliverConcurrency.${name}: no such destination`);
    if (!Number.isInteger(value) || value < MIN_MAX_CONCURRENCY || value > 1000) {
      problems.push(`deliverConcurrency.${name}: must be a whole number from 2 to 1000 (Lambda's limits)`);
    }
  }
  for (const [kind, group] of Object.entries({
    sources: props.config.sources,
    destinations: props.config.destinations,
  })) {
    const names = new Map<string, string>();
    for (const name of Object.keys(group)) {
      const other = names.get(logicalName(name));
      if (other) problems.push(`${kind}: "${other}" and "${name}" are too alike for AWS resource ids`);
      names.set(logicalName(name), name);
    }
  }
  return problems;
}
