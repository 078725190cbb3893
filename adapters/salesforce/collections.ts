import type { Outcome } from '../../functions/ports.ts';
import { TIME_BUDGET_SPENT } from '../deadline.ts';
import { type Caller, failureReason, judge, type RestRequest } from './caller.ts';
import { redact, type SalesforceRecord } from './records.ts';

/** One record of an sObject Collections call and the leads it speaks for (several: one person's leads of a batch). */
export interface WriteItem {
  leadIds: readonly string[];
  record: SalesforceRecord;
}

/** One entry of an sObject Collections answer: `{id, success, errors:[{statusCode, message, fields}]}`. */
export interface RecordResult {
  id?: unknown;
  success?: unknown;
  errors?: { statusCode?: unknown; message?: unknown; fields?: unknown }[];
}

/** Per-record errors that say "not now" rather than "never": the record is fine, the org was busy. */
export const TRANSIENT_RECORD_ERRORS: ReadonlySet<string> = new Set([
  'UNABLE_TO_LOCK_ROW',
  'UNKNOWN_EXCEPTION',
  'SERVER_UNAVAILABLE',
  'REQUEST_RUNNING_TOO_LONG',
]);

/** Turns one record's answer into an outcome; `base` is the instance URL without a trailing slash. */
export type ClassifyRecord<T extends WriteItem> = (item: T, result: RecordResult, base: string) => Outcome;

export interface SendRecordsOptions<T extends WriteItem> {
  call: Caller;
  request: (records: SalesforceRecord[]) => RestRequest;
  classify: ClassifyRecord<T>;
  outcomes: Map<string, Outcome>;
  deadline: number | undefined;
}

/**
 * Sends one collection call (at most 200 records), splitting it in halves on a request-wide 400
 * until the bad records are alone. Returns the outcome for everything not yet sent when the org
 * refused the call as a whole (credentials, limits, an outage, the deadline).
 */
export async function sendRecords<T extends WriteItem>(
  items: T[],
  options: SendRecordsOptions<T>,
): Promise<Outcome | undefined> {
  const { outcomes } = options;
  const records = items.map((item) => item.record);
  const result = await options.call(options.request(records), options.deadline);
  if (result.ok) {
    const base = result.session.instanceUrl.replace(/\/+$/, '');
    if (!Array.isArray(result.body) || result.body.length !== items.length) {
      // Without one result per record in order, nothing can be said about any of them.
      for (const item of items) {
        setAll(outcomes, item, {
          status: 'retry',
          reason: 'Salesforce answered the collection call without one result per record',
        });
      }
      return undefined;
    }
    const body = result.body as RecordResult[];
    items.forEach((item, index) => {
      setAll(outcomes, item, options.classify(item, body[index] ?? {}, base));
    });
    return undefined;
  }
  if (!('failure' in result)) {
    for (const item of items) setAll(outcomes, item, TIME_BUDGET_SPENT);
    return TIME_BUDGET_SPENT;
  }
  const verdict = judge(result.failure, items.length, (field) =>
    records.every((record) => Object.hasOwn(record, field)),
  );
  if (verdict.kind === 'split' && items.length > 1) {
    const middle = Math.ceil(items.length / 2);
    const stop = await sendRecords(items.slice(0, middle), options);
    if (stop) {
      for (const item of items.slice(middle)) setAll(outcomes, item, stop);
      return stop;
    }
    return sendRecords(items.slice(middle), options);
  }
  if (verdict.kind === 'stop') {
    for (const item of items) setAll(outcomes, item, verdict.outcome);
    return verdict.outcome;
  }
  const reason = verdict.kind === 'reject' ? verdict.reason : failureReason(result.failure);
  for (const item of items)
    setAll(outcomes, item, { status: 'rejected', reason: redact(reason, item.record) });
  return undefined;
}

function setAll(outcomes: Map<string, Outcome>, item: WriteItem, outcome: Outcome): void {
  for (const id of item.leadIds) outcomes.set(id, outcome);
}

/** The status codes and the person-free reason of a failed record. */
export function recordErrors(
  result: RecordResult,
  record: SalesforceRecord,
): { codes: string[]; fields: string[]; reason: string } {
  const errors = Array.isArray(result.errors) ? result.errors : [];
  const codes = errors.map((error) => String(error.statusCode ?? 'UNKNOWN_ERROR'));
  const fields = errors.flatMap((error) => (Array.isArray(error.fields) ? error.fields.map(String) : []));
  const reason =
    errors.length > 0
      ? errors.map((error, i) => `${codes[i]}: ${String(error.message ?? '')}`).join('; ')
      : 'UNKNOWN_ERROR: Salesforce reported a failure without an error';
  return { codes, fields, reason: redact(reason, record) };
}

/** The outcome of one record: delivered with a link, `retry` for a busy org, `rejected` otherwise. */
export function recordOutcome(result: RecordResult, record: SalesforceRecord, base: string): Outcome {
  if (result.success === true && typeof result.id === 'string') {
    return { status: 'delivered', ref: recordRef(base, record.attributes.type, result.id) };
  }
  const { codes, reason } = recordErrors(result, record);
  const transient = codes.length > 0 && codes.every((code) => TRANSIENT_RECORD_ERRORS.has(code));
  return { status: transient ? 'retry' : 'rejected', reason };
}

export function recordRef(base: string, object: string, id: string): { id: string; url: string } {
  return { id, url: `${base}/lightning/r/${object}/${id}/view` };
}
