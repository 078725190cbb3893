/**
 * The ports: every interface the pipeline depends on. The pipeline (verify, map, route, deliver)
 * is written against these only; each host is a set of adapters implementing them:
 * `adapters/aws/` on AWS (DynamoDB, EventBridge, SQS, Secrets Manager), `adapters/embedded/` on
 * the local host (one SQLite database). Nothing in `functions/` imports an adapter.
 */
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { Lead } from '../schemas/generated/lead.ts';
import type { LeadReceivedEvent } from '../schemas/generated/lead-received-event.ts';
import type { LedgerContact, LedgerEvent } from '../schemas/generated/ledger-event.ts';
import type { OpsAlert } from '../schemas/generated/ops-alert-event.ts';
import type { KnownPaths, PathState } from './drift/drift-rule.ts';

// ── Idempotency ────────────────────────────────────────────────────────────────────────────────

/**
 * Where delivery ids are remembered: a Powertools idempotency persistence layer, as Powertools'
 * own DynamoDB and cache layers are (`_getRecord/_putRecord/_updateRecord/_deleteRecord`).
 */
export type IdempotencyStore = BasePersistenceLayer;

// ── Quarantine ─────────────────────────────────────────────────────────────────────────────────

/** A signed payload that could not be mapped: kept whole, with the reason, until it is replayed. */
export interface QuarantinedPayload {
  leadId: string;
  source: string;
  deliveryId: string;
  receivedAt: string;
  reason: { code: string; message: string };
  contentType: string;
  /** The request headers a mapping may read on replay; credentials and signatures are never kept. */
  headers?: Record<string, string>;
  /** The raw body, base64: a replay must see exactly the bytes the sender signed. */
  body: string;
}

/** Kept for 30 days: long enough for someone to fix the mapping and replay. */
export const QUARANTINE_KEEP_SECONDS = 30 * 24 * 3600;

export interface QuarantineStore {
  put(entry: QuarantinedPayload): Promise<void>;
  get(leadId: string): Promise<QuarantinedPayload | undefined>;
  /** Every entry, oldest first. */
  list(): Promise<QuarantinedPayload[]>;
  remove(leadId: string): Promise<void>;
  /**
   * Erasure: removes every entry whose payload carries this email or phone (normalised, as
   * PersonKeys), read as functions/erasure/match.ts reads it; phones in the body are read in
   * `phoneRegion`. Returns how many entries went.
   */
  erase(match: PersonKeys, phoneRegion?: string): Promise<number>;
}

// ── Schema drift ───────────────────────────────────────────────────────────────────────────────

/** What is known about one source's payloads, and the version that guards concurrent writers. */
export interface KnownShape {
  paths: Record<string, PathState>;
  version: number;
}

/** Keeps each source's known shape; kept as long as its source exists. */
export interface ShapeStore {
  load(source: string): Promise<KnownShape | undefined>;
  /**
   * Saves paths when the stored version is still `expectedVersion` (undefined: none stored yet)
   * and returns the new version; undefined when another writer got there first.
   */
  save(source: string, paths: KnownPaths, expectedVersion: number | undefined): Promise<number | undefined>;
}

// ── The bus ────────────────────────────────────────────────────────────────────────────────────

/**
 * Publishes lead.received events; each goes to the queue of every destination whose routing
 * rule (functions/routing/rules.ts) matches. Resolves only once every event is durable there.
 */
export type LeadPublisher = (events: readonly LeadReceivedEvent[]) => Promise<void>;
/** Publishes ops.alert events; the alerts rule takes them to the alerts destination. */
export type AlertPublisher = (alerts: readonly OpsAlert[]) => Promise<void>;

/**
 * Some events could not be published after every retry: the caller must not acknowledge them. `permanent`
 * says no retry can succeed (the bus refused the event itself: too large, malformed), so the caller must
 * set the payload aside instead of asking the sender to retry forever.
 */
export class PublishError extends Error {
  override readonly name = 'PublishError';
  readonly failed: number;
  readonly permanent: boolean;
  constructor(failed: number, reason: string, options?: { cause?: unknown; permanent?: boolean }) {
    super(`${failed} event(s) could not be published: ${reason}`, options);
    this.failed = failed;
    this.permanent = options?.permanent ?? false;
  }
}

// ── Delivery queues ────────────────────────────────────────────────────────────────────────────

/** One received message, as the queue hands it out (SQS's ReceiveMessage, in our words). */
export interface QueueMessage {
  messageId: string;
  /** Names this receive: acting on a message takes the handle of its latest receive. */
  receiptHandle: string;
  body: string;
  /** Receives so far, this one included. */
  receiveCount: number;
  /** Epoch milliseconds. */
  sentAt: number;
  firstReceivedAt: number;
}

/** Why a message is in a dead-letter queue, recorded by the deliver engine. */
export interface DeadLetterReason {
  reason: string;
  destination: string;
  attempts: number;
  leadId?: string;
  /** ISO 8601. */
  failedAt: string;
}

/** A message in a dead-letter queue, read without consuming it. */
export interface StoredDeadLetter {
  messageId: string;
  body: string;
  /** Undefined when the queue itself moved it after too many receives (a handler crash, not a verdict). */
  why?: DeadLetterReason;
  /** When it entered the dead-letter queue, epoch ms. */
  sentAt: number;
  receiveCount: number;
}

export interface QueueDepth {
  /** Ready to be received. */
  visible: number;
  /** Received and not yet deleted or made visible again. */
  inFlight: number;
  /** Waiting out a delay. */
  delayed: number;
  /** When the oldest message still in the queue was sent (epoch ms); absent when empty or when the queue cannot tell (SQS: CloudWatch's ApproximateAgeOfOldestMessage). */
  oldestSentAt?: number;
}

export interface RedriveProgress {
  moved: number;
  failed: number;
  /** Messages the run means to move (the dead-letter depth at the start, capped by the limit). */
  total: number;
}

export interface RedriveResult extends RedriveProgress {
  /** Why single messages could not be moved; they stay in the dead-letter queue. */
  errors: string[];
  /** Dead letters refused because their person was erased after the lead arrived (functions/ledger/redrive.ts); present when any. */
  erased?: number;
}

/**
 * One destination's queue and its dead-letter queue, with the semantics of SQS that delivery
 * relies on: a received message is hidden for a visibility timeout and comes back unless deleted;
 * every receive counts; the queue moves a message received too often to the dead-letter queue.
 * A message the engine dead-letters is no longer deletable by its old receipt handle
 * on one host and deleted by the event source on the other: either way it leaves the queue once.
 */
export interface DeliveryQueue {
  readonly destination: string;
  /** Up to `max` ready messages, each hidden for `visibilityTimeoutSeconds`. */
  receive(max: number, visibilityTimeoutSeconds: number): Promise<QueueMessage[]>;
  /** Removes messages by the receipt handles of their latest receives (a stale handle is ignored). */
  delete(receiptHandles: readonly string[]): Promise<void>;
  /** Hides a received message for `seconds` more: a retry after backoff, or a wait while credentials are refused. */
  retryAfter(receiptHandle: string, seconds: number): Promise<void>;
  /** Puts a received message in the dead-letter queue with the reason. */
  deadLetter(message: { receiptHandle: string; body: string }, why: DeadLetterReason): Promise<void>;
  depth(): Promise<{ queue: QueueDepth; deadLetters: QueueDepth }>;
  /** Reads up to `max` dead letters, oldest first, leaving them where they are. */
  peekDeadLetters(max: number): Promise<StoredDeadLetter[]>;
  /** Moves dead letters back to the queue, as new messages; at least once, never lost. */
  redrive(options?: {
    limit?: number;
    /** Only these dead letters (ids as `peekDeadLetters` gives them); the others stay, unknown ids count in nothing. */
    messageIds?: readonly string[];
    onProgress?: (progress: RedriveProgress) => void;
    /** After each chunk, the dead letters it moved (their ids and bodies): for the ledger's `redriven` steps. */
    onMoved?: (moved: readonly { messageId: string; body: string }[]) => void;
  }): Promise<RedriveResult>;
  /**
   * Erasure: deletes the queued messages and the dead letters whose lead has this email or phone
   * (normalised, as PersonKeys). A message held by a receive at that moment is not seen: the
   * deliver engine drops it by its tombstone. On SQS every message is received to be read.
   */
  erase(match: PersonKeys): Promise<{ queued: number; deadLetters: number }>;
}

// ── What a destination already has ──────────────────────────────────────────────────────────────

/** Where a delivered lead ended up at its destination (a CRM record id, a chat message ts). */
export interface DeliveredRef {
  id: string;
  url?: string;
}

/**
 * Which leads a destination has already received, for destinations where a second delivery is
 * seen by people (a Slack message): the adapter records each lead once its message is posted and
 * skips recorded leads when a batch comes again (a crash part-way through a batch, a redrive).
 */
export interface DeliveredStore {
  /** The leads among `leadIds` already delivered to `destination`, each with its ref if it had one. */
  find(destination: string, leadIds: readonly string[]): Promise<Map<string, DeliveredRef | undefined>>;
  record(destination: string, delivered: readonly { leadId: string; ref?: DeliveredRef }[]): Promise<void>;
}

/** How long a delivery is remembered: as long as delivery ids are (a sender's retries, a redrive). */
export const DELIVERED_KEEP_SECONDS = 7 * 24 * 3600;

// ── Secrets ────────────────────────────────────────────────────────────────────────────────────

/** Resolves a secret reference (env:NAME, secretsmanager:NAME, ssm:/path) to its value. */
export type SecretResolver = (ref: string) => Promise<string>;

// ── Destinations ───────────────────────────────────────────────────────────────────────────────

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
  /**
   * Delivers a batch and returns an outcome for every lead id in it. Never throws for vendor errors.
   * `deadline` (epoch ms) is when the adapter must have returned: leads it could not settle by then are `retry`.
   */
  deliver(leads: readonly Lead[], options?: { deadline?: number }): Promise<Map<string, Outcome>>;
}

/** Delivers ops alerts; only the destination named in settings.alerts has one. */
export interface OpsAlertSink {
  alert(alerts: readonly OpsAlert[]): Promise<Map<number, Outcome>>;
}

// ── The lead ledger ────────────────────────────────────────────────────────────────────────────

/** Where a lead stands, derived from its timeline (functions/ledger/status.ts). */
export type LeadStatus = 'quarantined' | 'unrouted' | 'in-progress' | 'delivered' | 'failed';

/** Where a lead stands at one destination its routing rules matched. */
export type DestinationStatus = 'pending' | 'retrying' | 'blocked' | 'delivered' | 'dead-lettered';

/** One lead as a search returns it: who, from where, and where it stands. */
export interface LedgerLead {
  leadId: string;
  source: string;
  /** ISO 8601: when the webhook was accepted. */
  receivedAt: string;
  correlationId: string;
  deliveryId: string;
  contact: LedgerContact;
  status: LeadStatus;
  destinations: Record<string, DestinationStatus>;
  /** ISO 8601: the latest event. */
  updatedAt: string;
}

/** A lead and its whole timeline, oldest event first. */
export interface LedgerTimeline {
  lead: LedgerLead;
  events: LedgerEvent[];
}

/**
 * What to search by; every given criterion must hold. `email` matches case-insensitively, `phone`
 * matches the E.164 form (functions/ledger/search-terms.ts normalises both). Newest first.
 */
export interface LedgerQuery {
  leadId?: string;
  email?: string;
  phone?: string;
  correlationId?: string;
  source?: string;
  /** ISO 8601, inclusive: received at or after. */
  since?: string;
  /** ISO 8601, exclusive: received before. */
  until?: string;
  /** Default 50, at most 200. */
  limit?: number;
  /** The `next` of the previous page. */
  cursor?: string;
}

export interface LedgerPage {
  leads: LedgerLead[];
  /** Present when there may be more: pass it as `cursor`. */
  next?: string;
}

/**
 * Every lead's life as a timeline, in the user's own account: the lead's source of truth for "did
 * it reach Salesforce, and if not, why?". Both hosts' handlers write it (ingest: received, mapped
 * or quarantined, routed; deliver: each attempt, dead-lettered; redrive and replay, wherever they
 * run). A lead's `received` event carries what it is searched by. Never the raw body.
 */
export interface LeadLedger {
  /** Appends events (any leads, any order); an event already appended is kept once. */
  append(events: readonly LedgerEvent[]): Promise<void>;
  /** The lead and its timeline, or undefined when the ledger has no `received` event for it. */
  timeline(leadId: string): Promise<LedgerTimeline | undefined>;
  search(query: LedgerQuery): Promise<LedgerPage>;
  /**
   * Events of every lead appended at or after `since` (ISO 8601, by their `at`), oldest first, at
   * most `limit` (default 1,000, at most 5,000): the console's feed catch-up and its per-destination
   * figures for the last hour.
   */
  recent(options: { since: string; limit?: number }): Promise<LedgerEvent[]>;
  /**
   * Erasure: removes every lead whose `received` contact has this email or phone (normalised, as
   * PersonKeys), whatever its age, with all its events. Returns how many leads and events went.
   */
  erase(match: PersonKeys): Promise<{ leads: number; events: number }>;
}

/** Default days a lead's timeline is kept (settings.ledger.retentionDays). */
export const LEDGER_KEEP_DAYS = 30;

// ── Person identity ────────────────────────────────────────────────────────────────────────────

/** What a person is recognised by: normalised (lower-cased NFC email, E.164 phone). */
export interface PersonKeys {
  email?: string;
  phone?: string;
}

export interface PersonResolution {
  /** person_<32 hex>, random when new: never derived from a key, so an erased email cannot recreate the old id. */
  personId: string;
  /** No key was known before. */
  created: boolean;
  /** Two known persons turned out to be one (this lead's email belongs to one, its phone to the other). */
  merged?: { into: string; from: string };
}

/**
 * Who every lead is from, across sources and channels (functions/persons/, docs/architecture.md
 * "One person across channels"). Keys are kept as SHA-256 hashes only, never in plain text, and
 * are kept until erased: identity outlives the ledger's retention.
 */
export interface PersonDirectory {
  /** Finds or creates the person for these keys (at least one), claiming any key not yet known. Idempotent for the same keys. */
  resolve(keys: PersonKeys, at: string): Promise<PersonResolution>;
  /** Removes every key record of the persons these keys belong to (erasure); returns the person ids that were known. */
  forget(keys: PersonKeys): Promise<{ personIds: string[] }>;
}

// ── Erasure in a CRM ───────────────────────────────────────────────────────────────────────────

/** A CRM record an erasure deleted: its type as the CRM names it (contact, Lead, Contact) and its id. */
export interface ErasedRecord {
  type: string;
  id: string;
}

/**
 * Deletes one person's records in one CRM (adapters/<vendor>/erase.ts). `recordIds` are the ids
 * the ledger's delivery attempts recorded for this person's leads, found before the ledger is
 * erased, so a phone-only contact is found too. Throws when the CRM refuses or cannot be reached.
 */
export interface CrmEraser {
  /** How the vendor deletes, for the report: "GDPR delete", "deleted (recycle bin, 15 days)". */
  readonly method: string;
  erase(keys: PersonKeys, recordIds: readonly string[]): Promise<ErasedRecord[]>;
}

// ── Erasure tombstones ─────────────────────────────────────────────────────────────────────────

/**
 * What is left of an erased person: the SHA-256 of each key (`email:<normalised>`,
 * `phone:<E.164>`, functions/persons/keys.ts), never the key, with when it was erased. A lead of
 * that person received at or before then is never delivered, replayed or redriven again; a new
 * submission afterwards is a new consent and goes through (functions/erasure/tombstones.ts).
 * Kept forever: a tombstone is what stops a backup or an old message bringing the person back.
 */
export interface TombstoneStore {
  /** Records the hashes as erased at `erasedAt` (ISO 8601); a later erasure of a hash moves its time on. */
  add(hashes: readonly string[], erasedAt: string): Promise<void>;
  /** When the hash was (last) erased, or undefined. */
  has(hash: string): Promise<string | undefined>;
}
