import type { DraftLead, Preset } from '../types.ts';
import { MappingError } from '../types.ts';
import { addCustom, assign, describeValue, isRecord, isScalarish, leadFieldFor } from './field-names.ts';

/** Deepest nesting the generic preset reads; payloads from home-made forms are shallow. */
const MAX_DEPTH = 8;
const MAX_NODES = 5000;

/**
 * Reads a draft lead out of any object by field name: flat or nested JSON, or form fields. Shallower fields win
 * over deeper ones; a nested field is also tried with its parent's name ("utm": {"source"} is utm_source).
 * Every other scalar goes to custom under its dotted path.
 */
export function mapFields(fields: Record<string, unknown>): DraftLead {
  const draft: DraftLead = {};
  let queue: { path: string[]; value: Record<string, unknown> }[] = [{ path: [], value: fields }];
  let nodes = 0;
  for (let depth = 0; depth < MAX_DEPTH && queue.length > 0; depth++) {
    const next: typeof queue = [];
    for (const { path, value } of queue) {
      for (const [key, child] of Object.entries(value)) {
        if (++nodes > MAX_NODES) return draft;
        if (isScalarish(child)) {
          const parent = path[path.length - 1];
          // The parent's name first: "name" under "company" is the company's name, not the person's.
          const field =
            (parent === undefined ? undefined : leadFieldFor(`${parent}${key}`)) ?? leadFieldFor(key);
          if (field === undefined || !assign(draft, field, child))
            addCustom(draft, [...path, key].join('.'), child);
        } else if (isRecord(child)) {
          next.push({ path: [...path, key], value: child });
        }
      }
    }
    queue = next;
  }
  return draft;
}

export const generic: Preset = (payload) => {
  if (!isRecord(payload)) {
    throw new MappingError(
      'unexpected_shape',
      `The generic preset reads an object of fields, but the payload is ${describeValue(payload)}`,
    );
  }
  return mapFields(payload);
};
