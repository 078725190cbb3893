/**
 * Salesforce's published limits, in one leaf module: the adapter, its sandbox and the CDK stack
 * read them from here, so `cdk synth` need not load jsforce to know them.
 */

/** sObject Collections takes at most 200 records per call. */
export const SALESFORCE_BATCH_LIMIT = 200;
