// The generated contacts module alone, not the SDK's Client: it is a fraction of the bundle and
// carries none of the Client's process-wide retry/limiter decorators (the queue does retries).
import {
  BatchApi,
  type BatchResponseSimplePublicUpsertObject,
  type BatchResponseSimplePublicUpsertObjectWithErrors,
  createConfiguration,
  ServerConfiguration,
  type SimplePublicObjectBatchInputUpsert,
} from '@hubspot/api-client/lib/codegen/crm/contacts/index.js';
import type { DestinationAdapter, Outcome } from '../../functions/ports.ts';
import type { Lead } from '../../schemas/generated/lead.ts';
import { acquireBefore, callTimeout, TIME_BUDGET_SPENT } from '../deadline.ts';
import { type RateLimiter, RollingWindowLimiter } from '../rate-limit.ts';
import { type ContactInput, chunk, groupLeadsByEmail } from './contact-inputs.ts';
import {
  describeError,
  type HubspotErrorBody,
  isWholeBatchPropertyError,
  LOCKED_RETRY_MS,
  parseErrorBody,
  rateLimitWait,
  redactEmails,
} from './errors.ts';
import { DEFAULT_RATE_LIMIT, HUBSPOT_BATCH_LIMIT } from './limits.ts';
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
  /** Default 190 per 10 s. */
  rateLimit?: { requests: number; perSeconds: number };
  /** Per HTTP call, default 10_000; capped at the time a deliver call's deadline leaves. */
  timeoutMs?: number;
  /** Injectable for tests. */
  limiter?: RateLimiter;
  /** The HubSpot account id; when given, delivered outcomes carry the contact's app URL. */
  portalId?: string;
}

/** Creates the HubSpot destination: contacts batch upsert by email, one outcome per lead. */
export function createHubspotAdapter(options: HubspotAdapterOptions): DestinationAdapter {
  const limiter = options.limiter ?? new RollingWindowLimiter(options.rateLimit ?? DEFAULT_RATE_LIMIT);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const baseUrl = (options.baseUrl ?? HUBSPOT_API_URL).replace(/\/+$/, '');
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

  /** One upsert call, unless the deadline leaves no time for it (then `late`); never throws. */
  async function upsert(inputs: readonly ContactInput[], deadline: number | undefined): Promise<CallResult> {
    const release = await acquireBefore(limiter, deadline);
    try {
      const callMs = release ? callTimeout(timeoutMs, deadline) : undefined;
      return callMs === undefined ? { kind: 'late' } : await send(inputs, callMs);
    } finally {
      // A shared limiter's release is a write that must land before the invocation ends.
      await release?.();
    }
  }

  async function send(inputs: readonly ContactInput[], callMs: number): Promise<CallResult> {
    const body: { inputs: SimplePublicObjectBatchInputUpsert[] } = {
      inputs: inputs.map((input) => ({
        idProperty: 'email',
        id: input.email,
        objectWriteTraceId: input.traceId,
        properties: input.properties,
      })),
    };
    const { value, error, answer } = await http.record((): Promise<BatchAnswer> => api.upsert(body), {
      timeoutMs: callMs,
    });
    if (value) return { kind: 'answered', data: value };
    if (answer && answer.status >= 300) return { kind: 'refused', answer, body: parseErrorBody(answer.text) };
    if (answer) return { kind: 'unreadable', reason: `HubSpot ${answer.status} answer could not be read` };
    if (error instanceof HubspotTimeoutError) return { kind: 'unreachable', reason: error.message };
    return { kind: 'unreachable', reason: `HubSpot could not be reached (${errorCode(error)})` };
  }

  return {
    maxBatchSize: HUBSPOT_BATCH_LIMIT,
    async deliver(
      leads: readonly Lead[],
      { deadline }: { deadline?: number } = {},
    ): Promise<Map<string, Outcome>> {
      const outcomes = new Map<string, Outcome>();
      const { inputs, withoutEmail } = groupLeadsByEmail(leads, options.properties);
      for (const lead of withoutEmail) {
        outcomes.set(lead.id, {
          status: 'rejected',
          reason:
            'Lead has no email: HubSpot contacts are upserted by email, so phone-only leads cannot be delivered',
        });
      }
      const settle = (input: ContactInput, outcome: Outcome) => {
        for (const id of input.leadIds) outcomes.set(id, outcome);
      };

      let stopped: Outcome | undefined;
      for (const run of chunk(inputs, HUBSPOT_BATCH_LIMIT)) {
        if (stopped) {
          // HubSpot just said to slow down (sending the next chunk now would only earn another 429),
          // or the time budget is spent.
          for (const input of run) settle(input, stopped);
          continue;
        }
        const budget = { calls: MAX_SPLIT_CALLS_PER_CHUNK, deadline };
        stopped = await deliverRun(run, budget, settle);
      }
      return outcomes;
    },
  };

  /**
   * Delivers one run of inputs, bisecting whole-batch refusals; returns the outcome to stop on (a
   * 429, or the time budget spent) for every input not yet sent.
   */
  async function deliverRun(
    run: readonly ContactInput[],
    budget: { calls: number; deadline: number | undefined },
    settle: (input: ContactInput, outcome: Outcome) => void,
  ): Promise<Outcome | undefined> {
    const result = await upsert(run, budget.deadline);
    if (result.kind === 'late') {
      for (const input of run) settle(input, TIME_BUDGET_SPENT);
      return TIME_BUDGET_SPENT;
    }
    if (result.kind === 'answered') {
      settleAnswered(run, result.data, settle);
      return undefined;
    }
    if (result.kind === 'unreachable' || result.kind === 'unreadable') {
      for (const input of run) settle(input, { status: 'retry', reason: result.reason });
      return undefined;
    }
    const { answer, body } = result;
    const reason = describeError(answer.status, body);
    if (answer.status === 401 || answer.status === 403) {
      for (const input of run) settle(input, { status: 'blocked', reason });
      return undefined;
    }
    if (answer.status === 429) {
      const retryAfterMs = rateLimitWait(answer.headers, body);
      // A daily limit lasts hours: holding this process's limiter that long would only stall it.
      if (body.policyName !== 'DAILY') limiter.pause(retryAfterMs);
      const outcome: Outcome = { status: 'retry', reason, retryAfterMs };
      for (const input of run) settle(input, outcome);
      return outcome;
    }
    if (answer.status === 423) {
      for (const input of run) settle(input, { status: 'retry', reason, retryAfterMs: LOCKED_RETRY_MS });
      return undefined;
    }
    if (answer.status >= 500) {
      for (const input of run) settle(input, { status: 'retry', reason });
      return undefined;
    }
    if (isSplittable(answer.status, body) && run.length > 1) {
      if (budget.calls < 2) {
        for (const input of run) {
          settle(input, {
            status: 'retry',
            reason: `${reason} (batch split budget used up; retry in a smaller batch)`,
          });
        }
        return undefined;
      }
      budget.calls -= 2;
      const middle = Math.ceil(run.length / 2);
      const first = await deliverRun(run.slice(0, middle), budget, settle);
      if (first) {
        for (const input of run.slice(middle)) settle(input, first);
        return first;
      }
      return deliverRun(run.slice(middle), budget, settle);
    }
    for (const input of run) settle(input, { status: 'rejected', reason });
    return undefined;
  }

  function settleAnswered(
    run: readonly ContactInput[],
    data: BatchAnswer,
    settle: (input: ContactInput, outcome: Outcome) => void,
  ): void {
    const byTrace = new Map(run.map((input) => [input.traceId, input]));
    const byEmail = new Map(run.map((input) => [input.email, input]));
    const settled = new Set<ContactInput>();
    for (const result of data.results ?? []) {
      const email = result.properties?.email?.toLowerCase();
      const input =
        (result.objectWriteTraceId ? byTrace.get(result.objectWriteTraceId) : undefined) ??
        (email ? byEmail.get(email) : undefined);
      if (!input || settled.has(input)) continue;
      settled.add(input);
      settle(input, { status: 'delivered', ref: contactRef(result.id) });
    }
    const unplaced: string[] = [];
    const errors = 'errors' in data ? (data.errors ?? []) : [];
    for (const error of errors) {
      const reason = describeError(207, error as HubspotErrorBody);
      const named = namedInputs(error.context, byTrace, byEmail);
      if (named.length === 0) unplaced.push(reason);
      for (const input of named) {
        if (settled.has(input)) continue;
        settled.add(input);
        settle(input, { status: 'rejected', reason });
      }
    }
    for (const input of run) {
      if (settled.has(input)) continue;
      // Not among the results: if HubSpot reported errors it could not attribute, this input is one of them.
      settle(
        input,
        unplaced.length > 0
          ? { status: 'rejected', reason: unplaced[0] ?? 'HubSpot refused this contact' }
          : { status: 'delivered' },
      );
    }
  }
}

/** 200 answers have no `errors`; 207 answers do. */
type BatchAnswer = BatchResponseSimplePublicUpsertObjectWithErrors | BatchResponseSimplePublicUpsertObject;

type CallResult =
  | { kind: 'answered'; data: BatchAnswer }
  /** Not sent: too little time was left before the deadline. */
  | { kind: 'late' }
  | { kind: 'refused'; answer: RawAnswer; body: HubspotErrorBody }
  | { kind: 'unreadable'; reason: string }
  | { kind: 'unreachable'; reason: string };

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
