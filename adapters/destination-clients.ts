import type { DeliveredStore, DestinationAdapter, OpsAlertSink, SecretResolver } from '../functions/ports.ts';
import type { DestinationConfig } from '../schemas/generated/config.ts';
import type { LimiterFactory } from './rate-limit.ts';

/** What a deliver function needs from its vendor: the adapter, and the ops alerter if it takes alerts. */
export interface DestinationClients {
  adapter: DestinationAdapter;
  /** Only for the destination that settings.alerts names. */
  opsAlerts?: OpsAlertSink;
}

export interface DestinationClientsOptions {
  resolveSecret: SecretResolver;
  /** The vendor sandbox to use when config names no URL: set by the local host, never on AWS. */
  sandboxUrl?: string;
  /** The ops channel, when this destination is the one settings.alerts names. */
  alertsChannel?: string;
  /** What the destination already received; used where a second delivery would be seen by people (Slack). */
  delivered?: DeliveredStore;
  /**
   * The limiter for each vendor account the clients call. Without it each adapter keeps its limit
   * in its own process (the local host: one process); the deployed deliver functions share theirs
   * through DynamoDB, so the limit holds across every concurrent invocation.
   */
  limiter?: LimiterFactory;
}

/**
 * Builds one configured destination's clients, resolving its secret references. Each vendor has
 * its own factory in its own folder, so a bundle that imports one carries only that vendor's SDK.
 */
export type DestinationClientsFactory<C extends DestinationConfig = DestinationConfig> = (
  name: string,
  config: C,
  options: DestinationClientsOptions,
) => Promise<DestinationClients>;

/** A destination URL left out of config means the vendor's real API on AWS, and its sandbox locally. */
export class MissingUrlError extends Error {
  override readonly name = 'MissingUrlError';
}

/** `{ key: value }`, or `{}` when the value is undefined (exactOptionalPropertyTypes-friendly spreading). */
export function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** The URL, or a MissingUrlError naming the config field that needs it. */
export function requiredUrl(destination: string, field: string, value: string | undefined): string {
  if (!value)
    throw new MissingUrlError(`destinations.${destination}.${field} is required outside the local host`);
  return value;
}
