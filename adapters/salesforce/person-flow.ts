import type { Outcome } from '../../functions/ports.ts';
import type { Lead } from '../../schemas/generated/lead.ts';
import { TIME_BUDGET_SPENT } from '../deadline.ts';
import { type Caller, failureReason, judge } from './caller.ts';
import {
  type RecordResult,
  recordErrors,
  recordOutcome,
  recordRef,
  sendRecords,
  TRANSIENT_RECORD_ERRORS,
  type WriteItem,
} from './collections.ts';
import { SALESFORCE_BATCH_LIMIT, SALESFORCE_QUERY_URI_BUDGET } from './limits.ts';
import {
  CONVERSION_SELECT,
  contactWrite,
  encodeSoql,
  type KnownRecord,
  leadSelectFields,
  leadWrite,
  matchPersons,
  type PersonKey,
  type PersonMapping,
  personQueries,
  personValues,
  type Values,
} from './person-records.ts';
import { redact } from './records.ts';

export interface PersonFlowContext {
  call: Caller;
  apiVersion: string;
  mapping: PersonMapping;
}

/** A converted Lead whose Contact is gone: nothing leadpipe may write. */
export const CONVERTED_WITHOUT_CONTACT_REASON =
  "the person's Lead was converted and has no Contact to update (ConvertedContactId is empty): not retried";

interface PersonItem extends WriteItem {
  /** 'lead' creates or updates the person's Lead; 'contact' updates a converted Lead's Contact. */
  target: 'lead' | 'contact';
}

/** A page of a SOQL answer. */
interface QueryPage {
  records?: unknown;
  done?: unknown;
  nextRecordsUrl?: unknown;
}

const MAX_QUERY_PAGES = 10;

/**
 * Delivers leads that carry a person id, so that each person is one Lead: one SOQL query (or a few,
 * when the URI would grow too long) reads every person's Lead by person id, or by email for Leads
 * made before leadpipe or by hand; then one create call for the new persons and one update call for
 * the known ones (and for the Contacts of converted Leads), each sending only what the field policy
 * allows. Returns the outcome for everything left unsent when the org refused a call as a whole.
 */
export async function deliverPersons(
  leads: readonly Lead[],
  context: PersonFlowContext,
  outcomes: Map<string, Outcome>,
  deadline: number | undefined,
): Promise<Outcome | undefined> {
  const { mapping, call } = context;
  const groups = byPerson(leads, mapping);
  const read = await readPersons(
    [...groups].map(([personId, group]) => ({ personId, email: group.email })),
    context,
    deadline,
  );
  if ('stop' in read || 'reject' in read) {
    const outcome: Outcome = 'stop' in read ? read.stop : { status: 'rejected', reason: read.reject };
    for (const lead of leads) outcomes.set(lead.id, outcome);
    return 'stop' in read ? read.stop : undefined;
  }
  const creates: PersonItem[] = [];
  const updates: PersonItem[] = [];
  for (const [personId, group] of groups) {
    const planned = plan(group, read.known.get(personId), mapping, read.base);
    if ('outcome' in planned) for (const id of group.leadIds) outcomes.set(id, planned.outcome);
    else (planned.item.record.Id === undefined ? creates : updates).push(planned.item);
  }
  // Salesforce processes a mixed-type collection in chunks of consecutive same-type records, at
  // most 10 per call: Leads first, then Contacts, makes two.
  updates.sort((a, b) => Number(a.target === 'contact') - Number(b.target === 'contact'));
  const path = `/services/data/v${context.apiVersion}/composite/sobjects`;
  const calls = [
    ...chunks(creates).map((items) => ({ items, method: 'POST' as const })),
    ...chunks(updates).map((items) => ({ items, method: 'PATCH' as const })),
  ];
  for (const [index, { items, method }] of calls.entries()) {
    const stop = await sendRecords(items, {
      call,
      request: (records) => ({ method, url: path, body: { allOrNone: false, records } }),
      classify: (item, result, instance) => personOutcome(item, result, instance, mapping),
      outcomes,
      deadline,
    });
    if (stop) {
      for (const rest of calls.slice(index + 1))
        for (const item of rest.items) for (const id of item.leadIds) outcomes.set(id, stop);
      return stop;
    }
  }
  return undefined;
}

interface PersonGroup {
  /** The person's leads of this batch, in the order they arrived. */
  leadIds: string[];
  values: Values[];
  /** The first email any of them gave, to find a Lead made by hand. */
  email: string | undefined;
}

function byPerson(leads: readonly Lead[], mapping: PersonMapping): Map<string, PersonGroup> {
  const groups = new Map<string, PersonGroup>();
  for (const lead of leads) {
    const key = lead.personId ?? '';
    const values = personValues(lead, mapping);
    const email = typeof values.Email === 'string' ? values.Email : undefined;
    const group = groups.get(key) ?? { leadIds: [], values: [], email: undefined };
    group.leadIds.push(lead.id);
    group.values.push(values);
    group.email ??= email;
    groups.set(key, group);
  }
  return groups;
}

function chunks<T>(items: readonly T[]): T[][] {
  const calls: T[][] = [];
  for (let start = 0; start < items.length; start += SALESFORCE_BATCH_LIMIT) {
    calls.push(items.slice(start, start + SALESFORCE_BATCH_LIMIT));
  }
  return calls;
}

/**
 * Folds one person's leads of a batch, in arrival order, into one write: each lead is merged with
 * what the record would hold after the ones before it, so the record ends as if they had been sent
 * one by one, in one call instead of one per lead. Every lead of the person gets that write's outcome.
 */
function fold(
  group: PersonGroup,
  current: KnownRecord['values'] | undefined,
  write: (values: Values, state: KnownRecord['values'] | undefined) => Record<string, unknown>,
): Record<string, string | number | boolean | null> {
  let state = current;
  let combined: Record<string, string | number | boolean | null> = {};
  for (const values of group.values) {
    const next = write(values, state) as Record<string, string | number | boolean | null>;
    combined = { ...combined, ...next };
    state = { ...state, ...next };
  }
  if (current === undefined) {
    // On create a null (a field cleared by a later lead of the batch) is simply not sent.
    for (const [field, value] of Object.entries(combined)) if (value === null) delete combined[field];
  }
  return combined;
}

/** What to do for one person: a record to send, or an outcome known without a call. */
function plan(
  group: PersonGroup,
  current: KnownRecord | undefined,
  mapping: PersonMapping,
  base: string,
): { item: PersonItem } | { outcome: Outcome } {
  const { leadIds } = group;
  if (!current) {
    const written = fold(group, undefined, (values, state) => leadWrite(values, state, mapping));
    return {
      item: { leadIds, target: 'lead', record: { attributes: { type: mapping.object }, ...written } },
    };
  }
  if (current.converted) {
    if (!current.contactId)
      return { outcome: { status: 'rejected', reason: CONVERTED_WITHOUT_CONTACT_REASON } };
    const written = fold(group, current.contact ?? {}, (values, state) =>
      contactWrite(values, state ?? {}, mapping),
    );
    if (Object.keys(written).length === 0) {
      return { outcome: { status: 'delivered', ref: recordRef(base, 'Contact', current.contactId) } };
    }
    return {
      item: {
        leadIds,
        target: 'contact',
        record: { attributes: { type: 'Contact' }, Id: current.contactId, ...written },
      },
    };
  }
  const written = fold(group, current.values, (values, state) => leadWrite(values, state, mapping));
  if (Object.keys(written).length === 0) {
    return { outcome: { status: 'delivered', ref: recordRef(base, mapping.object, current.id) } };
  }
  return {
    item: {
      leadIds,
      target: 'lead',
      record: { attributes: { type: mapping.object }, Id: current.id, ...written },
    },
  };
}

/** One record's outcome, with the person flow's own readings of three refusals. */
function personOutcome(
  item: PersonItem,
  result: RecordResult,
  base: string,
  mapping: PersonMapping,
): Outcome {
  if (result.success === true) return recordOutcome(result, item.record, base);
  const { codes, fields, reason } = recordErrors(result, item.record);
  if (item.target === 'contact') {
    const transient = codes.length > 0 && codes.every((code) => TRANSIENT_RECORD_ERRORS.has(code));
    const contactId = String(item.record.Id);
    return {
      status: transient ? 'retry' : 'rejected',
      reason: `the person's Lead was converted; its Contact ${contactId} could not be updated: ${reason}`,
    };
  }
  if (codes.includes('CANNOT_UPDATE_CONVERTED_LEAD')) {
    // Converted between the query and the write: the next attempt reads it again and updates its Contact.
    return {
      status: 'retry',
      reason: `${reason} (converted since it was read; the retry updates its Contact)`,
    };
  }
  if (
    codes.includes('DUPLICATE_VALUE') &&
    (fields.includes(mapping.personIdField) || reason.includes(mapping.personIdField))
  ) {
    // Another delivery created this person's Lead at the same moment: the retry finds and updates it.
    return { status: 'retry', reason };
  }
  return recordOutcome(result, item.record, base);
}

type ReadResult = { known: Map<string, KnownRecord>; base: string } | { stop: Outcome } | { reject: string };

/** Runs the person queries, following `nextRecordsUrl` when an answer comes in pages. */
async function readPersons(
  persons: readonly PersonKey[],
  context: PersonFlowContext,
  deadline: number | undefined,
): Promise<ReadResult> {
  const { mapping, call, apiVersion } = context;
  const conversion = mapping.object === 'Lead' ? CONVERSION_SELECT : [];
  const path = `/services/data/v${apiVersion}/query?q=`;
  const queries = personQueries(persons, {
    object: mapping.object,
    personIdField: mapping.personIdField,
    select: leadSelectFields(mapping, conversion),
    maxUriChars: SALESFORCE_QUERY_URI_BUDGET,
    path,
  });
  const rows: Record<string, unknown>[] = [];
  let base = '';
  for (const soql of queries) {
    let url: string | undefined = `${path}${encodeSoql(soql)}`;
    for (let page = 0; url !== undefined && page < MAX_QUERY_PAGES; page++) {
      const result = await call({ method: 'GET', url }, deadline);
      if (!result.ok) {
        if (!('failure' in result)) return { stop: TIME_BUDGET_SPENT };
        const verdict = judge(result.failure, 1, () => true);
        if (verdict.kind === 'stop') return { stop: verdict.outcome };
        // A query refused as such (a field the org lacks, say) is a setup problem, the same for every lead.
        return { reject: redact(`person lookup failed: ${failureReason(result.failure)}`) };
      }
      base = result.session.instanceUrl.replace(/\/+$/, '');
      const body = (result.body ?? {}) as QueryPage;
      if (Array.isArray(body.records)) rows.push(...(body.records as Record<string, unknown>[]));
      url = body.done === false && typeof body.nextRecordsUrl === 'string' ? body.nextRecordsUrl : undefined;
    }
    if (url !== undefined) {
      return {
        stop: { status: 'retry', reason: `person lookup returned more than ${MAX_QUERY_PAGES} pages` },
      };
    }
  }
  return { known: matchPersons(persons, rows, mapping.personIdField), base };
}
