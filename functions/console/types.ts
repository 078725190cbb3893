/**
 * The console's JSON API, as both hosts serve it (the local host under its token, AWS behind the
 * HTTP API's JWT authorizer) and as the page (ops/) and the CLI read it. Every path is under
 * /ops/api; every refusal is `{"error":{"code","message"}}` like every other leadpipe refusal.
 *
 *   GET  /ops/api/overview                            Overview
 *   GET  /ops/api/leads?q=&email=&phone=&leadId=&correlationId=&source=&since=&until=&limit=&cursor=
 *                                                     LedgerPage (functions/ports.ts)
 *   GET  /ops/api/leads/{leadId}                      LedgerTimeline, 404 not_found
 *   GET  /ops/api/feed?since=&limit=                  FeedPage: ledger events since a time, oldest first
 *   GET  /ops/api/events                              text/event-stream (local host only): one `ledger` event per
 *                                                     LedgerEvent as appended (data: the event JSON, id: a running number; reconnect with Last-Event-ID),
 *                                                     a `config` event when the live config changes, a comment
 *                                                     every 15 s; AWS answers 404 (the page polls /feed instead)
 *   GET  /ops/api/destinations/{name}/dead-letters?limit=
 *                                                     DeadLettersPage
 *   POST /ops/api/destinations/{name}/redrive         body {"messageIds"?: string[]} → RedriveAnswer
 *   GET  /ops/api/quarantine                          QuarantinePage
 *   GET  /ops/api/quarantine/{leadId}                 QuarantineEntryView, 404 not_found
 *   POST /ops/api/quarantine/{leadId}/replay          ReplayResult (functions/quarantine/replay.ts)
 *
 * POSTs need `content-type: application/json` and, when the browser sends them, a same-origin
 * `Origin` / `Sec-Fetch-Site` (403 cross_origin otherwise).
 */
import type { LedgerEvent } from '../../schemas/generated/ledger-event.ts';
import type { DeadLetter } from '../deliver/dead-letter.ts';
import type { QueueDepth, RedriveResult } from '../ports.ts';

export const CONSOLE_API_PREFIX = '/ops/api';

/** One source as the catalog shows it. */
export interface SourceCatalogEntry {
  name: string;
  /** Where the sender posts, on this host. */
  webhookUrl: string;
  scheme: string;
  mapping: string;
  description?: string;
  owner?: string;
  dataClass: 'public' | 'internal' | 'personal' | 'sensitive';
}

/** One destination's figures: queue, dead letters, and the ledger's last hour of attempts. */
export interface DestinationOverview {
  name: string;
  type: string;
  queue: QueueDepth;
  deadLetters: QueueDepth;
  /** Seconds the oldest queued lead has waited; absent when empty or unknown (SQS). */
  oldestAgeSeconds?: number;
  /** ISO 8601 of the latest delivered attempt in the last hour. */
  lastSuccess?: string;
  /** The latest attempt that did not deliver (or dead letter) in the last hour. */
  lastError?: { at: string; reason: string };
  /** Attempts in the last hour per minute, oldest first (60 buckets): delivered, and not delivered. */
  lastHour: { delivered: number[]; failed: number[] };
}

export interface Overview {
  /** Which config is live: a hash of its content, and when it was loaded (ISO 8601). */
  config: { version: string; loadedAt: string };
  host: 'local' | 'aws';
  sources: SourceCatalogEntry[];
  destinations: DestinationOverview[];
  quarantine: { count: number };
  /** Whether GET /ops/api/events streams (local) or the page polls /feed (AWS). */
  liveFeed: 'sse' | 'poll';
}

export interface FeedPage {
  events: LedgerEvent[];
  /** Pass as `since` for the next poll. */
  next: string;
}

/** A dead letter as the console shows it: what dead-letter.ts reads, and the lead's body. */
export interface DeadLettersPage {
  destination: string;
  deadLetters: DeadLetter[];
}

export interface RedriveAnswer extends RedriveResult {
  destination: string;
}

/** A quarantined payload in a list: never its body. */
export interface QuarantineListEntry {
  leadId: string;
  source: string;
  deliveryId: string;
  receivedAt: string;
  reason: { code: string; message: string };
  contentType: string;
  bytes: number;
}

export interface QuarantinePage {
  entries: QuarantineListEntry[];
}

/** One quarantined payload, its body as text when it is UTF-8 (else base64). */
export interface QuarantineEntryView extends QuarantineListEntry {
  headers: Record<string, string>;
  body: { encoding: 'utf8' | 'base64'; text: string };
}
