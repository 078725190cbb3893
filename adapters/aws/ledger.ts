import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DynamoDBDocumentClient,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { LedgerQueryError, normaliseQuery } from '../../functions/ledger/search-terms.ts';
import { inTimelineOrder, summariseLead } from '../../functions/ledger/status.ts';
import { ledgerTime, recentLimit } from '../../functions/ledger/time.ts';
import { normaliseEmail } from '../../functions/mapping/normalise.ts';
import {
  LEDGER_KEEP_DAYS,
  type LeadLedger,
  type LedgerLead,
  type LedgerPage,
  type LedgerQuery,
} from '../../functions/ports.ts';
import type { LedgerEvent, LedgerReceived } from '../../schemas/generated/ledger-event.ts';
import { LEDGER_TABLE, type LedgerIndexName } from './ledger-table.ts';

// Attribute names, from the key design; `body` (the event's JSON, exactly as appended) is the ledger's own.
const { partitionKey: PK, sortKey: SK, ttl: TTL, indexes: INDEX } = LEDGER_TABLE;
const BODY = 'body';
const RECEIVED_KEY = INDEX.byDay.sortKey;

// The key design lives in a leaf module, so the CDK stack builds the table without loading the SDK.
export { LEDGER_TABLE, type LedgerIndexName } from './ledger-table.ts';

const DAY_MS = 24 * 3600 * 1000;
const HOUR_MS = 3600 * 1000;
/** How far ahead of this clock another writer's may be: the newest day and hour bucket a read looks in. */
const CLOCK_SKEW_MS = HOUR_MS;
/** BatchWriteItem takes at most 25 items. */
const WRITE_LIMIT = 25;
/** Unprocessed items are sent again, with a growing pause, this many times in all before giving up. */
const WRITE_ATTEMPTS = 6;
/** Hour buckets `recent` queries at a time. */
const HOUR_WINDOW = 24;

const LEAD_SK = 'LEAD';
const LEAD_PREFIX = 'LEAD#';
const leadPk = (leadId: string) => `${LEAD_PREFIX}${leadId}`;

/** DynamoDB left items unwritten after every retry (throttling): the caller must treat the append as failed. */
export class LedgerWriteError extends Error {
  override readonly name = 'LedgerWriteError';
}

export interface DynamoLedgerOptions {
  /** A plain DynamoDBClient is wrapped in a document client. */
  client: DynamoDBDocumentClient | DynamoDBClient;
  tableName: string;
  /** Days an item lives (settings.ledger.retentionDays): its TTL, and how far back reads look. @default LEDGER_KEEP_DAYS */
  retentionDays?: number;
  /** Epoch ms. @default Date.now */
  now?: () => number;
}

/** The lead ledger in its own DynamoDB table (LEDGER_TABLE). */
export function createDynamoLedger(options: DynamoLedgerOptions): LeadLedger {
  const { tableName } = options;
  const client =
    options.client instanceof DynamoDBClient ? DynamoDBDocumentClient.from(options.client) : options.client;
  const retentionDays = options.retentionDays ?? LEDGER_KEEP_DAYS;
  const now = options.now ?? Date.now;
  const window = (): ReadWindow => ({
    horizon: new Date(now() - retentionDays * DAY_MS).toISOString(),
    latest: new Date(now() + CLOCK_SKEW_MS).toISOString(),
  });
  return {
    append: async (events) => putLedgerItems(client, tableName, ledgerItems(events, retentionDays)),
    timeline: async (leadId) => {
      const found = await readLead(client, tableName, leadId, window().horizon);
      return (
        found && { lead: summariseLead(found.received, found.events), events: inTimelineOrder(found.events) }
      );
    },
    search: (query) => searchDynamoLedger(client, tableName, query, window()),
    recent: ({ since, limit }) => readDynamoRecent(client, tableName, since, limit, window()),
    erase: (match) => eraseDynamoLeads(client, tableName, match),
  };
}

/**
 * Erasure: finds the leads by the email and phone indexes (every receivedKey: an item past the
 * retention but not yet swept by the TTL is personal data too), then deletes every item of each
 * lead's partition (its lead item and all its events) in BatchWriteItem calls of 25.
 */
export async function eraseDynamoLeads(
  client: DynamoDBDocumentClient,
  tableName: string,
  match: { email?: string; phone?: string },
): Promise<{ leads: number; events: number }> {
  const partitions = new Set<string>();
  const lookups = [
    ['byEmail', match.email],
    ['byPhone', match.phone],
  ] as const;
  for (const [index, value] of lookups) {
    if (value === undefined) continue;
    for await (const item of query(client, {
      TableName: tableName,
      IndexName: index,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': LEDGER_TABLE.indexes[index].partitionKey },
      ExpressionAttributeValues: { ':pk': value },
    })) {
      partitions.add(String(item[PK]));
    }
  }
  const erased = { leads: 0, events: 0 };
  for (const pk of partitions) {
    const keys: LedgerItem[] = [];
    for await (const item of query(client, {
      TableName: tableName,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
      ExpressionAttributeValues: { ':pk': pk },
      ProjectionExpression: '#pk, #sk',
      ConsistentRead: true,
    })) {
      keys.push({ [PK]: String(item[PK]), [SK]: String(item[SK]) });
    }
    await deleteLedgerItems(client, tableName, keys);
    for (const key of keys) {
      if (key[SK] === LEAD_SK) erased.leads++;
      else erased.events++;
    }
  }
  return erased;
}

/** Deletes items by key in BatchWriteItem calls of 25, retrying what DynamoDB leaves unprocessed. */
async function deleteLedgerItems(
  client: DynamoDBDocumentClient,
  tableName: string,
  keys: readonly LedgerItem[],
): Promise<void> {
  for (let i = 0; i < keys.length; i += WRITE_LIMIT) {
    let requests = keys.slice(i, i + WRITE_LIMIT).map((Key) => ({ DeleteRequest: { Key } }));
    for (let attempt = 1; ; attempt++) {
      const result = await client.send(new BatchWriteCommand({ RequestItems: { [tableName]: requests } }));
      requests = (result.UnprocessedItems?.[tableName] ?? []) as typeof requests;
      if (requests.length === 0) break;
      if (attempt === WRITE_ATTEMPTS) {
        throw new LedgerWriteError(
          `DynamoDB left ${requests.length} ledger items undeleted after ${attempt} tries`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** attempt));
    }
  }
}

/** What a read may see: items at or after `horizon` (the retention), buckets up to `latest`. ISO 8601. */
export interface ReadWindow {
  horizon: string;
  latest: string;
}

/** One item of the ledger table. */
export type LedgerItem = Record<string, string | number>;

/** The items an append writes: an event item per event, and a lead item per `received` event. */
export function ledgerItems(events: readonly LedgerEvent[], retentionDays: number): LedgerItem[] {
  const items: LedgerItem[] = [];
  for (const event of events) {
    const at = ledgerTime(event.at);
    const expiresAt = Math.floor(Date.parse(at) / 1000) + retentionDays * 24 * 3600;
    const destination = 'destination' in event ? event.destination : '-';
    const attempt = 'attempt' in event ? String(event.attempt) : '-';
    const body = JSON.stringify(event);
    items.push({
      [PK]: leadPk(event.leadId),
      [SK]: `EV#${at}#${event.kind}#${destination}#${attempt}`,
      [BODY]: body,
      [INDEX.byHour.partitionKey]: `HOUR#${at.slice(0, 13)}`,
      [INDEX.byHour.sortKey]: `${at}#${event.leadId}#${event.kind}#${destination}#${attempt}`,
      [TTL]: expiresAt,
    });
    if (event.kind === 'received') items.push(leadItem(event, at, body, expiresAt));
  }
  return items;
}

function leadItem(event: LedgerReceived, at: string, body: string, expiresAt: number): LedgerItem {
  const email = event.contact?.email;
  const keys: Record<string, string | undefined> = {
    [INDEX.byEmail.partitionKey]: email === undefined ? undefined : (normaliseEmail(email) ?? email),
    [INDEX.byPhone.partitionKey]: event.contact?.phone,
    [INDEX.byCorrelation.partitionKey]: event.correlationId,
    [INDEX.bySource.partitionKey]: event.source,
  };
  const item: LedgerItem = {
    [PK]: leadPk(event.leadId),
    [SK]: LEAD_SK,
    [BODY]: body,
    [RECEIVED_KEY]: `${at}#${event.leadId}`,
    [INDEX.byDay.partitionKey]: `DAY#${at.slice(0, 10)}`,
    [TTL]: expiresAt,
  };
  // An index key may not be empty: a lead without one is simply not in that index.
  for (const [name, value] of Object.entries(keys)) if (value) item[name] = value;
  return item;
}

/**
 * Writes items in BatchWriteItem calls of 25, retrying what DynamoDB leaves unprocessed. A put
 * replaces an item with the same key, so an event appended twice is kept once; repeats within
 * one append are sent once (a batch may not name one key twice).
 */
export async function putLedgerItems(
  client: DynamoDBDocumentClient,
  tableName: string,
  items: readonly LedgerItem[],
): Promise<void> {
  const unique = [...new Map(items.map((item) => [`${item[PK]}\n${item[SK]}`, item])).values()];
  const chunks: LedgerItem[][] = [];
  for (let i = 0; i < unique.length; i += WRITE_LIMIT) chunks.push(unique.slice(i, i + WRITE_LIMIT));
  await Promise.all(
    chunks.map(async (chunk) => {
      let requests = chunk.map((Item) => ({ PutRequest: { Item } }));
      for (let attempt = 1; ; attempt++) {
        const result = await client.send(new BatchWriteCommand({ RequestItems: { [tableName]: requests } }));
        requests = (result.UnprocessedItems?.[tableName] ?? []) as typeof requests;
        if (requests.length === 0) return;
        if (attempt === WRITE_ATTEMPTS) {
          throw new LedgerWriteError(
            `DynamoDB left ${requests.length} ledger items unwritten after ${attempt} tries`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** attempt));
      }
    }),
  );
}

/** A lead's received event and every event it has within the retention; undefined without a live received. */
export async function readLead(
  client: DynamoDBDocumentClient,
  tableName: string,
  leadId: string,
  horizon: string,
): Promise<{ received: LedgerReceived; item: LedgerItem; events: LedgerEvent[] } | undefined> {
  let lead: LedgerItem | undefined;
  const events: LedgerEvent[] = [];
  for await (const item of query(client, {
    TableName: tableName,
    KeyConditionExpression: '#pk = :pk',
    ExpressionAttributeNames: { '#pk': PK },
    ExpressionAttributeValues: { ':pk': leadPk(leadId) },
    ConsistentRead: true,
  })) {
    if (item[SK] === LEAD_SK) {
      lead = item;
      continue;
    }
    const event = JSON.parse(String(item[BODY])) as LedgerEvent;
    if (ledgerTime(event.at) >= horizon) events.push(event);
  }
  if (!lead || String(lead[RECEIVED_KEY]) < horizon) return undefined;
  return { received: JSON.parse(String(lead[BODY])) as LedgerReceived, item: lead, events };
}

/** Every item a query finds, page after page. */
async function* query(client: DynamoDBDocumentClient, input: QueryCommandInput): AsyncGenerator<LedgerItem> {
  let start: Record<string, unknown> | undefined;
  do {
    const page = await client.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
    for (const item of page.Items ?? []) yield item as LedgerItem;
    start = page.LastEvaluatedKey;
  } while (start);
}

/** The lead index each criterion can be looked up in, most selective first. */
const FIELD_INDEXES = [
  ['email', 'byEmail'],
  ['phone', 'byPhone'],
  ['correlationId', 'byCorrelation'],
  ['source', 'bySource'],
] as const;

const FILTERS = FIELD_INDEXES.map(([field, index]) => [field, INDEX[index].partitionKey] as const);

/** The receivedKey range a search covers: from `lower` (inclusive) to `upper` (exclusive, when set). */
interface Range {
  lower: string;
  upper?: string;
}

/**
 * One page of leads, newest received first. A lead id is read directly; otherwise the most
 * selective index the criteria name is queried (every other criterion checked on the index
 * item), or, with none, the day index day by day back to `since` or the retention. The page's
 * leads are then read with their events, in parallel, and summarised.
 */
export async function searchDynamoLedger(
  client: DynamoDBDocumentClient,
  tableName: string,
  query: LedgerQuery,
  window: ReadWindow,
): Promise<LedgerPage> {
  const q = normaliseQuery(query);
  const limit = q.limit ?? 0;
  const range = searchRange(q, window.horizon);
  // An empty range (until at or before since, or a cursor past it): DynamoDB refuses BETWEEN with bounds crossed.
  if (range.upper !== undefined && range.upper <= range.lower) return { leads: [] };
  if (q.leadId !== undefined) {
    const found = await readLead(client, tableName, q.leadId, window.horizon);
    if (!found || !matches(found.item, q, range)) return { leads: [] };
    return { leads: [summariseLead(found.received, found.events)] };
  }
  const hits: LedgerItem[] = [];
  for await (const item of candidates(client, tableName, q, range, window.latest, limit + 1)) {
    if (!matches(item, q, range)) continue;
    hits.push(item);
    if (hits.length > limit) break;
  }
  const page = hits.slice(0, limit);
  const read = await Promise.all(
    page.map((item) =>
      readLead(client, tableName, String(item[PK]).slice(LEAD_PREFIX.length), window.horizon),
    ),
  );
  const leads: LedgerLead[] = [];
  // A lead whose items expired since the index was read is simply left out.
  for (const found of read) if (found) leads.push(summariseLead(found.received, found.events));
  const last = page.at(-1);
  return hits.length > limit && last ? { leads, next: encodeCursor(String(last[RECEIVED_KEY])) } : { leads };
}

function searchRange(q: LedgerQuery, horizon: string): Range {
  const lower = q.since !== undefined && q.since > horizon ? q.since : horizon;
  const bounds = [q.until, q.cursor === undefined ? undefined : decodeCursor(q.cursor)].filter(
    (bound): bound is string => bound !== undefined,
  );
  const upper = bounds.sort()[0];
  return upper === undefined ? { lower } : { lower, upper };
}

function matches(item: LedgerItem, q: LedgerQuery, range: Range): boolean {
  for (const [field, attribute] of FILTERS) {
    if (q[field] !== undefined && item[attribute] !== q[field]) return false;
  }
  const key = String(item[RECEIVED_KEY]);
  return key >= range.lower && (range.upper === undefined || key < range.upper);
}

/** Index items that may match, newest first, from the index the criteria choose. */
async function* candidates(
  client: DynamoDBDocumentClient,
  tableName: string,
  q: LedgerQuery,
  range: Range,
  latest: string,
  wanted: number,
): AsyncGenerator<LedgerItem> {
  const chosen = FIELD_INDEXES.find(([field]) => q[field] !== undefined);
  if (chosen) {
    const [field, index] = chosen;
    yield* queryIndex(client, tableName, index, String(q[field]), range, wanted);
    return;
  }
  const lowestDay = range.lower.slice(0, 10);
  for (let day = (range.upper ?? latest).slice(0, 10); day >= lowestDay; day = previousDay(day)) {
    yield* queryIndex(client, tableName, 'byDay', `DAY#${day}`, range, wanted);
  }
}

function previousDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00.000Z`) - DAY_MS).toISOString().slice(0, 10);
}

/** One index partition's items within the range, newest first. */
function queryIndex(
  client: DynamoDBDocumentClient,
  tableName: string,
  index: LedgerIndexName,
  value: string,
  range: Range,
  wanted: number,
): AsyncGenerator<LedgerItem> {
  const { partitionKey, sortKey } = LEDGER_TABLE.indexes[index];
  // BETWEEN is inclusive: the upper bound itself (a cursor's lead) is dropped by `matches`.
  const bounded = range.upper !== undefined;
  return query(client, {
    TableName: tableName,
    IndexName: index,
    KeyConditionExpression: bounded
      ? '#pk = :pk AND #sk BETWEEN :lower AND :upper'
      : '#pk = :pk AND #sk >= :lower',
    ExpressionAttributeNames: { '#pk': partitionKey, '#sk': sortKey },
    ExpressionAttributeValues: {
      ':pk': value,
      ':lower': range.lower,
      ...(bounded ? { ':upper': range.upper } : {}),
    },
    ScanIndexForward: false,
    Limit: wanted,
  });
}

function encodeCursor(receivedKey: string): string {
  return Buffer.from(receivedKey, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string {
  const key = Buffer.from(cursor, 'base64url').toString('utf8');
  const hash = key.indexOf('#');
  if (hash < 0 || hash === key.length - 1 || Number.isNaN(Date.parse(key.slice(0, hash)))) {
    throw new LedgerQueryError(
      'The cursor is not one this ledger gave out: start the search again without it.',
    );
  }
  return key;
}

/** The hour buckets from `from`'s to `to`'s, oldest first. */
export function hourBuckets(from: string, to: string): string[] {
  const buckets: string[] = [];
  const last = Date.parse(`${to.slice(0, 13)}:00:00.000Z`);
  for (let hour = Date.parse(`${from.slice(0, 13)}:00:00.000Z`); hour <= last; hour += HOUR_MS) {
    buckets.push(`HOUR#${new Date(hour).toISOString().slice(0, 13)}`);
  }
  return buckets;
}

/**
 * Events of every lead at or after `since`, oldest first, at most `limit`: the hour index,
 * bucket by bucket from `since`'s hour (a day's buckets at a time, in parallel) until enough.
 */
export async function readDynamoRecent(
  client: DynamoDBDocumentClient,
  tableName: string,
  since: string,
  limit: number | undefined,
  window: ReadWindow,
): Promise<LedgerEvent[]> {
  const max = recentLimit(limit);
  const start = ledgerTime(since);
  const from = start > window.horizon ? start : window.horizon;
  const buckets = hourBuckets(from, window.latest);
  const events: LedgerEvent[] = [];
  for (let i = 0; i < buckets.length && events.length < max; i += HOUR_WINDOW) {
    const wanted = max - events.length;
    const pages = await Promise.all(
      buckets.slice(i, i + HOUR_WINDOW).map((bucket) => hourEvents(client, tableName, bucket, from, wanted)),
    );
    for (const page of pages) events.push(...page);
  }
  return inTimelineOrder(events.slice(0, max));
}

async function hourEvents(
  client: DynamoDBDocumentClient,
  tableName: string,
  bucket: string,
  from: string,
  wanted: number,
): Promise<LedgerEvent[]> {
  const { partitionKey, sortKey } = LEDGER_TABLE.indexes.byHour;
  const events: LedgerEvent[] = [];
  for await (const item of query(client, {
    TableName: tableName,
    IndexName: 'byHour',
    KeyConditionExpression: '#pk = :pk AND #sk >= :from',
    ExpressionAttributeNames: { '#pk': partitionKey, '#sk': sortKey },
    ExpressionAttributeValues: { ':pk': bucket, ':from': from },
    Limit: wanted,
  })) {
    events.push(JSON.parse(String(item[BODY])) as LedgerEvent);
    if (events.length >= wanted) break;
  }
  return events;
}
