/** Caps that keep a shape fingerprint small whatever the payload. */
export const SHAPE_LIMITS = { maxPaths: 500, maxDepth: 16 } as const;

/**
 * The sorted, de-duplicated dotted paths of a payload's scalar leaves (strings, numbers, booleans, null), with
 * arrays written as `[]` so that every element shares one path: `answers[].email`. Values never appear. At
 * most SHAPE_LIMITS.maxPaths paths, read no deeper than SHAPE_LIMITS.maxDepth.
 */
export function fieldPaths(payload: unknown): string[] {
  const paths = new Set<string>();
  const walk = (value: unknown, path: string, depth: number): void => {
    if (paths.size >= SHAPE_LIMITS.maxPaths || depth > SHAPE_LIMITS.maxDepth) return;
    if (Array.isArray(value)) {
      for (const item of value) walk(item, `${path}[]`, depth + 1);
      return;
    }
    if (typeof value === 'object' && value !== null) {
      for (const [key, child] of Object.entries(value))
        walk(child, path === '' ? key : `${path}.${key}`, depth + 1);
      return;
    }
    if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return;
    paths.add(path === '' ? '$' : path);
  };
  walk(payload, '', 0);
  return [...paths].sort();
}

/** What a payload's shape gained and lost against the shape seen before, both sorted. */
export function diffPaths(known: string[], seen: string[]): { added: string[]; removed: string[] } {
  const knownSet = new Set(known);
  const seenSet = new Set(seen);
  return {
    added: [...seenSet].filter((path) => !knownSet.has(path)).sort(),
    removed: [...knownSet].filter((path) => !seenSet.has(path)).sort(),
  };
}
