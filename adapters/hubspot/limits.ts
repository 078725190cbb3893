/**
 * HubSpot's published limits, in one leaf module: the adapter, its sandbox and the CDK stack
 * read them from here, so `cdk synth` need not load the HubSpot SDK to know them.
 */

/** Inputs per contacts batch call (POST /crm/v3/objects/contacts/batch/upsert, read, create, update). */
export const HUBSPOT_BATCH_LIMIT = 100;
/** Pro/Enterprise private apps may send 190 requests per rolling 10 s. */
export const DEFAULT_RATE_LIMIT = { requests: 190, perSeconds: 10 };
