import type { Logger } from '@aws-lambda-powertools/logger';
import type { Lead } from '../../schemas/generated/lead.ts';
import type { LedgerEvent } from '../../schemas/generated/ledger-event.ts';
import { describeDeadLetter } from '../deliver/dead-letter.ts';
import { erasedBefore, erasedMessage } from '../erasure/tombstones.ts';
import type { DeliveryQueue, LeadLedger, RedriveProgress, RedriveResult, TombstoneStore } from '../ports.ts';
import { recordSafely } from './events.ts';

/**
 * Moves dead letters back to their queue and writes a `redriven` step for each lead moved, with
 * who asked: the one redrive the CLI and the console both run, on either host.
 */
export function redriveRecorded(
  queue: DeliveryQueue,
  options: {
    ledger?: LeadLedger;
    logger: Logger;
    by: string;
    messageIds?: readonly string[];
    limit?: number;
    onProgress?: (progress: RedriveProgress) => void;
    /** Erasure tombstones: dead letters of a person erased after the lead arrived are refused, not moved. */
    tombstones?: TombstoneStore;
    now?: () => Date;
  },
): Promise<RedriveResult> {
  if (options.tombstones) return redriveRefusingErased(queue, options, options.tombstones);
  return redriveAll(queue, options);
}

/**
 * Reads the dead letters the redrive would move first (a peek), and moves only those whose
 * person was not erased, by their ids; the others stay, each named in `errors` and counted in
 * `erased`. A dead letter that arrives between the peek and the move is moved unchecked: the
 * deliver engine drops it by the same tombstone.
 */
async function redriveRefusingErased(
  queue: DeliveryQueue,
  options: Parameters<typeof redriveRecorded>[1],
  tombstones: TombstoneStore,
): Promise<RedriveResult> {
  const { deadLetters } = await queue.depth();
  const peekMax = Math.min(
    options.limit ?? Number.POSITIVE_INFINITY,
    options.messageIds?.length ?? Number.POSITIVE_INFINITY,
    deadLetters.visible + deadLetters.inFlight,
  );
  const wanted = options.messageIds ? new Set(options.messageIds) : undefined;
  const peeked = (await queue.peekDeadLetters(options.messageIds ? deadLetters.visible : peekMax)).filter(
    (letter) => wanted === undefined || wanted.has(letter.messageId),
  );
  const refused = new Map<string, string>();
  for (const letter of peeked) {
    const lead = leadOf(letter.body);
    const erasedAt = lead ? await erasedBefore(tombstones, lead) : undefined;
    if (lead && erasedAt !== undefined) refused.set(letter.messageId, erasedMessage(lead.id, erasedAt));
  }
  if (refused.size === 0) return redriveAll(queue, options);
  const messageIds = peeked.map((letter) => letter.messageId).filter((id) => !refused.has(id));
  const result = await redriveAll(queue, { ...options, messageIds });
  return {
    ...result,
    erased: refused.size,
    errors: [...result.errors, ...[...refused.values()].map((text) => `not redriven: ${text}`)],
  };
}

function leadOf(body: string): Pick<Lead, 'id' | 'email' | 'phone' | 'receivedAt'> | undefined {
  try {
    const lead = (JSON.parse(body) as { detail?: { lead?: Lead } }).detail?.lead;
    return lead && typeof lead.id === 'string' && typeof lead.receivedAt === 'string' ? lead : undefined;
  } catch {
    return undefined;
  }
}

function redriveAll(
  queue: DeliveryQueue,
  options: Omit<Parameters<typeof redriveRecorded>[1], 'tombstones'>,
): Promise<RedriveResult> {
  const now = options.now ?? (() => new Date());
  const pending: Promise<void>[] = [];
  return queue
    .redrive({
      ...(options.limit !== undefined ? { limit: options.limit } : {}),
      ...(options.messageIds ? { messageIds: options.messageIds } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      onMoved: (moved) => {
        const at = now().toISOString();
        const steps: LedgerEvent[] = moved.flatMap((message) => {
          const { leadId } = describeDeadLetter({
            messageId: message.messageId,
            body: message.body,
            sentAt: 0,
            receiveCount: 0,
          });
          return leadId
            ? [{ leadId, at, kind: 'redriven', destination: queue.destination, by: options.by }]
            : [];
        });
        pending.push(recordSafely(options.ledger, steps, options.logger));
      },
    })
    .then(async (result) => {
      await Promise.all(pending);
      return result;
    });
}
