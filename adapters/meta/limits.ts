/**
 * Meta Graph API facts leadpipe relies on, in one leaf module (no SDK), so the fetcher, its sandbox
 * and the CDK stack read the same numbers.
 *
 * Sources: developers.facebook.com/docs/graph-api/guides/error-handling (error body and codes),
 * .../graph-api/overview/rate-limiting (codes 4, 17, 32, 613; the X-App-Usage and
 * X-Business-Use-Case-Usage headers), .../marketing-api/guides/lead-ads/retrieving (GET /{lead-id}).
 */

/** The Graph API version leadpipe calls (path prefix). Meta keeps a version for at least two years. */
export const GRAPH_API_VERSION = 'v24.0';

/** Where the Graph API answers; a source's `enrich.baseUrl` replaces it (the sandbox, locally). */
export const GRAPH_API_BASE_URL = 'https://graph.facebook.com';

/** The lead fields leadpipe asks for: the answers and the ids that say which ad and form produced them. */
export const LEAD_FIELDS = [
  'id',
  'created_time',
  'ad_id',
  'adset_id',
  'campaign_id',
  'form_id',
  'field_data',
  'is_organic',
  'platform',
] as const;

/** Every field a lead (LeadgenInfo) node has, for the sandbox's "nonexisting field" error. */
export const KNOWN_LEAD_FIELDS: ReadonlySet<string> = new Set([
  ...LEAD_FIELDS,
  'ad_name',
  'adset_name',
  'campaign_name',
  'custom_disclaimer_responses',
  'home_listing',
  'inbox_url',
  'partner_name',
  'post',
  'retailer_item_id',
  'vehicle',
]);

/** Graph error codes that mean "throttled: wait and retry" (app, user, page, API-specific). */
export const RATE_LIMIT_CODES: ReadonlySet<number> = new Set([4, 17, 32, 613]);

/** Graph error codes that are passing trouble on Meta's side (unknown, service, temporarily blocked). */
export const TRANSIENT_CODES: ReadonlySet<number> = new Set([1, 2, 341, 368]);

/** OAuthException: the access token is expired, revoked or invalid; subcodes say which. */
export const TOKEN_INVALID_CODE = 190;

/** error_subcode of 190 for an expired session or token. */
export const TOKEN_EXPIRED_SUBCODE = 463;

/** Permission errors (10, 200-299): the token lacks leads_retrieval or Page access; an operator must fix it. */
export function isPermissionCode(code: number): boolean {
  return code === 10 || (code >= 200 && code <= 299);
}

/** GraphMethodException 100: the object does not exist, or this token cannot see it. */
export const UNKNOWN_OBJECT_CODE = 100;

/** How long one Graph call may take before the fetcher gives up and retries later. */
export const GRAPH_TIMEOUT_MS = 10_000;
