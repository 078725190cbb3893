import type { Logger } from '@aws-lambda-powertools/logger';
import { fieldPaths } from '../mapping/shape.ts';
import type { AlertPublisher, ShapeStore } from '../ports.ts';
import { baselineFrom, DEFAULT_DRIFT_RULE, type DriftRule, driftStep, type PathState } from './drift-rule.ts';

/** Told about each payload that became a lead; resolves once any drift was recorded and reported. */
export type ShapeObserver = (source: string, payload: unknown) => Promise<void>;

export interface ShapeObserverOptions {
  store: ShapeStore;
  raiseAlerts?: AlertPublisher;
  logger: Logger;
  rule?: DriftRule;
  /** Re-read the stored shape this often, to see what other instances recorded. Default 5 minutes. */
  refreshAfterMs?: number;
  now?: () => number;
}

/** At most this many paths of each kind in one alert: enough to act on, small enough for Slack. */
const ALERT_PATHS = 50;

/** A phone number or any other run of 7+ digits (spaces, dots, dashes, brackets between), with an optional +. */
const DIGIT_RUN = /\+?\d(?:[\s().-]*\d){6,}/g;

/**
 * A field path as it may leave in an alert: key names that look like personal data are replaced,
 * so a form whose fields are named after a person does not put them in Slack. An @ takes its
 * whole stretch of the path between array markers (`answers[].[email]`): a key may hold dots, as
 * an address does, so where the address starts cannot be told and the stretch goes. A phone number
 * or another run of 7+ digits becomes [number]. Linear in the path's length.
 */
export function redactPathNames(path: string): string {
  return path
    .split('[]')
    .map((stretch) => (stretch.includes('@') ? (stretch.startsWith('.') ? '.[email]' : '[email]') : stretch))
    .join('[]')
    .replace(DIGIT_RUN, '[number]');
}

/** The paths one alert lists: redacted, then de-duplicated (two addresses both read [email]). */
const alertPaths = (paths: readonly string[]) => [
  ...new Set(paths.slice(0, ALERT_PATHS).map(redactPathNames)),
];

interface SourceState {
  known: Record<string, PathState> | undefined;
  version: number | undefined;
  misses: Map<string, number>;
  loadedAt: number;
}

/**
 * Schema drift detection (see docs/bad-input.md, "Schema drift"): compares each mapped payload's
 * field paths with what is known about its source, cached in memory and kept in the table. The
 * usual payload costs no I/O; a change is one conditional write, and only the writer that wins
 * it raises the `schema-drift` alert, so several instances report one change once. Errors are
 * the caller's to log: ingest never fails a delivery over drift.
 */
export function createShapeObserver(options: ShapeObserverOptions): ShapeObserver {
  const rule = options.rule ?? DEFAULT_DRIFT_RULE;
  const refreshAfterMs = options.refreshAfterMs ?? 5 * 60_000;
  const now = options.now ?? Date.now;
  const states = new Map<string, SourceState>();
  // One payload per source at a time in this process, so two cannot both claim the same change.
  const queues = new Map<string, Promise<void>>();

  async function stateOf(source: string): Promise<SourceState> {
    const cached = states.get(source);
    if (cached && now() - cached.loadedAt < refreshAfterMs) return cached;
    const stored = await options.store.load(source);
    const state: SourceState = {
      known: stored?.paths,
      version: stored?.version,
      misses: cached?.misses ?? new Map(),
      loadedAt: now(),
    };
    states.set(source, state);
    return state;
  }

  async function observe(source: string, payload: unknown): Promise<void> {
    const state = await stateOf(source);
    const seen = fieldPaths(payload);
    if (state.known === undefined) {
      const known = baselineFrom(seen, rule);
      const version = await options.store.save(source, known, undefined);
      if (version === undefined) states.delete(source);
      else Object.assign(state, { known, version });
      return;
    }
    const step = driftStep(state.known, state.misses, seen, rule);
    state.misses = step.misses;
    if (!step.changed) return;
    const version = await options.store.save(source, step.known, state.version);
    if (version === undefined) {
      // Another instance recorded a change first (and reported it): read its view next time.
      states.delete(source);
      return;
    }
    state.known = step.known;
    state.version = version;
    if (step.added.length === 0 && step.removed.length === 0) return;
    options.logger.warn('Schema drift', {
      source,
      added: step.added.length,
      removed: step.removed.length,
    });
    await options.raiseAlerts?.([
      {
        kind: 'schema-drift',
        source,
        added: alertPaths(step.added),
        removed: alertPaths(step.removed),
      },
    ]);
  }

  return (source, payload) => {
    const previous = queues.get(source) ?? Promise.resolve();
    const current = previous.then(() => observe(source, payload));
    const settled = current.catch(() => undefined);
    queues.set(source, settled);
    void settled.then(() => {
      if (queues.get(source) === settled) queues.delete(source);
    });
    return current;
  };
}
