// Generated from schemas/config.schema.json by `npm run gen:types`. Do not edit.

/**
 * Lower-case letters, digits and dashes, starting with a letter, at most 40 characters (it becomes part of AWS resource names).
 */
export type Name = string;
/**
 * A reference to a secret, never the secret itself: env:NAME (local), secretsmanager:NAME[#json-key] or ssm:/path (AWS).
 */
export type SecretRef = string;
export type DestinationConfig = HubspotDestination;

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
}
/**
 * Where ops alerts go: a Slack destination and the channel for alerts.
 */
export interface AlertsSettings {
  destination: Name;
  channel: string;
}
export interface SourceConfig {
  description?: string;
  verify: VerifyConfig;
  mapping: MappingConfig;
}
/**
 * How a source's webhooks are verified.
 */
export interface VerifyConfig {
  scheme: 'standard-webhooks' | 'typeform' | 'none';
  /**
   * Active secrets, newest first. Several are accepted at once while a secret is rotated.
   *
   * @minItems 1
   * @maxItems 5
   */
  secrets?: SecretRef[];
  /**
   * Replay window for schemes that sign a timestamp.
   */
  toleranceSeconds?: number;
}
/**
 * How a payload becomes a lead: a preset for a known sender, or a JSONata expression.
 */
export interface MappingConfig {
  preset?: 'generic' | 'typeform';
  jsonata?: string;
  /**
   * Score given to leads from this source when the payload carries none.
   */
  score?: number;
}
/**
 * HubSpot contacts, upserted by email through a private app token.
 */
export interface HubspotDestination {
  type: 'hubspot';
  accessToken: SecretRef;
  /**
   * HubSpot API base URL; the local sandbox when omitted locally.
   */
  baseUrl?: string;
  /**
   * Extra lead fields to write, as { leadField: hubspotProperty }, e.g. { 'utm.campaign': 'utm_campaign' }.
   */
  properties?: {
    [k: string]: string;
  };
  filter?: LeadFilter;
  delivery?: DeliveryConfig;
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
   * Receives before a lead goes to the destination's dead-letter queue.
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
