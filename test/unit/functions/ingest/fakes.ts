import {
  IdempotencyItemAlreadyExistsError,
  IdempotencyItemNotFoundError,
} from '@aws-lambda-powertools/idempotency';
import { BasePersistenceLayer, type IdempotencyRecord } from '@aws-lambda-powertools/idempotency/persistence';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { payloadMatches } from '../../../../functions/erasure/match.ts';
import type {
  AlertPublisher,
  LeadPublisher,
  QuarantinedPayload,
  QuarantineStore,
} from '../../../../functions/ports.ts';
import type { LeadReceivedEvent } from '../../../../schemas/generated/lead-received-event.ts';
import type { OpsAlert } from '../../../../schemas/generated/ops-alert-event.ts';

/**
 * Powertools idempotency records in a Map, with the same conditional-put rule as the DynamoDB
 * layer: a put fails while a completed record lives or an in-progress one has not expired.
 */
export class MemoryPersistenceLayer extends BasePersistenceLayer {
  readonly records: Map<string, IdempotencyRecord>;

  /** Layers given the same map share records, as Lambda instances share one table. */
  constructor(records = new Map<string, IdempotencyRecord>()) {
    super();
    this.records = records;
  }

  protected async _getRecord(key: string): Promise<IdempotencyRecord> {
    const record = this.records.get(key);
    if (!record) throw new IdempotencyItemNotFoundError(`No record ${key}`);
    return record;
  }

  protected async _putRecord(record: IdempotencyRecord): Promise<void> {
    const existing = this.records.get(record.idempotencyKey);
    if (existing && !existing.isExpired()) {
      const inProgressAlive =
        existing.getStatus() === 'INPROGRESS' && (existing.inProgressExpiryTimestamp ?? 0) > Date.now();
      if (existing.getStatus() === 'COMPLETED' || inProgressAlive) {
        throw new IdempotencyItemAlreadyExistsError(`Record ${record.idempotencyKey} exists`, existing);
      }
    }
    this.records.set(record.idempotencyKey, record);
  }

  protected async _updateRecord(record: IdempotencyRecord): Promise<void> {
    this.records.set(record.idempotencyKey, record);
  }

  protected async _deleteRecord(record: IdempotencyRecord): Promise<void> {
    this.records.delete(record.idempotencyKey);
  }
}

export function memoryQuarantine(): QuarantineStore & { entries: Map<string, QuarantinedPayload> } {
  const entries = new Map<string, QuarantinedPayload>();
  return {
    entries,
    put: async (entry) => void entries.set(entry.leadId, structuredClone(entry)),
    get: async (leadId) => entries.get(leadId),
    list: async () => [...entries.values()].sort((a, b) => a.receivedAt.localeCompare(b.receivedAt)),
    remove: async (leadId) => void entries.delete(leadId),
    erase: async (match, phoneRegion) => {
      const erased = [...entries.values()].filter((entry) => payloadMatches(entry, match, phoneRegion));
      for (const entry of erased) entries.delete(entry.leadId);
      return erased.length;
    },
  };
}

export function recordingPublisher(): LeadPublisher & { events: LeadReceivedEvent[] } {
  const events: LeadReceivedEvent[] = [];
  const publish = async (batch: readonly LeadReceivedEvent[]) => void events.push(...batch);
  return Object.assign(publish, { events });
}

export function recordingAlerts(): AlertPublisher & { alerts: OpsAlert[] } {
  const alerts: OpsAlert[] = [];
  const raise = async (batch: readonly OpsAlert[]) => void alerts.push(...batch);
  return Object.assign(raise, { alerts });
}

/** A Lambda context with plenty of time left. */
export function testContext(requestId = 'req-1'): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'leadpipe-ingest',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:leadpipe-ingest',
    memoryLimitInMB: '512',
    awsRequestId: requestId,
    logGroupName: '/aws/lambda/leadpipe-ingest',
    logStreamName: 'test',
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

let requests = 0;

/** An API Gateway HTTP API v2 event for a request to /webhooks/{source}. */
export function webhookEvent(options: {
  source: string;
  method?: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  query?: string;
}): APIGatewayProxyEventV2 {
  const body = options.body === undefined ? undefined : Buffer.from(options.body);
  const method = options.method ?? 'POST';
  const path = `/webhooks/${options.source}`;
  requests++;
  return {
    version: '2.0',
    routeKey: 'ANY /webhooks/{source}',
    rawPath: path,
    rawQueryString: options.query ?? '',
    headers: { host: 'hooks.example.com', ...options.headers },
    requestContext: {
      accountId: '000000000000',
      apiId: 'test',
      domainName: 'hooks.example.com',
      domainPrefix: 'hooks',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
      requestId: `req-${requests}`,
      routeKey: 'ANY /webhooks/{source}',
      stage: '$default',
      time: new Date(0).toUTCString(),
      timeEpoch: 0,
    },
    pathParameters: { source: options.source },
    ...(body && body.length > 0
      ? { body: body.toString('base64'), isBase64Encoded: true }
      : { isBase64Encoded: false }),
  };
}

/** Everything written to stdout and stderr while `run` runs (Powertools writes there). */
export async function captureOutput(run: () => Promise<void>): Promise<string> {
  const chunks: string[] = [];
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  const grab = (chunk: unknown) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    return true;
  };
  process.stdout.write = grab as typeof process.stdout.write;
  process.stderr.write = grab as typeof process.stderr.write;
  try {
    await run();
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
  return chunks.join('');
}
