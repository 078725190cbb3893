import type { Lead } from '../../schemas/generated/lead.ts';
import type { PersonDirectory } from '../ports.ts';
import { personKeysOf } from './keys.ts';

/** The person directory could not be reached or kept refusing: the lead is not accepted, the sender retries. */
export class PersonDirectoryUnavailableError extends Error {
  override readonly name = 'PersonDirectoryUnavailableError';
}

export interface LeadWithPerson {
  lead: Lead;
  /** The person id that was merged into `lead.personId` by this lead (the ledger's `mapped` step says so). */
  mergedFrom?: string;
}

/**
 * Gives a lead its person: the one shared step of ingest and quarantine replay, run where each
 * publishes exactly once, so that a retried delivery or a second replay gets the same person id.
 * A lead without an email or phone that identifies anyone is returned as it is.
 */
export async function withPerson(
  directory: PersonDirectory | undefined,
  lead: Lead,
): Promise<LeadWithPerson> {
  const keys = directory ? personKeysOf(lead) : undefined;
  if (!directory || !keys) return { lead };
  let resolution: Awaited<ReturnType<PersonDirectory['resolve']>>;
  try {
    // First seen is when the lead arrived (a replay's lead keeps its arrival time).
    resolution = await directory.resolve(keys, lead.receivedAt);
  } catch (error) {
    throw new PersonDirectoryUnavailableError('The person directory could not resolve the lead’s person.', {
      cause: error,
    });
  }
  return {
    lead: { ...lead, personId: resolution.personId },
    ...(resolution.merged ? { mergedFrom: resolution.merged.from } : {}),
  };
}
