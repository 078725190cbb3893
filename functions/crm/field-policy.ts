import type { FieldPolicy } from '../../schemas/generated/config.ts';

export type { FieldPolicy };

/** A CRM record's field values as read before a write; null or absent when the field is empty. */
export type CurrentValues = Readonly<Record<string, string | number | boolean | null | undefined>>;

export interface MergeRules {
  /** The policy of each CRM field; fields not named get `fallback`. */
  policy: Readonly<Record<string, FieldPolicy>>;
  /** For fields no policy names. */
  fallback: FieldPolicy;
  /**
   * Values for fields the CRM requires on create (Salesforce Lead.LastName and Company). Used only
   * when creating, and a field holding one counts as empty, so a later real value replaces it.
   */
  placeholders?: Readonly<Record<string, string>>;
}

/**
 * What one write sends to a CRM record, given what the record holds now (`current`; undefined when
 * there is no record yet, so this write creates it):
 * - on create, every incoming value, and a placeholder for each required field the lead lacks;
 *   `never` fields too (never means leadpipe does not change the field once the record exists);
 * - on update, `always` fields take the incoming value, `ifEmpty` fields only when the record has
 *   none (or a placeholder), `never` fields are left alone, and a placeholder is never sent.
 * An empty incoming value is never sent: a later submission cannot blank a known value. Nor is an
 * incoming value equal to its field's placeholder (a mapping that filled one in itself): it carries
 * no information, and on update it would overwrite a real value with the placeholder.
 */
export function mergeForWrite(
  incoming: Readonly<Record<string, string | number | boolean | undefined>>,
  current: CurrentValues | undefined,
  rules: MergeRules,
): Record<string, string | number | boolean> {
  const placeholders = rules.placeholders ?? {};
  const write: Record<string, string | number | boolean> = {};
  for (const [field, value] of Object.entries(incoming)) {
    if (isEmpty(value) || value === placeholders[field]) continue;
    if (current === undefined) {
      write[field] = value as string | number | boolean;
      continue;
    }
    const policy = rules.policy[field] ?? rules.fallback;
    if (policy === 'never') continue;
    if (policy === 'ifEmpty' && !isEmptyOrPlaceholder(current[field], placeholders[field])) continue;
    if (current[field] === value) continue;
    write[field] = value as string | number | boolean;
  }
  if (current === undefined) {
    for (const [field, placeholder] of Object.entries(placeholders)) {
      if (!(field in write)) write[field] = placeholder;
    }
  }
  return write;
}

function isEmpty(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

function isEmptyOrPlaceholder(value: unknown, placeholder: string | undefined): boolean {
  return isEmpty(value) || (placeholder !== undefined && value === placeholder);
}
