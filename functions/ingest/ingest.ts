import { randomUUID } from 'node:crypto';
import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import type { LeadpipeConfig, SourceConfig } from '../../schemas/generated/config.ts';
import type { Lead } from '../../schemas/generated/lead.ts';
import type { LeadReceivedEvent } from '../../schemas/generated/lead-received-event.ts';
import { describeErrors, validateLead } from '../../schemas/validate.ts';
import { type LeadReferenceEvent, ReferenceOnlyError, referenceSenderOf } from '../enrich/reference.ts';
import type { SenderReference } from '../enrich/types.ts';
import { HttpError } from '../http/errors.ts';
import { bodyDeliveryId, bodySha256, leadIdFor } from '../lead/identity.ts';
import { acceptedEvents, contactOf, recordSafely } from '../ledger/events.ts';
import { mapPayload } from '../mapping/index.ts';
import { BodyParseError, parseBody } from '../mapping/parse-body.ts';
import { type MappedLead, MappingError, type MappingInput } from '../mapping/types.ts';
import { parseTraceparent, traceKeys } from '../observability/trace-context.ts';
import { PersonDirectoryUnavailableError, withPerson } from '../persons/resolve-lead.ts';
import type { LeadLedger, PersonDirectory, QuarantineStore, SecretResolver } from '../ports.ts';
import { type AlertPublisher, type LeadPublisher, PublishError } from '../ports.ts';
import { replayableHeaders } from '../quarantine/replayable-headers.ts';
import type { RouteDecision } from '../routing/route-decision.ts';
import { LEAD_RECEIVED } from '../routing/rules.ts';
import { resolveSigningSecrets, verifyWebhook } from '../verify/index.ts';
import { type VerifiedDelivery, type WebhookRequest, WebhookVerificationError } from '../verify/types.ts';
import { type InProgressWaitOptions, retryWhileInProgress } from './in-progress.ts';

/** How long a delivery id is remembered: longer than any sender keeps retrying (Stripe: 3 days). */
export const REMEMBER_DELIVERIES_SECONDS = 7 * 24 * 3600;

export interface IngestDependencies {
  config: LeadpipeConfig;
  secrets: SecretResolver;
  idempotencyStore: BasePersistenceLayer;
  quarantine: QuarantineStore;
  publish: LeadPublisher;
  /**
   * Publishes lead.reference events: a reference-only webhook (Meta leadgen, HubSpot contact.creation)
   * of a source with `enrich` settings goes to its enrichment stage instead of quarantine. Absent:
   * such webhooks are quarantined (no_contact) as before.
   */
  publishReferences?: (events: readonly LeadReferenceEvent[]) => Promise<void>;
  /** Tells ops a payload was quarantined; a failure to alert never fails the delivery. */
  raiseAlerts?: AlertPublisher;
  logger: Logger;
  /**
   * Told about every payload that became a lead, to notice schema drift (functions/drift). Its
   * failures are logged, never thrown: drift detection must not cost a delivery.
   */
  observeShape?: (source: string, payload: unknown) => Promise<void>;
  /**
   * Where each accepted delivery's steps are written (received, mapped or quarantined, routed), in
   * the idempotent step: on the embedded host in the same transaction as its idempotency record.
   */
  ledger?: LeadLedger;
  /** The routing rules' verdict, for the ledger's `routed` step (functions/routing/route-decision.ts). */
  decideRoutes?: (lead: Lead) => RouteDecision;
  /**
   * Who each lead is from (functions/persons): resolved in the idempotent step, before the lead is
   * published, so a retried delivery gets the same person id. Absent: leads carry no personId.
   */
  persons?: PersonDirectory;
  now?: () => Date;
  /** How a copy of a delivery in progress waits for it (tests shorten it); default in-progress.ts. */
  inProgressWait?: InProgressWaitOptions;
}

export interface IngestInput {
  source: string;
  request: WebhookRequest;
  /** The API Gateway request id, used as correlation id when the sender gives no delivery id. */
  requestId: string;
  lambdaContext: Context;
}

export type IngestStatus = 'accepted' | 'duplicate' | 'quarantined';

export interface IngestAnswer {
  statusCode: 200 | 202;
  body: { leadId: string; status: IngestStatus; reason?: { code: string; message: string } };
}

/** What the idempotent step is given: only `key` decides whether it already ran. */
interface Delivery {
  key: string;
  leadId: string;
  lead?: Lead;
  /** The sender's valid W3C traceparent, carried in the lead.received event. */
  traceparent?: string | undefined;
  quarantine?: { code: string; message: string } | undefined;
  /** Who the quarantined payload names, when mapping got that far (the ledger searches by it). */
  contact?: Lead | undefined;
  /** What the enrichment stage fetches, for a reference-only webhook of a source that enriches. */
  reference?: SenderReference | undefined;
}

interface Accepted {
  leadId: string;
  status: 'accepted' | 'quarantined';
  reason?: { code: string; message: string };
  duplicate?: boolean;
}

/**
 * The ingest pipeline: verify the signature on the raw body, parse, map to a lead, and then,
 * exactly once per delivery id, publish lead.received (or quarantine what cannot be mapped).
 * Anything that fails before the idempotent step changes nothing.
 */
/** The configured source of that name; 404 `unknown_source` otherwise. */
export function findSource(config: LeadpipeConfig, name: string): SourceConfig {
  const source = Object.hasOwn(config.sources, name) ? config.sources[name] : undefined;
  if (!source) throw new HttpError(404, 'unknown_source', `No source named "${name}" is configured.`);
  return source;
}

export function createIngest(deps: IngestDependencies): (input: IngestInput) => Promise<IngestAnswer> {
  const now = deps.now ?? (() => new Date());
  const settings = { phoneRegion: deps.config.settings?.phoneRegion ?? 'US' };
  const idempotency = new IdempotencyConfig({
    eventKeyJmesPath: 'key',
    expiresAfterSeconds: REMEMBER_DELIVERIES_SECONDS,
    // Runs only when the result comes from the store: that is how a duplicate is told apart.
    responseHook: (response) => ({ ...(response as object), duplicate: true }),
  });

  const acceptOnce = makeIdempotent(
    async (
      delivery: Delivery,
      source: string,
      raw: {
        body: Buffer;
        contentType: string;
        deliveryId: string;
        deliveryIdFrom: 'sender' | 'body-hash';
        correlationId: string;
        headers: Readonly<Record<string, string>>;
      },
    ): Promise<Accepted> => {
      let refused: { code: string; message: string } | undefined;
      if (delivery.reference) {
        try {
          await acceptReference(delivery, delivery.reference, source, raw);
          return { leadId: delivery.leadId, status: 'accepted' };
        } catch (error) {
          if (!(error instanceof PublishError && error.permanent)) throw error;
          refused = {
            code: 'publish_rejected',
            message: `The bus refused the reference event: ${error.message}`,
          };
        }
      } else if (delivery.lead) {
        try {
          const at = now();
          const { lead, mergedFrom } = await withPerson(deps.persons, delivery.lead);
          await deps.publish([leadReceived(lead, at, delivery.traceparent)]);
          const routes = deps.decideRoutes?.(lead) ?? { matched: [], unmatched: [] };
          await recordSafely(
            deps.ledger,
            acceptedEvents(lead, routes, at.toISOString(), mergedFrom),
            deps.logger,
          );
          if (mergedFrom) {
            // Ids only: they are random, not personal data. The CRM records under `from` stay as they are.
            deps.logger.warn('Two persons merged', {
              leadId: lead.id,
              into: lead.personId,
              from: mergedFrom,
            });
          }
          return { leadId: delivery.leadId, status: 'accepted' };
        } catch (error) {
          // A refusal no retry can change (the bus rejects the event itself) is set aside, not answered 503
          // forever; a passing failure propagates, so the record is released and the sender's retry succeeds.
          if (!(error instanceof PublishError && error.permanent)) throw error;
          refused = { code: 'publish_rejected', message: `The bus refused the lead event: ${error.message}` };
        }
      }
      const reason = refused ?? delivery.quarantine ?? { code: 'mapping_failed', message: 'unknown' };
      const receivedAt = now().toISOString();
      await deps.quarantine.put({
        leadId: delivery.leadId,
        source,
        deliveryId: raw.deliveryId,
        receivedAt,
        reason,
        contentType: raw.contentType,
        headers: replayableHeaders(raw.headers),
        body: raw.body.toString('base64'),
      });
      const contact = delivery.lead ?? delivery.contact;
      await recordSafely(
        deps.ledger,
        [
          {
            leadId: delivery.leadId,
            at: receivedAt,
            kind: 'received',
            source,
            deliveryId: raw.deliveryId,
            correlationId: raw.correlationId,
            contentType: raw.contentType,
            bytes: raw.body.length,
            ...(contact ? { contact: contactOf(contact) } : {}),
          },
          {
            leadId: delivery.leadId,
            at: receivedAt,
            kind: 'quarantined',
            code: reason.code,
            message: reason.message,
          },
        ],
        deps.logger,
      );
      try {
        await deps.raiseAlerts?.([
          {
            kind: 'quarantined',
            source,
            quarantineId: delivery.leadId,
            reason: `${reason.code}: ${reason.message}`,
          },
        ]);
      } catch (error) {
        deps.logger.error('Could not raise the quarantine alert', {
          source,
          leadId: delivery.leadId,
          error: error as Error,
        });
      }
      return { leadId: delivery.leadId, status: 'quarantined', reason };
    },
    { persistenceStore: deps.idempotencyStore, config: idempotency, keyPrefix: 'leadpipe-ingest' },
  );

  /** Queues a reference for its enrichment stage; its `received` step has no contact until the fetch. */
  async function acceptReference(
    delivery: Delivery,
    reference: SenderReference,
    source: string,
    raw: {
      body: Buffer;
      contentType: string;
      deliveryId: string;
      deliveryIdFrom: 'sender' | 'body-hash';
      correlationId: string;
    },
  ): Promise<void> {
    const at = now();
    const receivedAt = at.toISOString();
    // The `received` step first: the stage re-writes it with the contact once fetched, and must not be
    // overwritten by this one arriving later (on AWS the fetch can beat the ledger write).
    await recordSafely(
      deps.ledger,
      [
        {
          leadId: delivery.leadId,
          at: receivedAt,
          kind: 'received',
          source,
          deliveryId: raw.deliveryId,
          correlationId: raw.correlationId,
          contentType: raw.contentType,
          bytes: raw.body.length,
        },
      ],
      deps.logger,
    );
    await deps.publishReferences?.([
      {
        event_id: randomUUID(),
        event_type: 'lead.reference',
        source,
        timestamp: receivedAt,
        correlation_id: raw.correlationId,
        schema_version: 1,
        ...(delivery.traceparent ? { traceparent: delivery.traceparent } : {}),
        reference,
        lead: {
          id: delivery.leadId,
          receivedAt,
          raw: {
            deliveryId: raw.deliveryId,
            deliveryIdFrom: raw.deliveryIdFrom,
            contentType: raw.contentType,
            sha256: bodySha256(raw.body),
            bytes: raw.body.length,
          },
        },
      },
    ]);
  }

  return async ({ source: sourceName, request, requestId, lambdaContext }) => {
    const source = findSource(deps.config, sourceName);
    const verified = await verify(sourceName, source, request, deps.secrets, now());
    const contentType = request.headers['content-type'] ?? '';
    const payload = parse(contentType, request.body);

    const mappingInput: MappingInput = { payload, contentType, headers: request.headers, ...settings };
    let mapped: MappedLead | undefined;
    let problem: { code: string; message: string } | undefined;
    let reference: SenderReference | undefined;
    // Only an id the signature covers may deduplicate; an unsigned header id (GitHub, Shopify) only correlates.
    let senderDeliveryId = verified.deliveryIdSigned ? verified.deliveryId : undefined;
    try {
      mapped = await mapPayload(source.mapping, mappingInput);
      senderDeliveryId ??= mapped.deliveryId;
    } catch (error) {
      if (!(error instanceof MappingError)) throw error;
      problem = { code: error.code, message: error.message };
      senderDeliveryId ??= error.partial?.deliveryId;
      // A reference of the sender this source enriches from is fetched later instead of quarantined.
      if (
        error instanceof ReferenceOnlyError &&
        deps.publishReferences &&
        referenceSenderOf(source) === error.reference.sender
      )
        reference = error.reference;
    }

    const deliveryId = senderDeliveryId ?? bodyDeliveryId(sourceName, request.body);
    const leadId = leadIdFor(sourceName, deliveryId);
    const correlationId = verified.deliveryId ?? senderDeliveryId ?? requestId;
    // From here on every line of this webhook carries the id the lead and its event carry (the host may
    // have set a provisional one from the headers, before the payload could name its delivery).
    deps.logger.setCorrelationId(correlationId);
    const traceparent = parseTraceparent(request.headers.traceparent);
    let lead: Lead | undefined;
    let invalid: Lead | undefined;
    if (mapped) {
      const built = leadFromMapped(mapped, {
        source: sourceName,
        deliveryId,
        deliveryIdFrom: senderDeliveryId ? 'sender' : 'body-hash',
        correlationId,
        receivedAt: now().toISOString(),
        contentType,
        body: request.body,
      });
      if ('lead' in built) lead = built.lead;
      else {
        problem = built.problem;
        invalid = built.draft;
      }
    }

    idempotency.registerLambdaContext(lambdaContext);
    let result: Accepted;
    try {
      // A copy of a delivery still being handled waits briefly for it (in-progress.ts).
      result = await retryWhileInProgress(
        () =>
          acceptOnce(
            {
              key: `${sourceName}#${deliveryId}`,
              leadId,
              lead,
              traceparent,
              quarantine: problem,
              contact: invalid,
              reference,
            },
            sourceName,
            {
              body: request.body,
              contentType,
              deliveryId,
              deliveryIdFrom: senderDeliveryId ? 'sender' : 'body-hash',
              correlationId,
              headers: request.headers,
            },
          ),
        deps.inProgressWait,
      );
    } catch (error) {
      if (error instanceof PublishError) {
        // A passing failure (a permanent one was quarantined above). Nothing was acknowledged and the
        // idempotency record was released: the sender's retry will succeed.
        throw new HttpError(
          503,
          'temporarily_unavailable',
          'The lead could not be queued right now; nothing was stored. Retry in a few seconds.',
          { headers: { 'retry-after': '5' }, cause: error },
        );
      }
      if (error instanceof PersonDirectoryUnavailableError) {
        // Nothing was published and the idempotency record was released: the sender's retry resolves again.
        throw new HttpError(
          503,
          'temporarily_unavailable',
          'The lead’s person could not be resolved right now; nothing was queued. Retry in a few seconds.',
          { headers: { 'retry-after': '5' }, cause: error },
        );
      }
      if (error instanceof IdempotencyAlreadyInProgressError) {
        throw new HttpError(
          409,
          'delivery_in_progress',
          'This delivery is still being processed; retry in a few seconds.',
          {
            headers: { 'retry-after': '2' },
            cause: error,
          },
        );
      }
      throw error;
    }

    const logFields = {
      source: sourceName,
      leadId,
      ...traceKeys({ correlationId, traceparent }),
      status: result.duplicate ? 'duplicate' : result.status,
    };
    if (result.status === 'quarantined' && !result.duplicate)
      deps.logger.warn('Payload quarantined', { ...logFields, reason: result.reason?.code });
    else deps.logger.info('Delivery handled', logFields);
    if (result.status === 'accepted' && !result.duplicate && deps.observeShape) {
      try {
        await deps.observeShape(sourceName, payload);
      } catch (error) {
        deps.logger.error('Schema drift check failed', { source: sourceName, error: error as Error });
      }
    }

    if (result.duplicate) return { statusCode: 200, body: { leadId: result.leadId, status: 'duplicate' } };
    return {
      statusCode: 202,
      body: {
        leadId: result.leadId,
        status: result.status,
        ...(result.reason ? { reason: result.reason } : {}),
      },
    };
  };
}

async function verify(
  sourceName: string,
  source: SourceConfig,
  request: WebhookRequest,
  resolveSecret: SecretResolver,
  now: Date,
): Promise<VerifiedDelivery> {
  if (source.verify.scheme === 'none') return {};
  // A secret that cannot be resolved is our misconfiguration, not the sender's fault: a 500, logged.
  const secrets = await resolveSigningSecrets(sourceName, source.verify, resolveSecret);
  try {
    return verifyWebhook(request, source.verify, secrets, now);
  } catch (error) {
    if (error instanceof WebhookVerificationError) {
      throw new HttpError(
        401,
        error.code,
        `${error.message} (source "${sourceName}", scheme ${source.verify.scheme}).`,
        {
          cause: error,
        },
      );
    }
    throw error;
  }
}

function parse(contentType: string, body: Buffer): unknown {
  try {
    return parseBody(contentType, body);
  } catch (error) {
    if (error instanceof BodyParseError) {
      const status = error.code === 'unsupported_media_type' ? 415 : 400;
      throw new HttpError(status, error.code, error.message, { cause: error });
    }
    throw error;
  }
}

/** Where a lead came from: everything ingest (or a replay) adds to the mapped fields. */
export interface LeadProvenance {
  source: string;
  deliveryId: string;
  deliveryIdFrom: 'sender' | 'body-hash';
  correlationId: string;
  receivedAt: string;
  contentType: string;
  /** The raw body: only its hash and size go into the lead. */
  body: Buffer;
}

/** The canonical lead for mapped fields, or the problem that keeps it from being one (quarantined as such). */
export function leadFromMapped(
  mapped: MappedLead,
  from: LeadProvenance,
): { lead: Lead } | { problem: { code: string; message: string }; draft: Lead } {
  const { deliveryId: _fromBody, ...fields } = mapped;
  const lead: Lead = {
    ...fields,
    id: leadIdFor(from.source, from.deliveryId),
    source: from.source,
    receivedAt: from.receivedAt,
    schemaVersion: 1,
    correlationId: from.correlationId,
    raw: {
      deliveryId: from.deliveryId,
      deliveryIdFrom: from.deliveryIdFrom,
      contentType: from.contentType,
      sha256: bodySha256(from.body),
      bytes: from.body.length,
    },
  };
  if (validateLead(lead)) return { lead };
  return {
    problem: { code: 'invalid_lead', message: describeErrors(validateLead.errors, 'lead').join('; ') },
    draft: lead,
  };
}

/** The allow-list lives with the quarantine it serves; re-exported for the callers that import it from here. */
export { replayableHeaders };

/** The lead.received event detail for a lead, with the sender's W3C traceparent when it gave a valid one. */
export function leadReceived(lead: Lead, at: Date, traceparent?: string): LeadReceivedEvent {
  return {
    event_id: randomUUID(),
    event_type: LEAD_RECEIVED,
    source: lead.source,
    timestamp: at.toISOString(),
    correlation_id: lead.correlationId,
    ...(traceparent ? { traceparent } : {}),
    schema_version: 1,
    lead,
  };
}
