import { afterCommit } from '../adapters/embedded/write-scope.ts';
import type { LeadLedger } from '../functions/ports.ts';
import type { LedgerEvent } from '../schemas/generated/ledger-event.ts';

/** One item of the live feed: a ledger event, or the live config changing. */
export type FeedItem =
  | { id: number; type: 'ledger'; event: LedgerEvent }
  | { id: number; type: 'config'; config: { version: string; loadedAt: string } };

/** Items kept for a client that reconnects with Last-Event-ID. */
const KEPT = 1000;

export interface LiveFeed {
  /** The ledger, telling the feed of every event once it is written. */
  ledger: LeadLedger;
  announceConfig(config: { version: string; loadedAt: string }): void;
  /** Calls `listener` with every new item; returns the unsubscribe. */
  subscribe(listener: (item: FeedItem) => void): () => void;
  /** The kept items after `id` (a reconnecting client's Last-Event-ID), oldest first. */
  since(id: number): FeedItem[];
}

/**
 * The console's live feed on the local host: every ledger event as it is written. Inside an
 * ingest invocation the events are announced from within its commit (a staged write), so the feed
 * never shows a webhook that was rolled back; elsewhere once the append resolved.
 */
export function createLiveFeed(ledger: LeadLedger): LiveFeed {
  const listeners = new Set<(item: FeedItem) => void>();
  const kept: FeedItem[] = [];
  let nextId = 1;
  const announce = (
    item: FeedItem extends infer T ? (T extends FeedItem ? Omit<T, 'id'> : never) : never,
  ) => {
    const full = { ...item, id: nextId++ } as FeedItem;
    kept.push(full);
    if (kept.length > KEPT) kept.splice(0, kept.length - KEPT);
    for (const listener of listeners) {
      try {
        listener(full);
      } catch {
        // A client that went away must not stop the others.
      }
    }
  };
  return {
    ledger: {
      ...ledger,
      append: async (events) => {
        await ledger.append(events);
        const copy = [...events];
        afterCommit(() => {
          for (const event of copy) announce({ type: 'ledger', event });
        });
      },
      timeline: (leadId) => ledger.timeline(leadId),
      search: (query) => ledger.search(query),
      recent: (options) => ledger.recent(options),
    },
    announceConfig: (config) => announce({ type: 'config', config }),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    since: (id) => kept.filter((item) => item.id > id),
  };
}
