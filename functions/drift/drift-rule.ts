/**
 * What a source's payloads are known to carry, path by path (paths from mapping/shape.ts fieldPaths):
 * - `present`: seen, and expected to keep coming; reported as stopped after a run of payloads without it.
 * - `optional`: stopped once and then came back, so it is an optional field: never reported again.
 * - `stopped`: reported as stopped; if it comes back it becomes `optional`, silently.
 */
export type PathState = 'present' | 'optional' | 'stopped';
export type KnownPaths = Readonly<Record<string, PathState>>;

export interface DriftRule {
  /** Consecutive payloads without a `present` path before it counts as stopped. */
  stoppedAfter: number;
  /** Most paths remembered per source: payloads keyed by ids would otherwise grow it without end. */
  maxPaths: number;
}

/**
 * 50 payloads in a row: a field that a sender fills in even one time in ten survives 50 misses
 * with a chance of about 1 in 200, and it can be reported at most once (it then becomes `optional`).
 */
export const DEFAULT_DRIFT_RULE: Readonly<DriftRule> = { stoppedAfter: 50, maxPaths: 2000 };

export interface DriftStep {
  known: Record<string, PathState>;
  /** Consecutive misses of each `present` path, in this process. */
  misses: Map<string, number>;
  /** Paths never seen before: new fields. */
  added: string[];
  /** Paths that stopped coming. */
  removed: string[];
  /** True when `known` differs from before and must be saved (even without an alert). */
  changed: boolean;
}

/**
 * One payload's effect on what is known about its source. Never-seen paths are `added`; a
 * `present` path missing from `stoppedAfter` consecutive payloads is `removed`; a `stopped` path
 * seen again becomes `optional` without a report, so an optional field is reported at most once.
 */
export function driftStep(
  known: KnownPaths,
  misses: ReadonlyMap<string, number>,
  seen: readonly string[],
  rule: DriftRule = DEFAULT_DRIFT_RULE,
): DriftStep {
  const next: Record<string, PathState> = { ...known };
  const nextMisses = new Map<string, number>();
  const seenSet = new Set(seen);
  const added: string[] = [];
  const removed: string[] = [];
  let changed = false;
  let size = Object.keys(next).length;

  for (const path of seenSet) {
    const state = Object.hasOwn(next, path) ? next[path] : undefined;
    if (state === undefined) {
      if (size >= rule.maxPaths) continue;
      next[path] = 'present';
      size++;
      added.push(path);
      changed = true;
    } else if (state === 'stopped') {
      next[path] = 'optional';
      changed = true;
    }
  }
  for (const [path, state] of Object.entries(known)) {
    if (state !== 'present' || seenSet.has(path)) continue;
    const count = (misses.get(path) ?? 0) + 1;
    if (count >= rule.stoppedAfter) {
      next[path] = 'stopped';
      removed.push(path);
      changed = true;
    } else nextMisses.set(path, count);
  }
  return { known: next, misses: nextMisses, added: added.sort(), removed: removed.sort(), changed };
}

/** The first payload of a source sets what is known; nothing is reported. */
export function baselineFrom(
  seen: readonly string[],
  rule: DriftRule = DEFAULT_DRIFT_RULE,
): Record<string, PathState> {
  return Object.fromEntries(seen.slice(0, rule.maxPaths).map((path) => [path, 'present' as const]));
}
