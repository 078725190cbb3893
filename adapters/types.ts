import type { Lead } from '../schemas/generated/lead.ts';

/** What happened to one lead at one destination. Every adapter classifies every lead it was given. */
export type Outcome =
  | { status: 'delivered'; ref?: { id: string; url?: string } }
  /** Transient: try again later, no sooner than `retryAfterMs` when the vendor said so. */
  | { status: 'retry'; reason: string; retryAfterMs?: number }
  /** Permanent for this lead (e.g. a validation error): straight to the dead-letter queue with the vendor's reason. */
  | { status: 'rejected'; reason: string }
  /** The destination refused our credentials (401/403): keep the lead queued and alert ops. */
  | { status: 'blocked'; reason: string };

/** One outside system that leads are delivered to. */
export interface DestinationAdapter {
  /** The vendor's own per-call limit; the delivery engine never hands over more. */
  readonly maxBatchSize: number;
  /** Delivers a batch and returns an outcome for every lead id in it. Never throws for vendor errors. */
  deliver(leads: readonly Lead[]): Promise<Map<string, Outcome>>;
}

/** Resolves a secret reference (env:NAME, secretsmanager:NAME, ssm:/path) to its value. */
export type SecretResolver = (ref: string) => Promise<string>;
