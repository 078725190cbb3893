// The generated contacts module alone, not the SDK's Client: it is a fraction of the bundle and
// carries none of the Client's process-wide retry/limiter decorators (the queue does retries).
import {
  BatchApi,
  type BatchResponseSimplePublicObject,
  type BatchResponseSimplePublicObjectWithErrors,
  type BatchResponseSimplePublicUpsertObject,
  type BatchResponseSimplePublicUpsertObjectWithErrors,
  createConfiguration,
  ServerConfiguration,
  type SimplePublicObjectBatchInputUpsert,
} from '@hubspot/api-client/lib/codegen/crm/contacts/index.js';
import type { FieldPolicy, MergeRules } from '../../functions/crm/field-policy.ts';
import type { DestinationAdapter, Outcome } from '../../functions/ports.ts';
import type { Lead } from '../../schemas/generated/lead.ts';
import { acquireBefore, callTimeout, TIME_BUDGET_SPENT } from '../deadline.ts';
import { type RateLimiter, RollingWindowLimiter } from '../rate-limit.ts';
import { type ContactInput, chunk, groupLeadsByEmail } from './contact-inputs.ts';
import {
  describeError,
  type HubspotErrorBody,
  isMissingIdProperty,
  isWholeBatchPropertyError,
  LOCKED_RETRY_MS,
  parseErrorBody,
  rateLimitWait,
  redactEmails,
} from './errors.ts';
import { DEFAULT_PERSON_ID_PROPERTY } from './field-defaults.ts';
import { DEFAULT_RATE_LIMIT, HUBSPOT_BATCH_LIMIT } from './limits.ts';
import {
  contactWrite,
  groupLeadsByPerson,
  hubspotMergeRules,
  mergedPropertyNames,
  type PersonInput,
} from './person-inputs.ts';
import { HubspotTimeoutError, type RawAnswer, recordingHttp } from './transport.ts';

export { DEFAULT_RATE_LIMIT, HUBSPOT_BATCH_LIMIT };
export const HUBSPOT_API_URL = 'https://api.hubapi.com';
export const DEFAULT_TIMEOUT_MS = 10_000;
/**
 * Extra calls one chunk may spend bisecting a batch HubSpot refused as a whole. Bisecting finds
 * each bad input in about 2·log2(100) ≈ 14 calls, so 32 isolates two bad leads in a full chunk;
 * whatever is still unresolved then goes back to the queue as `retry`, where a smaller batch
 * without the already-rejected leads tries again.
 */
export const MAX_SPLIT_CALLS_PER_CHUNK = 32;

export interface HubspotAdapterOptions {
  /** Private app token (already resolved from its secret reference). */
  accessToken: string;
  /** Default https://api.hubapi.com ; the sandbox's URL in tests/local. */
  baseUrl?: string;
  /** Extra lead fields → HubSpot property, e.g. { 'utm.campaign': 'utm_campaign', company: 'company' }. */
  properties?: Record<string, string>;
  /** The unique contact property that keys one contact per person; default leadpipe_person_id. */
  personIdProperty?: string;
  /** Per property, over the defaults in field-defaults.ts. */
  fieldPolicy?: Record<string, FieldPolicy>;
  /** Default 190 per 10 s. */
  rateLimit?: { requests: number; perSeconds: number };
  /** Per HTTP call, default 10_000; capped at the time a deliver call's deadline leaves. */
  timeoutMs?: number;
  /** Injectable for tests. */
  limiter?: RateLimiter;
  /** The HubSpot account id; when given, delivered outcomes carry the contact's app URL. */
  portalId?: string;
}

/** A contact as a batch read returns it. */
interface FoundContact {
  id: string;
  properties: Record<string, string | null>;
}

/** One write of the person flow: its input, and for an update the contact's id. */
interface PersonWrite {
  input: PersonInput;
  contactId?: string;
  properties: Record<string, string>;
}

type Settle<I> = (input: I, outcome: Outcome) => void;
type Budget = { calls: number; deadline: number | undefined };

/**
 * Creates the HubSpot destination, one outcome per lead. Leads with a person id: one contact per
 * person, found by the unique person id property, else adopted by email, else created; written
 * with what the merge rules allow. Leads without one (accepted before person identity): batch
 * upsert by email, as before.
 */
export function createHubspotAdapter(options: HubspotAdapterOptions): DestinationAdapter {
  const limiter = options.limiter ?? new RollingWindowLimiter(options.rateLimit ?? DEFAULT_RATE_LIMIT);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const baseUrl = (options.baseUrl ?? HUBSPOT_API_URL).replace(/\/+$/, '');
  const personIdProperty = options.personIdProperty ?? DEFAULT_PERSON_ID_PROPERTY;
  const rules: MergeRules = hubspotMergeRules(options.fieldPolicy);
  const extra = options.properties ?? {};
  const readProperties = mergedPropertyNames(extra, personIdProperty);
  const http = recordingHttp(timeoutMs);
  const api = new BatchApi(
    createConfiguration({
      baseServer: new ServerConfiguration<Record<string, string>>(baseUrl, {}),
      authMethods: { oauth2: { accessToken: options.accessToken } },
      httpApi: http.httpApi,
    }),
  );
  const contactRef = (id: string) => ({
    id,
    ...(options.portalId
      ? { url: `https://app.hubspot.com/contacts/${options.portalId}/record/0-1/${id}` }
      : {}),
  });

  /** One SDK call through the limiter, unless the deadline leaves no time for it (then `late`); never throws. */
  async function request<T>(call: () => Promise<T>, deadline: number | undefined): Promise<CallResult<T>> {
    const release = await acquireBefore(limiter, deadline);
    try {
      const callMs = release ? callTimeout(timeoutMs, deadline) : undefined;
      if (callMs === undefined) return { kind: 'late' };
      const { value, error, answer } = await http.record(call, { timeoutMs: callMs });
      if (value) return { kind: 'answered', data: value };
      if (answer && answer.status >= 300)
        return { kind: 'refused', answer, body: parseErrorBody(answer.text) };
      if (answer) return { kind: 'unreadable', reason: `HubSpot ${answer.status} answer could not be read` };
      if (error instanceof HubspotTimeoutError) return { kind: 'unreachable', reason: error.message };
      return { kind: 'unreachable', reason: `HubSpot could not be reached (${errorCode(error)})` };
    } finally {
      // A shared limiter's release is a write that must land before the invocation ends.
      await release?.();
    }
  }

  /** What a failed call means for every input it carried, or 'split' for a refusal halving may isolate. */
  function failureOf(result: Exclude<CallResult<unknown>, { kind: 'answered' }>): Failure {
    if (result.kind === 'late') return { outcome: TIME_BUDGET_SPENT, stop: true };
    if (result.kind === 'unreachable' || result.kind === 'unreadable')
      return { outcome: { status: 'retry', reason: result.reason } };
    const { answer, body } = result;
    const reason = describeError(answer.status, body);
    if (isMissingIdProperty(body, personIdProperty)) {
      // Nothing leadpipe can retry its way out of, and nothing to give up on: held until setup runs.
      return {
        outcome: {
          status: 'blocked',
          reason: `${reason} (the contact property ${personIdProperty} is missing or not unique: run leadpipe setup hubspot)`,
        },
      };
    }
    if (answer.status === 401 || answer.status === 403) return { outcome: { status: 'blocked', reason } };
    if (answer.status === 429) {
      const retryAfterMs = rateLimitWait(answer.headers, body);
      // A daily limit lasts hours: holding this process's limiter that long would only stall it.
      if (body.policyName !== 'DAILY') limiter.pause(retryAfterMs);
      return { outcome: { status: 'retry', reason, retryAfterMs }, stop: true };
    }
    if (answer.status === 423) return { outcome: { status: 'retry', reason, retryAfterMs: LOCKED_RETRY_MS } };
    if (answer.status >= 500) return { outcome: { status: 'retry', reason } };
    if (isSplittable(answer.status, body)) return { split: true, reason, status: answer.status };
    return { outcome: { status: 'rejected', reason } };
  }

  /**
   * Sends one run of inputs in one call, bisecting whole-batch refusals; returns the outcome to
   * stop on (a 429, or the time budget spent) for every input not yet sent. `alone` says what a
   * refusal of a single input means (default: rejected).
   */
  async function writeRun<I>(
    run: readonly I[],
    send: (inputs: readonly I[]) => Promise<CallResult<BatchAnswer>>,
    answered: (inputs: readonly I[], data: BatchAnswer, settle: Settle<I>) => void,
    budget: Budget,
    settle: Settle<I>,
    alone: (status: number, reason: string) => Outcome = (_status, reason) => ({
      status: 'rejected',
      reason,
    }),
  ): Promise<Outcome | undefined> {
    if (run.length === 0) return undefined;
    const result = await send(run);
    if (result.kind === 'answered') {
      answered(run, result.data, settle);
      return undefined;
    }
    const failure = failureOf(result);
    if (!('split' in failure)) {
      for (const input of run) settle(input, failure.outcome);
      return failure.stop ? failure.outcome : undefined;
    }
    if (run.length === 1) {
      for (const input of run) settle(input, alone(failure.status, failure.reason));
      return undefined;
    }
    if (budget.calls < 2) {
      for (const input of run) {
        settle(input, {
          status: 'retry',
          reason: `${failure.reason} (batch split budget used up; retry in a smaller batch)`,
        });
      }
      return undefined;
    }
    budget.calls -= 2;
    const middle = Math.ceil(run.length / 2);
    const first = await writeRun(run.slice(0, middle), send, answered, budget, settle, alone);
    if (first) {
      for (const input of run.slice(middle)) settle(input, first);
      return first;
    }
    return writeRun(run.slice(middle), send, answered, budget, settle, alone);
  }

  const upsert = (inputs: readonly ContactInput[], deadline: number | undefined) => {
    const body: { inputs: SimplePublicObjectBatchInputUpsert[] } = {
      inputs: inputs.map((input) => ({
        idProperty: 'email',
        id: input.email,
        objectWriteTraceId: input.traceId,
        properties: input.properties,
      })),
    };
    return request((): Promise<BatchAnswer> => api.upsert(body), deadline);
  };

  const settleUpserted = (run: readonly ContactInput[], data: BatchAnswer, settle: Settle<ContactInput>) => {
    const byTrace = new Map(run.map((input) => [input.traceId, input]));
    const byEmail = new Map(run.map((input) => [input.email, input]));
    settleBatch(run, data, settle, {
      result: (result) => {
        const email = result.properties?.email?.toLowerCase();
        return (
          (result.objectWriteTraceId ? byTrace.get(result.objectWriteTraceId) : undefined) ??
          (email ? byEmail.get(email) : undefined)
        );
      },
      named: (context) => namedInputs(context, byTrace, byEmail),
      delivered: (result) => ({ status: 'delivered', ref: contactRef(result.id) }),
    });
  };

  /**
   * Reads contacts by `idProperty`, keyed by that property's value (lower-cased for email); a
   * failure is the outcome for every input of the run, and the outcome to stop on, if any.
   */
  async function readContacts(
    keys: readonly string[],
    idProperty: string,
    deadline: number | undefined,
  ): Promise<{ found: Map<string, FoundContact> } | { failed: Outcome; stop?: Outcome }> {
    const found = new Map<string, FoundContact>();
    if (keys.length === 0) return { found };
    const result = await request(
      (): Promise<BatchAnswer> =>
        api.read(
          {
            idProperty,
            inputs: keys.map((id) => ({ id })),
            properties: readProperties,
            propertiesWithHistory: [],
          },
          false,
        ),
      deadline,
    );
    if (result.kind !== 'answered') {
      const failure = failureOf(result);
      if ('split' in failure) return { failed: { status: 'rejected', reason: failure.reason } };
      return { failed: failure.outcome, ...(failure.stop ? { stop: failure.outcome } : {}) };
    }
    const errors = 'errors' in result.data ? (result.data.errors ?? []) : [];
    // Not found is what a read of new persons answers; anything else must not pass for "no contact".
    const other = errors.find((error) => error.category !== 'OBJECT_NOT_FOUND');
    if (other) return { failed: { status: 'retry', reason: describeError(207, other as HubspotErrorBody) } };
    for (const contact of result.data.results ?? []) {
      const value = contact.properties?.[idProperty];
      if (!value) continue;
      found.set(idProperty === 'email' ? value.toLowerCase() : value, {
        id: contact.id,
        properties: { ...contact.properties },
      });
    }
    return { found };
  }

  /** One chunk of persons: read by person id, then by email, then create the new and update the known. */
  async function deliverPersons(
    run: readonly PersonInput[],
    budget: Budget,
    settle: Settle<PersonInput>,
  ): Promise<Outcome | undefined> {
    const byPerson = await readContacts(
      run.map((input) => input.personId),
      personIdProperty,
      budget.deadline,
    );
    if ('failed' in byPerson) {
      for (const input of run) settle(input, byPerson.failed);
      return byPerson.stop;
    }
    const found = new Map<PersonInput, FoundContact>();
    for (const input of run) {
      const contact = byPerson.found.get(input.personId);
      if (contact) found.set(input, contact);
    }
    // Contacts made before leadpipe, or by hand, are adopted by email.
    const misses = run.filter((input) => !found.has(input) && input.email);
    const byEmail = await readContacts(
      misses.map((input) => input.email as string),
      'email',
      budget.deadline,
    );
    if ('failed' in byEmail) {
      for (const input of run) settle(input, byEmail.failed);
      return byEmail.stop;
    }
    for (const input of misses) {
      const contact = byEmail.found.get(input.email as string);
      if (contact) found.set(input, contact);
    }

    const creates: PersonWrite[] = [];
    const updates: PersonWrite[] = [];
    const taken = new Set<string>();
    for (const input of run) {
      const contact = found.get(input);
      if (!contact) {
        creates.push({ input, properties: contactWrite(input, undefined, rules, personIdProperty) });
        continue;
      }
      if (taken.has(contact.id)) {
        // Two persons resolved to one contact (leads from before two persons were found to be one):
        // HubSpot refuses a batch naming a contact twice; the next batch writes this one.
        settle(input, {
          status: 'retry',
          reason: 'another person in this batch resolved to the same HubSpot contact',
        });
        continue;
      }
      taken.add(contact.id);
      const properties = contactWrite(input, contact.properties, rules, personIdProperty);
      if (Object.keys(properties).length === 0)
        settle(input, { status: 'delivered', ref: contactRef(contact.id) });
      else updates.push({ input, contactId: contact.id, properties });
    }

    const settleWrite: Settle<PersonWrite> = (write, outcome) => settle(write.input, outcome);
    const stop = await writeRun(
      creates,
      (inputs) => create(inputs, budget.deadline),
      settleWritten,
      budget,
      settleWrite,
      // A contact with this email or person id appeared since the read (a concurrent delivery): the
      // next attempt finds and updates it.
      (status, reason) => (status === 409 ? { status: 'retry', reason } : { status: 'rejected', reason }),
    );
    if (stop) {
      for (const write of updates) settleWrite(write, stop);
      return stop;
    }
    return writeRun(
      updates,
      (inputs) => update(inputs, budget.deadline),
      settleWritten,
      budget,
      settleWrite,
      (status, reason) =>
        status === 409
          ? {
              status: 'rejected',
              reason: `${reason} (another HubSpot contact holds this person's email: merge the two contacts in HubSpot, then redrive)`,
            }
          : { status: 'rejected', reason },
    );
  }

  const create = (writes: readonly PersonWrite[], deadline: number | undefined) =>
    request(
      (): Promise<BatchAnswer> =>
        api.create({
          inputs: writes.map((write) => ({
            objectWriteTraceId: write.input.traceId,
            properties: write.properties,
            associations: [],
          })),
        }),
      deadline,
    );

  const update = (writes: readonly PersonWrite[], deadline: number | undefined) =>
    request(
      (): Promise<BatchAnswer> =>
        api.update({
          inputs: writes.map((write) => ({
            id: write.contactId as string,
            objectWriteTraceId: write.input.traceId,
            properties: write.properties,
          })),
        }),
      deadline,
    );

  const settleWritten = (run: readonly PersonWrite[], data: BatchAnswer, settle: Settle<PersonWrite>) => {
    const byTrace = new Map(run.map((write) => [write.input.traceId, write]));
    const byPerson = new Map(run.map((write) => [write.input.personId, write]));
    const byContact = new Map(
      run.flatMap((write) => (write.contactId ? [[write.contactId, write] as const] : [])),
    );
    settleBatch(run, data, settle, {
      result: (result) =>
        (result.objectWriteTraceId ? byTrace.get(result.objectWriteTraceId) : undefined) ??
        byContact.get(result.id) ??
        byPerson.get(result.properties?.[personIdProperty] ?? ''),
      named: (context) => {
        const traced = stringList(context?.objectWriteTraceId).flatMap((trace) => byTrace.get(trace) ?? []);
        if (traced.length > 0) return traced;
        return ['ids', 'id'].flatMap((key) =>
          stringList(context?.[key]).flatMap((id) => byContact.get(id) ?? []),
        );
      },
      delivered: (result) => ({ status: 'delivered', ref: contactRef(result.id) }),
    });
  };

  return {
    maxBatchSize: HUBSPOT_BATCH_LIMIT,
    async deliver(
      leads: readonly Lead[],
      { deadline }: { deadline?: number } = {},
    ): Promise<Map<string, Outcome>> {
      const outcomes = new Map<string, Outcome>();
      const settle = (input: { leadIds: readonly string[] }, outcome: Outcome) => {
        for (const id of input.leadIds) outcomes.set(id, outcome);
      };
      const persons = groupLeadsByPerson(leads, extra, rules);
      // Accepted before person identity existed: upserted by email, as they always were.
      const { inputs, withoutEmail } = groupLeadsByEmail(
        leads.filter((lead) => !lead.personId),
        options.properties,
      );
      for (const lead of withoutEmail) {
        outcomes.set(lead.id, {
          status: 'rejected',
          reason:
            'Lead has no person id and no email: it was accepted before person identity, when HubSpot contacts were upserted by email only',
        });
      }

      let stopped: Outcome | undefined;
      for (const run of chunk(persons, HUBSPOT_BATCH_LIMIT)) {
        // After a 429 (sending the next chunk now would only earn another) or with the time spent.
        if (stopped) for (const input of run) settle(input, stopped);
        else stopped = await deliverPersons(run, { calls: MAX_SPLIT_CALLS_PER_CHUNK, deadline }, settle);
      }
      for (const run of chunk(inputs, HUBSPOT_BATCH_LIMIT)) {
        if (stopped) for (const input of run) settle(input, stopped);
        else
          stopped = await writeRun(
            run,
            (sent) => upsert(sent, deadline),
            settleUpserted,
            { calls: MAX_SPLIT_CALLS_PER_CHUNK, deadline },
            settle,
          );
      }
      return outcomes;
    },
  };
}

/** 200 answers have no `errors`; 207 answers do. */
type BatchAnswer =
  | BatchResponseSimplePublicUpsertObjectWithErrors
  | BatchResponseSimplePublicUpsertObject
  | BatchResponseSimplePublicObjectWithErrors
  | BatchResponseSimplePublicObject;

type CallResult<T> =
  | { kind: 'answered'; data: T }
  /** Not sent: too little time was left before the deadline. */
  | { kind: 'late' }
  | { kind: 'refused'; answer: RawAnswer; body: HubspotErrorBody }
  | { kind: 'unreadable'; reason: string }
  | { kind: 'unreachable'; reason: string };

type Failure = { outcome: Outcome; stop?: true } | { split: true; reason: string; status: number };

type BatchResult = BatchAnswer['results'][number];

/**
 * Settles one answered batch: each result's input delivered, each input a 207 error names
 * rejected (retry when the contact is gone), and an input neither names delivered, unless HubSpot
 * reported errors it could not attribute, then rejected with the first of them.
 */
function settleBatch<I>(
  run: readonly I[],
  data: BatchAnswer,
  settle: Settle<I>,
  match: {
    result: (result: BatchResult) => I | undefined;
    named: (context: Record<string, unknown> | undefined) => I[];
    delivered: (result: BatchResult) => Outcome;
  },
): void {
  const settled = new Set<I>();
  for (const result of data.results ?? []) {
    const input = match.result(result);
    if (input === undefined || settled.has(input)) continue;
    settled.add(input);
    settle(input, match.delivered(result));
  }
  const unplaced: string[] = [];
  const errors = 'errors' in data ? (data.errors ?? []) : [];
  for (const error of errors) {
    const reason = describeError(207, error as HubspotErrorBody);
    const named = match.named(error.context);
    if (named.length === 0) unplaced.push(reason);
    for (const input of named) {
      if (settled.has(input)) continue;
      settled.add(input);
      // A contact merged or deleted in HubSpot since the read: the next attempt finds where it went.
      settle(
        input,
        error.category === 'OBJECT_NOT_FOUND' ? { status: 'retry', reason } : { status: 'rejected', reason },
      );
    }
  }
  for (const input of run) {
    if (settled.has(input)) continue;
    settle(
      input,
      unplaced.length > 0
        ? { status: 'rejected', reason: unplaced[0] ?? 'HubSpot refused this contact' }
        : { status: 'delivered' },
    );
  }
}

/** A 400-class refusal of the whole batch that one bad input can cause, so halving the batch can isolate it. */
function isSplittable(status: number, body: HubspotErrorBody): boolean {
  if (status !== 400 && status !== 409 && status !== 422) return false;
  return !isWholeBatchPropertyError(body);
}

/**
 * The inputs a 207 error names: by `context.objectWriteTraceId` (HubSpot's multi-status
 * contract), else by `context.ids` / `context.id` / `context.email` holding the upserted emails.
 */
function namedInputs(
  context: Record<string, unknown> | undefined,
  byTrace: ReadonlyMap<string, ContactInput>,
  byEmail: ReadonlyMap<string, ContactInput>,
): ContactInput[] {
  if (!context) return [];
  const found: ContactInput[] = [];
  for (const trace of stringList(context.objectWriteTraceId)) {
    const input = byTrace.get(trace);
    if (input) found.push(input);
  }
  if (found.length > 0) return found;
  for (const key of ['ids', 'id', 'email']) {
    for (const value of stringList(context[key])) {
      const input = byEmail.get(value.toLowerCase());
      if (input) found.push(input);
    }
  }
  return found;
}

function stringList(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

/** A network error's code (ECONNREFUSED, ...) without its message, which may quote the URL. */
function errorCode(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown } } | undefined)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string') return code;
  return redactEmails(error instanceof Error ? error.name : 'unknown error');
}
