import type { EventPattern } from './rules.ts';

/**
 * EventBridge event-pattern matching, for the operators leadpipe's routing generates: exact
 * values, prefix, exists, numeric ranges and anything-but. Semantics follow the EventBridge
 * docs: every field of the pattern must match; a leaf lists alternatives; an array in the event
 * matches when any element does; only `exists: false` matches a missing field.
 */
export function matchesPattern(pattern: EventPattern, event: unknown): boolean {
  if (typeof event !== 'object' || event === null) return false;
  return Object.entries(pattern).every(([key, rule]) => {
    const present = Object.hasOwn(event, key);
    const value = (event as Record<string, unknown>)[key];
    if (!Array.isArray(rule)) return present && matchesPattern(rule as EventPattern, value);
    return (rule as readonly unknown[]).some((alternative) => matchesLeaf(alternative, present, value));
  });
}

function matchesLeaf(alternative: unknown, present: boolean, value: unknown): boolean {
  if (isExists(alternative)) {
    // `exists` looks at leaves: a field holding an object is not a leaf.
    const exists =
      present && (Array.isArray(value) ? value.length > 0 : typeof value !== 'object' || value === null);
    return alternative.exists === exists;
  }
  if (!present) return false;
  const values = Array.isArray(value) ? value : [value];
  return values.some((one) => matchesValue(alternative, one));
}

function isExists(rule: unknown): rule is { exists: boolean } {
  return typeof rule === 'object' && rule !== null && 'exists' in rule;
}

function matchesValue(rule: unknown, value: unknown): boolean {
  if (rule === null || typeof rule !== 'object') {
    if (typeof rule === 'number' && typeof value === 'number') return rule === value;
    return rule === value;
  }
  const [operator, operand] = Object.entries(rule)[0] ?? [];
  switch (operator) {
    case 'prefix':
      return typeof value === 'string' && typeof operand === 'string' && value.startsWith(operand);
    case 'numeric':
      return typeof value === 'number' && inRange(value, operand as readonly unknown[]);
    case 'anything-but': {
      const excluded = Array.isArray(operand) ? operand : [operand];
      return (typeof value === 'string' || typeof value === 'number') && !excluded.includes(value);
    }
    default:
      return false;
  }
}

function inRange(value: number, conditions: readonly unknown[]): boolean {
  for (let i = 0; i + 1 < conditions.length; i += 2) {
    const operator = conditions[i];
    const bound = conditions[i + 1] as number;
    const ok =
      operator === '<'
        ? value < bound
        : operator === '<='
          ? value <= bound
          : operator === '='
            ? value === bound
            : operator === '>'
              ? value > bound
              : operator === '>='
                ? value >= bound
                : false;
    if (!ok) return false;
  }
  return true;
}
