// Generated from schemas/config.schema.json by `npm run gen:types`. Do not edit.

/**
 * Lower-case letters, digits and dashes, starting with a letter, at most 40 characters (it becomes part of AWS resource names).
 */
export type Name = string;
/**
 * One subscriber of the SNS alarm topic: an email address, or an HTTPS endpoint (a chat or pager webhook). Webhook URLs carry their token, so an HTTPS endpoint is a secret reference whose value is the URL, never the URL itself.
 */
export type AlertSubscription =
  | {
      email: string;
    }
  | {
      /**
       * env:NAME or secretsmanager:NAME[#key] holding the https:// URL (CloudFormation resolves it at deploy; it cannot resolve SSM SecureStrings for SNS).
       */
      https: string;
    };
/**
 * Local host: the console's access token, as a secret reference. Unset: a random token is created on first start in the data dir (console-token, mode 0600) and printed by npm start.
 */
export type SecretRef = string;
/**
 * A reference to a secret, never the secret itself: env:NAME (local), secretsmanager:NAME[#json-key] or ssm:/path (AWS).
 */
export type SecretRef1 = string;
/**
 * A reference to a secret, never the secret itself: env:NAME (local), secretsmanager:NAME[#json-key] or ssm:/path (AWS).
 */
export type SecretRef2 = string;
export type DestinationConfig = HubspotDestination | SalesforceDestination | SlackDestination;
/**
 * How a later submission of the same person changes a CRM field that the record already has: `always` the latest non-empty value wins, `ifEmpty` only an empty field (or a required-field placeholder) is filled, `never` leadpipe sets it on create only. An empty value never blanks a field.
 */
export type FieldPolicy = 'always' | 'ifEmpty' | 'never';
export type SalesforceAuth = SalesforceTokenAuth | SalesforceClientCredentialsAuth;

/**
 * leadpipe.config.yaml: which sources exist, how each is verified and mapped, and where leads go.
 */
export interface LeadpipeConfig {
  $schema?: string;
  settings?: Settings;
  /**
   * Webhook senders, by name. Each is served at POST /webhooks/{name}.
   */
  sources: {
    [k: string]: SourceConfig;
  };
  /**
   * Where leads go, by name. Each gets its own queue and dead-letter queue.
   */
  destinations: {
    [k: string]: DestinationConfig;
  };
}
export interface Settings {
  /**
   * ISO 3166 region used to read phone numbers written without a country code.
   */
  phoneRegion?: string;
  /**
   * Largest webhook body accepted; EventBridge's entry limit is 256 KB.
   */
  maxBodyBytes?: number;
  alerts?: AlertsSettings;
  rateLimitPerSource?: IngestRateLimit;
  canary?: CanarySettings;
  ledger?: LedgerSettings;
  console?: ConsoleSettings;
  slo?: SloSettings;
}
/**
 * Where ops alerts go: a Slack destination and the channel for alerts, and (on AWS) who is notified through the alarm topic, which does not depend on that Slack destination.
 */
export interface AlertsSettings {
  destination: Name;
  channel: string;
  /**
   * Subscriptions to the SNS alarm topic (AWS only): every CloudWatch alarm, and every alert about the alerts destination itself, reaches them without going through Slack. The local host has no SNS: such alerts are logged at ERROR on stderr.
   *
   * @maxItems 10
   */
  notify?: AlertSubscription[];
  /**
   * The same alert (kind, destination or source, reason) goes out at most once per this many minutes per process; the ones held back are counted in the next one that goes out.
   */
  repeatMinutes?: number;
}
/**
 * How fast one source may post, as a token bucket: a steady rate and the burst it may save up. Past it, ingest answers 429 with Retry-After.
 */
export interface IngestRateLimit {
  ratePerSecond: number;
  burst: number;
}
/**
 * AWS only: a synthetic lead posted on a schedule to the canary source's own webhook URL, signed with its secret, through API Gateway, the bus and every destination's queue and deliver function. Deliver functions count it (CanaryDelivered) instead of sending it to the vendor; an alarm per destination fires when none arrives for two schedule periods. See docs/runbook.md.
 */
export interface CanarySettings {
  /**
   * Turn the schedule (and its alarms) off without removing the settings.
   */
  enabled?: boolean;
  /**
   * Lower-case letters, digits and dashes, starting with a letter, at most 40 characters (it becomes part of AWS resource names).
   */
  source: string;
  /**
   * Minutes between canaries; the alarm fires after two periods without one (CloudWatch evaluates at most a day).
   */
  rateMinutes?: number;
}
/**
 * The lead ledger: every lead's timeline (received, mapped or quarantined, routed, each delivery attempt, dead-lettered, redriven, replayed), searchable in the ops console and with `leadpipe leads`.
 */
export interface LedgerSettings {
  /**
   * Days a lead's timeline is kept after it was received (a DynamoDB TTL on AWS; removed hourly locally).
   */
  retentionDays?: number;
}
/**
 * The ops console (/ops) and its JSON API.
 */
export interface ConsoleSettings {
  token?: SecretRef;
  jwt?: ConsoleJwtSettings;
}
/**
 * AWS: the console API's JWT authorizer (Cognito or any OIDC provider). Unset: the console is not deployed.
 */
export interface ConsoleJwtSettings {
  /**
   * The OIDC issuer URL, e.g. https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123.
   */
  issuer: string;
  /**
   * Accepted audiences (the app client id for Cognito).
   *
   * @minItems 1
   */
  audience: string[];
}
/**
 * AWS only: service-level objectives, each with an alarm per destination.
 */
export interface SloSettings {
  /**
   * Most seconds from a lead's 202 to its delivery, at the 95th percentile over 5 minutes, for 3 periods in a row, before the destination's SLO alarm fires.
   */
  ackToCrmP95Seconds?: number;
}
export interface SourceConfig {
  /**
   * What this source is for, shown in the ops console's source catalog.
   */
  description?: string;
  /**
   * Who answers for this source (a team, a person, an email address): shown in the ops console's source catalog.
   */
  owner?: string;
  /**
   * The kind of personal data this source sends, for the ops console's source catalog and your records of processing.
   */
  dataClass?: 'public' | 'internal' | 'personal' | 'sensitive';
  verify: VerifyConfig;
  mapping: MappingConfig;
  rateLimit?: IngestRateLimit;
  enrich?: SourceEnrich;
}
/**
 * How a source's webhooks are verified.
 */
export interface VerifyConfig {
  /**
   * The sender's signature scheme; `none` accepts unsigned webhooks and is logged loudly at start.
   */
  scheme:
    | 'standard-webhooks'
    | 'stripe'
    | 'github'
    | 'shopify'
    | 'typeform'
    | 'calendly'
    | 'webflow'
    | 'hubspot-v3'
    | 'slack'
    | 'intercom'
    | 'zendesk'
    | 'tally'
    | 'meta'
    | 'hmac'
    | 'none';
  /**
   * Active secrets, newest first. Several are accepted at once while a secret is rotated.
   *
   * @minItems 1
   * @maxItems 5
   */
  secrets?: SecretRef1[];
  /**
   * Replay window for schemes that sign a timestamp.
   */
  toleranceSeconds?: number;
  /**
   * The URL the sender was given, e.g. https://hooks.example.com/leads/hubspot, when a custom domain, a base-path mapping or CloudFront puts another host or path in front of /webhooks/{source}. Schemes that sign the URL (hubspot-v3, an hmac template with {url}) verify against it, with the request's query string appended, instead of the URL rebuilt from Host and the path. https only, without a query or fragment.
   */
  publicUrl?: string;
  verifyToken?: SecretRef1;
  hmac?: HmacScheme;
}
/**
 * A generic HMAC signature described in config, for senders with no preset.
 */
export interface HmacScheme {
  /**
   * Header that carries the signature, e.g. X-Signature.
   */
  header: string;
  algorithm: 'sha1' | 'sha256' | 'sha512';
  encoding: 'hex' | 'base64';
  /**
   * Text before the signature in the header, e.g. sha256=.
   */
  prefix?: string;
  /**
   * The signed string. Placeholders: {body}, {timestamp}, {method}, {url}, {header:Name}.
   */
  template?: string;
  /**
   * Header carrying the signed timestamp; enables the replay window.
   */
  timestampHeader?: string;
  timestampUnit?: 's' | 'ms';
  /**
   * Header carrying the sender's delivery id.
   */
  deliveryIdHeader?: string;
}
/**
 * How a payload becomes a lead: a preset for a known sender, or a JSONata expression.
 */
export interface MappingConfig {
  /**
   * A built-in mapping for a known sender.
   */
  preset?: 'generic' | 'typeform' | 'calendly' | 'webflow' | 'tally' | 'hubspot' | 'meta';
  jsonata?: string;
  /**
   * Score given to leads from this source when the payload carries none.
   */
  score?: number;
}
/**
 * For senders whose webhooks carry only a reference (Meta lead ads' leadgen change, HubSpot contact.creation): fetch the person's data from the sender's API before the lead is published. Only with the meta or hubspot preset. Without it such webhooks are quarantined (no_contact).
 */
export interface SourceEnrich {
  accessToken: SecretRef2;
  /**
   * The API to fetch from (https:, or http: to loopback). Default: https://graph.facebook.com or https://api.hubapi.com; locally, omitted means the built-in sandbox.
   */
  baseUrl?: string;
  /**
   * How long a fetch that keeps failing for a passing reason (rate limits, outages) is retried before the reference is dead-lettered.
   */
  retryHorizonSeconds?: number;
}
/**
 * HubSpot contacts, upserted by email through a private app token. Rate limit default: 190 requests per rolling 10 s (Pro/Enterprise private apps).
 */
export interface HubspotDestination {
  type: 'hubspot';
  accessToken: SecretRef1;
  /**
   * HubSpot API base URL, e.g. https://api.hubapi.com. Omitted: the real API on AWS, the built-in sandbox locally.
   */
  baseUrl?: string;
  /**
   * Extra lead fields to write, as { leadField: hubspotProperty }, e.g. { 'utm.campaign': 'utm_campaign' }.
   */
  properties?: {
    [k: string]: string;
  };
  /**
   * Per CRM field (the vendor's field or property name), how a later submission of the same person may change it. Fields not named keep the vendor's defaults (see the adapter's README).
   */
  fieldPolicy?: {
    [k: string]: FieldPolicy;
  };
  /**
   * The unique contact property (hasUniqueValue) that keys one contact per person; `leadpipe setup hubspot` creates it. Default leadpipe_person_id.
   */
  personIdProperty?: string;
  /**
   * Optional, off by default. A contact property (single-line text, created in HubSpot first) that receives the leadpipe lead id, so a person can go from the contact to the lead's log timeline (search the logs for that leadId, then its correlation_id). One contact holds every lead of a person: the property holds the latest lead's id.
   */
  leadIdProperty?: string;
  filter?: LeadFilter;
  delivery?: DeliveryConfig;
  rateLimit?: RateLimit;
}
/**
 * An EventBridge content filter over lead fields, e.g. { score: [{ numeric: ['>=', 70] }] }. Only matching leads reach the destination.
 */
export interface LeadFilter {
  /**
   * @minItems 1
   */
  [k: string]: (
    | (string | number | boolean | null)
    | {
        prefix?: string;
        exists?: boolean;
        /**
         * @minItems 2
         * @maxItems 4
         */
        numeric?: (('<' | '<=' | '=' | '>' | '>=') | number)[];
        'anything-but'?: (string | number) | (string | number)[];
      }
  )[];
}
/**
 * How a destination's queue is drained.
 */
export interface DeliveryConfig {
  /**
   * How long, in seconds from a lead's first delivery attempt, transient failures (5xx, 429, timeouts) are retried before the lead goes to the dead-letter queue: it is given up once the time since its first attempt plus the next backoff would pass this. Backoff is exponential with full jitter, 2 s doubling up to 900 s (raised for horizons beyond about 40 h so the retries fit SQS's 1000 receives). Rejected leads go at once; leads blocked by refused credentials wait without being given up. 60 s to 7 days (the queue keeps messages 14 days).
   */
  retryHorizonSeconds?: number;
  /**
   * @deprecated
   * Deprecated: use retryHorizonSeconds. If set, a lead that still fails transiently at this many receives is dead-lettered even within its horizon (whichever limit comes first). Every receive counts, including those while credentials are refused.
   */
  maxAttempts?: number;
  /**
   * Leads handed to one delivery call; capped at the vendor's own batch limit.
   */
  batchSize?: number;
  /**
   * How long to wait for a batch to fill before delivering.
   */
  batchWindowSeconds?: number;
}
/**
 * Most requests to the vendor account in any rolling window.
 */
export interface RateLimit {
  requests: number;
  perSeconds: number;
}
/**
 * Salesforce records (Lead by default), upserted through sObject Collections by an external-id field.
 */
export interface SalesforceDestination {
  type: 'salesforce';
  auth: SalesforceAuth;
  apiVersion?: string;
  /**
   * sObject to upsert.
   */
  object?: string;
  /**
   * Unique external-id field the upsert matches on. A dedicated unique field (e.g. Email_Key__c) is preferred over Email, which is not unique on Lead.
   */
  externalIdField?: string;
  /**
   * Unique External ID text field (Text(39), Unique, External ID) holding the leadpipe person id: one Lead per person. Leads with a person id are read by it (or by email, for Leads made before leadpipe or by hand, which are then adopted), created or updated as fieldPolicy allows, and followed to their Contact once converted.
   */
  personIdField?: string;
  /**
   * Extra lead fields to write, as { leadField: SalesforceField }.
   */
  fields?: {
    [k: string]: string;
  };
  /**
   * Per CRM field (the vendor's field or property name), how a later submission of the same person may change it. Fields not named keep the vendor's defaults (see the adapter's README).
   */
  fieldPolicy?: {
    [k: string]: FieldPolicy;
  };
  /**
   * Optional, off by default. A text field (e.g. Leadpipe_Lead_Id__c, Text(64), created in Salesforce first) that receives the leadpipe lead id, so a person can go from the record to the lead's log timeline (search the logs for that leadId, then its correlation_id). Records are upserted by email: the field holds the latest lead's id.
   */
  leadIdField?: string;
  fallbacks?: SalesforceFallbacks;
  rateLimit?: RateLimit;
  filter?: LeadFilter;
  delivery?: DeliveryConfig;
}
export interface SalesforceTokenAuth {
  accessToken: SecretRef1;
  /**
   * Your org, e.g. https://acme.my.salesforce.com. Omitted: the built-in sandbox locally (required on AWS).
   */
  instanceUrl?: string;
}
/**
 * OAuth 2.0 client credentials flow against loginUrl (a My Domain URL).
 */
export interface SalesforceClientCredentialsAuth {
  clientId: SecretRef1;
  clientSecret: SecretRef1;
  /**
   * Your My Domain URL for the token request. Omitted: the built-in sandbox locally (required on AWS).
   */
  loginUrl?: string;
}
/**
 * Values for Lead's required fields when the form did not ask for them.
 */
export interface SalesforceFallbacks {
  lastName?: string;
  company?: string;
}
/**
 * Slack alerts for matching leads, posted with chat.postMessage as Block Kit messages. Rate limit default: 1 message per second per channel. The token is a bot token (xoxb-) with chat:write.
 */
export interface SlackDestination {
  type: 'slack';
  token: SecretRef1;
  /**
   * Channel id or name for lead alerts.
   */
  channel: string;
  /**
   * Slack Web API base URL, e.g. https://slack.com/api/. Omitted: the real API on AWS, the built-in sandbox locally.
   */
  baseUrl?: string;
  rateLimit?: RateLimit;
  filter?: LeadFilter;
  delivery?: DeliveryConfig;
}
