import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { RoutingRule } from '../functions/routing/rules.ts';
import { matchesPattern } from './event-pattern.ts';

export interface LocalBus {
  /** Endpoint for the EventBridge SDK client. */
  endpoint: string;
  /** Events accepted so far, by detail-type: a cheap check for tests and /health. */
  readonly counts: Readonly<Record<string, number>>;
  end(): Promise<void>;
}

export interface LocalBusOptions {
  busName: string;
  rules: readonly RoutingRule[];
  /** SQS queue URL of each destination. */
  queues: Readonly<Record<string, string>>;
  sqs: SQSClient;
  region?: string;
}

const ACCOUNT = '000000000000';
/** EventBridge's own limits: 10 entries per PutEvents, 256 KB per request. */
const MAX_ENTRIES = 10;
const MAX_REQUEST_BYTES = 256 * 1024;

/**
 * A stand-in for EventBridge, reached by the real EventBridge SDK client over its JSON protocol
 * (AWSEvents.PutEvents). Each accepted event is matched against the generated routing rules and
 * sent to the matching destinations' SQS queues, in the envelope an EventBridge SQS target
 * delivers. PutEvents answers only after the queues took the event, so an acknowledged lead is
 * already durable.
 */
export async function startLocalBus(options: LocalBusOptions): Promise<LocalBus> {
  const counts: Record<string, number> = {};
  const region = options.region ?? 'us-east-1';

  const server = createServer((req, res) => {
    handle(req, res).catch((error: Error) =>
      reply(res, 500, { __type: 'InternalException', message: error.message }),
    );
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const target = req.headers['x-amz-target'];
    if (target !== 'AWSEvents.PutEvents') {
      return reply(res, 400, {
        __type: 'UnknownOperationException',
        message: `The local bus only serves PutEvents, not ${String(target)}`,
      });
    }
    if (body.length > MAX_REQUEST_BYTES) {
      return reply(res, 400, {
        __type: 'ValidationException',
        message: 'Total size of the entries in the request is over the limit.',
      });
    }
    const request = JSON.parse(body.toString('utf8')) as { Entries?: PutEventsEntry[] };
    const entries = request.Entries ?? [];
    if (entries.length < 1 || entries.length > MAX_ENTRIES) {
      return reply(res, 400, {
        __type: 'ValidationException',
        message: `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and ${MAX_ENTRIES}`,
      });
    }
    const results = [];
    let failed = 0;
    for (const entry of entries) {
      const result = await route(entry);
      if ('ErrorCode' in result) failed++;
      results.push(result);
    }
    reply(res, 200, { FailedEntryCount: failed, Entries: results });
  }

  async function route(
    entry: PutEventsEntry,
  ): Promise<{ EventId: string } | { ErrorCode: string; ErrorMessage: string }> {
    if (
      entry.EventBusName &&
      entry.EventBusName !== options.busName &&
      !entry.EventBusName.endsWith(`/${options.busName}`)
    ) {
      return {
        ErrorCode: 'ResourceNotFoundException',
        ErrorMessage: `Event bus ${entry.EventBusName} does not exist.`,
      };
    }
    let detail: unknown;
    try {
      detail = JSON.parse(entry.Detail ?? '');
    } catch {
      return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    }
    const id = randomUUID();
    const event = {
      version: '0',
      id,
      'detail-type': entry.DetailType,
      source: entry.Source,
      account: ACCOUNT,
      time: toIsoSeconds(entry.Time),
      region,
      resources: entry.Resources ?? [],
      detail,
    };
    const targets = new Set(
      options.rules
        .filter((rule) => matchesPattern(rule.eventPattern, event))
        .map((rule) => rule.destination),
    );
    const body = JSON.stringify(event);
    for (const destination of targets) {
      const queueUrl = options.queues[destination];
      if (!queueUrl) continue;
      const sent = await options.sqs.send(
        new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: [{ Id: '0', MessageBody: body }] }),
      );
      if (sent.Failed?.length) {
        return {
          ErrorCode: 'InternalFailure',
          ErrorMessage: `Could not deliver to the ${destination} queue`,
        };
      }
    }
    const type = String(entry.DetailType);
    counts[type] = (counts[type] ?? 0) + 1;
    return { EventId: id };
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    counts,
    end: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface PutEventsEntry {
  Source?: string;
  DetailType?: string;
  Detail?: string;
  EventBusName?: string;
  Resources?: string[];
  Time?: number | string;
}

/** The SDK sends Time as epoch seconds; EventBridge events carry it as ISO 8601 without milliseconds. */
function toIsoSeconds(time: number | string | undefined): string {
  const date = time === undefined ? new Date() : new Date(typeof time === 'number' ? time * 1000 : time);
  return `${date.toISOString().slice(0, 19)}Z`;
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(body));
}
