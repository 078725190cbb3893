import { CfnOutput, Stack } from 'aws-cdk-lib';
import { type HttpApi, HttpMethod, type HttpRoute } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { ENVIRONMENT } from '../adapters/aws/lambda/environment.ts';
import { PERSON_ITEM_PREFIX, PERSON_KEY_PREFIX } from '../adapters/aws/person-directory.ts';
import { TOMBSTONE_ITEM_PREFIX } from '../adapters/aws/tombstones.ts';
import { CONSOLE_API_PREFIX } from '../functions/console/types.ts';
import type { ConsoleJwtSettings } from '../schemas/generated/config.ts';
import { grantLedgerAppend, grantLedgerRead } from './ledger-table.ts';

/** The console's routes on the webhook API: the JSON API behind the JWT authorizer, the page and its files without. */
export const CONSOLE_ROUTES = {
  api: `${CONSOLE_API_PREFIX}/{proxy+}`,
  page: '/ops',
  assets: '/ops/assets/{file}',
} as const;

/**
 * Item prefixes in the pipeline table that the console may touch. They mirror
 * adapters/aws/quarantine-store.ts (`quarantine#<lead id>`) and the replay's Powertools key prefix in
 * functions/quarantine/replay.ts (`leadpipe-replay#<hash>`); test/unit/adapters/aws/lambda/console.lambda.test.ts
 * proves both against the real adapters on dynalite, so a rename there fails a test here.
 */
export const QUARANTINE_ITEM_PREFIX = 'quarantine#';
export const REPLAY_CLAIM_PREFIX = 'leadpipe-replay#';

/** A destination's queues as the console sees them: depth, dead letters to peek at, redrive into the queue. */
export interface ConsoleDestination {
  readonly queue: IQueue;
  readonly deadLetterQueue: IQueue;
}

export interface OpsConsoleProps {
  readonly api: HttpApi;
  /** The API's base URL (no trailing slash). */
  readonly apiUrl: string;
  /** The console function (adapters/aws/lambda/console.lambda.ts), with consoleEnvironment set. */
  readonly function: IFunction;
  readonly jwt: ConsoleJwtSettings;
  /** The pipeline table: quarantined payloads and the replays' idempotency claims. */
  readonly table: Table;
  readonly ledger: Table;
  readonly bus: IEventBus;
  readonly destinations: Readonly<Record<string, ConsoleDestination>>;
}

/** What the console function reads at cold start (adapters/aws/lambda/environment.ts). */
export function consoleEnvironment(
  scope: Construct,
  props: Pick<OpsConsoleProps, 'apiUrl' | 'table' | 'ledger' | 'bus' | 'destinations'>,
): Record<string, string> {
  const queues = Object.fromEntries(
    Object.entries(props.destinations).map(([name, { queue, deadLetterQueue }]) => [
      name,
      { queueUrl: queue.queueUrl, deadLetterQueueUrl: deadLetterQueue.queueUrl },
    ]),
  );
  return {
    [ENVIRONMENT.tableName]: props.table.tableName,
    [ENVIRONMENT.ledgerTableName]: props.ledger.tableName,
    [ENVIRONMENT.busName]: props.bus.eventBusName,
    [ENVIRONMENT.apiUrl]: props.apiUrl,
    // Queue URLs are tokens until deploy: toJsonString keeps them references inside the JSON.
    [ENVIRONMENT.queues]: Stack.of(scope).toJsonString(queues),
  };
}

/**
 * The ops console on AWS: `ANY /ops/api/{proxy+}` behind an HTTP API JWT authorizer (Cognito or any
 * OIDC provider, from settings.console.jwt), `GET /ops` and `GET /ops/assets/{file}` (the static page,
 * which holds no data) without it, all to one function; and that function's grants, each on exactly
 * what the console API reads or changes.
 */
export class OpsConsole extends Construct {
  readonly authorizer: HttpJwtAuthorizer;
  /** The JSON API's routes (behind the authorizer). */
  readonly apiRoutes: HttpRoute[];
  /** The page's routes (public: the page holds no data; every datum comes from the API). */
  readonly pageRoutes: HttpRoute[];
  readonly url: string;

  constructor(scope: Construct, id: string, props: OpsConsoleProps) {
    super(scope, id);
    this.authorizer = new HttpJwtAuthorizer('ConsoleAuthorizer', props.jwt.issuer, {
      jwtAudience: [...props.jwt.audience],
      identitySource: ['$request.header.Authorization'],
    });
    const integration = new HttpLambdaIntegration('Console', props.function);
    this.apiRoutes = props.api.addRoutes({
      path: CONSOLE_ROUTES.api,
      methods: [HttpMethod.ANY],
      integration,
      authorizer: this.authorizer,
    });
    this.pageRoutes = [CONSOLE_ROUTES.page, CONSOLE_ROUTES.assets].flatMap((path) =>
      props.api.addRoutes({ path, methods: [HttpMethod.GET], integration }),
    );
    for (const route of this.pageRoutes) {
      NagSuppressions.addResourceSuppressions(route, [
        {
          id: 'AwsSolutions-APIG4',
          reason:
            'The console page and its scripts and styles are static files that hold no data; a browser cannot send a bearer token when it navigates to a page. Every datum comes from /ops/api/*, which is behind the JWT authorizer.',
        },
      ]);
    }
    this.grant(props);
    this.url = `${props.apiUrl}${CONSOLE_ROUTES.page}`;
    new CfnOutput(this, 'Url', {
      value: this.url,
      description: 'The ops console: open <url>#token=<access token from your OIDC provider>',
    });
  }

  private grant(props: OpsConsoleProps): void {
    const fn = props.function;
    const policy = (statement: PolicyStatement) => fn.addToRolePolicy(statement);
    // Search, timelines and the feed: queries on the ledger and its indexes; replays and redrives
    // append their steps (who asked, what it did).
    grantLedgerRead(props.ledger, fn);
    grantLedgerAppend(props.ledger, fn);
    // The quarantine: its own items, read and removed (a replay removes what it published)...
    policy(
      new PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:DeleteItem'],
        resources: [props.table.tableArn],
        conditions: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${QUARANTINE_ITEM_PREFIX}*`] },
        },
      }),
    );
    // ...and listed. A Scan names no key, so no leading-keys condition can narrow it: it may read the
    // pipeline table's other items too (idempotency answers, rate-limit slots, Slack's delivered refs).
    policy(new PolicyStatement({ actions: ['dynamodb:Scan'], resources: [props.table.tableArn] }));
    // A replay's idempotency claim (Powertools: get, conditional put, update, delete of its record).
    policy(
      new PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
        resources: [props.table.tableArn],
        conditions: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${REPLAY_CLAIM_PREFIX}*`] },
        },
      }),
    );
    // A replayed lead's person, resolved as ingest does: its key and person items only.
    policy(
      new PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
        resources: [props.table.tableArn],
        conditions: {
          'ForAllValues:StringLike': {
            'dynamodb:LeadingKeys': [`${PERSON_KEY_PREFIX}*`, `${PERSON_ITEM_PREFIX}*`],
          },
        },
      }),
    );
    // Erasure tombstones: a replay or redrive of an erased person's lead is refused.
    policy(
      new PolicyStatement({
        actions: ['dynamodb:GetItem'],
        resources: [props.table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${TOMBSTONE_ITEM_PREFIX}*`] } },
      }),
    );
    // A replay publishes lead.received.
    props.bus.grantPutEventsTo(fn);
    const destinations = Object.values(props.destinations);
    if (destinations.length === 0) return;
    // Dead letters: depth, peek (receive, then visible again) and redrive (receive, delete once sent).
    policy(
      new PolicyStatement({
        actions: [
          'sqs:ChangeMessageVisibility',
          'sqs:DeleteMessage',
          'sqs:GetQueueAttributes',
          'sqs:ReceiveMessage',
        ],
        resources: destinations.map(({ deadLetterQueue }) => deadLetterQueue.queueArn),
      }),
    );
    // The queues: depth, and a redriven lead sent back. Never received or deleted: that is the deliver function's.
    policy(
      new PolicyStatement({
        actions: ['sqs:GetQueueAttributes', 'sqs:SendMessage'],
        resources: destinations.map(({ queue }) => queue.queueArn),
      }),
    );
  }
}
