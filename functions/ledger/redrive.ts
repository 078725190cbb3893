import type { Logger } from '@aws-lambda-powertools/logger';
import type { LedgerEvent } from '../../schemas/generated/ledger-event.ts';
import { describeDeadLetter } from '../deliver/dead-letter.ts';
import type { DeliveryQueue, LeadLedger, RedriveProgress, RedriveResult } from '../ports.ts';
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
    now?: () => Date;
  },
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
