/**
 * Salesforce's published limits, in one leaf module: the adapter, its sandbox and the CDK stack
 * read them from here, so `cdk synth` need not load jsforce to know them.
 */

/** sObject Collections takes at most 200 records per call. */
export const SALESFORCE_BATCH_LIMIT = 200;

/** Salesforce refuses a REST call whose URI and headers together pass this (414 URI Too Long, 431). */
export const SALESFORCE_URI_AND_HEADERS_LIMIT = 16_384;

/**
 * A SOQL query travels in the URI, so the person lookup keeps each query's URI under this budget,
 * leaving about 1.4 KB for the bearer token and the other headers, and splits a batch into more
 * queries when it must.
 */
export const SALESFORCE_QUERY_URI_BUDGET = 15_000;
