import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import type { LeadpipeConfig } from '../../schemas/generated/config.ts';
import type { Lead } from '../../schemas/generated/lead.ts';
import { erasedBefore } from '../erasure/tombstones.ts';
import { leadFromMapped, leadReceived, REMEMBER_DELIVERIES_SECONDS } from '../ingest/ingest.ts';
import { contactOf, mappedEvent, recordSafely, routedEvent } from '../ledger/events.ts';
import { mapPayload } from '../mapping/index.ts';
import { BodyParseError, parseBody } from '../mapping/parse-body.ts';
import { MappingError } from '../mapping/types.ts';
import { withPerson } from '../persons/resolve-lead.ts';
import type {
  LeadLedger,
  LeadPublisher,
  PersonDirectory,
  QuarantinedPayload,
  QuarantineStore,
  TombstoneStore,
} from '../ports.ts';
import type { RouteDecision } from '../routing/route-decision.ts';

export interface ReplayDependencies {
  /** The config as it is NOW: replaying is how a fixed mapping reaches payloads it failed on. */
  config: LeadpipeConfig;
  quarantine: QuarantineStore;
  /**
   * A persistence layer over the table ingest uses (records keyed leadpipe-replay#...), but its
   * own instance: Powertools configures a layer once, for the first idempotent function using it.
   */
  idempotencyStore: BasePersistenceLayer;
  publish: LeadPublisher;
  /** Where the replay's steps go (replayed, and when it publishes: mapped, routed), with who asked. */
  ledger?: { ledger: LeadLedger; logger: Logger; by: string; decideRoutes: (lead: Lead) => RouteDecision };
  /** Who the lead is from, resolved as ingest does (functions/persons/resolve-lead.ts); absent: no personId. */
  persons?: PersonDirectory;
  /** Erasure tombstones: a payload of a person erased after it arrived is refused (and removed), never published. */
  tombstones?: TombstoneStore;
  now?: () => Date;
}

export type ReplayResult =
  | { status: 'replayed'; leadId: string }
  /** Published by an earlier replay that stopped before removing the entry; removed now. */
  | { status: 'already-replayed'; leadId: string }
  | { status: 'still-quarantined'; leadId: string; reason: { code: string; message: string } }
  | { status: 'not-found'; leadId: string }
  | { status: 'in-progress'; leadId: string }
  /** Its person was erased after it arrived: not published, and the entry removed (it is that person's data). */
  | { status: 'erased'; leadId: string; erasedAt: string }
  | { status: 'unknown-source'; leadId: string; source: string };

/** How long a replay may hold its claim before another may take over (a crashed CLI, say). */
const CLAIM_MS = 60_000;

/**
 * Replays quarantined payloads: re-runs parse and mapping with the current config for the
 * payload's source and, when a lead comes out, publishes lead.received with the lead id the
 * delivery got on arrival, then removes the entry. The signature is not checked again: it was
 * verified on arrival (only verified payloads are quarantined), and the secret may have been
 * rotated since. Publishing is idempotent per lead id (a Powertools idempotency record), so two
 * replays of one entry, even at once, publish once. The mapping sees the headers the
 * delivery arrived with that are on the allow-list (functions/quarantine/replayable-headers.ts).
 */
export function createReplay(deps: ReplayDependencies): (leadId: string) => Promise<ReplayResult> {
  const now = deps.now ?? (() => new Date());
  const config = new IdempotencyConfig({
    eventKeyJmesPath: 'id',
    // A layer already configured for another function would silently skip idempotency: fail instead.
    throwOnNoIdempotencyKey: true,
    expiresAfterSeconds: REMEMBER_DELIVERIES_SECONDS,
    responseHook: (response) => ({ ...(response as object), before: true }),
  });
  const publishOnce = makeIdempotent(
    async (
      mapped: Lead,
    ): Promise<{ published: true; before?: boolean; personId?: string; mergedFrom?: string }> => {
      // In the idempotent step, as on ingest: a replay that publishes twice is one that resolved once.
      const { lead, mergedFrom } = await withPerson(deps.persons, mapped);
      await deps.publish([leadReceived(lead, now())]);
      // Only ids go into the idempotency record, never the lead's fields.
      return {
        published: true,
        ...(lead.personId ? { personId: lead.personId } : {}),
        ...(mergedFrom ? { mergedFrom } : {}),
      };
    },
    { persistenceStore: deps.idempotencyStore, config, keyPrefix: 'leadpipe-replay' },
  );

  return async (leadId) => {
    const entry = await deps.quarantine.get(leadId);
    if (!entry) return { status: 'not-found', leadId };
    const source = Object.hasOwn(deps.config.sources, entry.source)
      ? deps.config.sources[entry.source]
      : undefined;
    if (!source) return { status: 'unknown-source', leadId, source: entry.source };

    const outcome = await remap(entry, source.mapping, deps.config.settings?.phoneRegion ?? 'US');
    if ('problem' in outcome) {
      await record([
        {
          leadId,
          at: now().toISOString(),
          kind: 'replayed',
          by: deps.ledger?.by ?? 'unknown',
          outcome: 'still-quarantined',
          reason: `${outcome.problem.code}: ${outcome.problem.message}`,
        },
      ]);
      return { status: 'still-quarantined', leadId, reason: outcome.problem };
    }

    const erasedAt = deps.tombstones ? await erasedBefore(deps.tombstones, outcome.lead) : undefined;
    if (erasedAt !== undefined) {
      await deps.quarantine.remove(leadId);
      return { status: 'erased', leadId, erasedAt };
    }

    config.registerLambdaContext(claimContext(leadId));
    let published: { before?: boolean; personId?: string; mergedFrom?: string };
    try {
      published = await publishOnce(outcome.lead);
    } catch (error) {
      if (error instanceof IdempotencyAlreadyInProgressError) return { status: 'in-progress', leadId };
      throw error;
    }
    await deps.quarantine.remove(leadId);
    if (!published.before) {
      const at = now().toISOString();
      const lead = published.personId ? { ...outcome.lead, personId: published.personId } : outcome.lead;
      await record([
        // The webhook's own arrival again, now with who it names: kept once, and searchable by them.
        {
          leadId,
          at: entry.receivedAt,
          kind: 'received',
          source: entry.source,
          deliveryId: entry.deliveryId,
          correlationId: lead.correlationId,
          contentType: entry.contentType,
          bytes: lead.raw?.bytes ?? 0,
          contact: contactOf(lead),
        },
        { leadId, at, kind: 'replayed', by: deps.ledger?.by ?? 'unknown', outcome: 'published' },
        mappedEvent(lead, at, { replay: true, mergedFrom: published.mergedFrom }),
        routedEvent(leadId, at, deps.ledger?.decideRoutes(lead) ?? { matched: [], unmatched: [] }),
      ]);
    }
    return { status: published.before ? 'already-replayed' : 'replayed', leadId };
  };

  async function record(events: Parameters<LeadLedger['append']>[0]): Promise<void> {
    if (deps.ledger) await recordSafely(deps.ledger.ledger, events, deps.ledger.logger);
  }
}

async function remap(
  entry: QuarantinedPayload,
  mapping: LeadpipeConfig['sources'][string]['mapping'],
  phoneRegion: string,
): Promise<{ lead: Lead } | { problem: { code: string; message: string } }> {
  const body = Buffer.from(entry.body, 'base64');
  try {
    const payload = parseBody(entry.contentType, body);
    const mapped = await mapPayload(mapping, {
      payload,
      contentType: entry.contentType,
      headers: entry.headers ?? { 'content-type': entry.contentType },
      phoneRegion,
    });
    return leadFromMapped(mapped, {
      source: entry.source,
      deliveryId: entry.deliveryId,
      deliveryIdFrom: entry.deliveryId.startsWith('sha256:') ? 'body-hash' : 'sender',
      correlationId: entry.deliveryId,
      // The lead arrived when the sender sent it, not when it was replayed.
      receivedAt: entry.receivedAt,
      contentType: entry.contentType,
      body,
    });
  } catch (error) {
    if (error instanceof MappingError || error instanceof BodyParseError) {
      return { problem: { code: error.code, message: error.message } };
    }
    throw error;
  }
}

/**
 * Powertools sets an in-progress record's expiry from the Lambda context's remaining time; a
 * replay is not a Lambda, so this context gives it CLAIM_MS, after which another replay may retry.
 */
function claimContext(requestId: string): Context {
  const deadline = Date.now() + CLAIM_MS;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'leadpipe-replay',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:leadpipe-replay',
    memoryLimitInMB: '128',
    awsRequestId: requestId,
    logGroupName: 'leadpipe-replay',
    logStreamName: 'cli',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
