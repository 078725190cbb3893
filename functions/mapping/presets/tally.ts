import type { DraftLead, Preset } from '../types.ts';
import { MappingError } from '../types.ts';
import { addCustom, assign, describeValue, isRecord, leadFieldFor } from './field-names.ts';

const CHOICE_TYPES = new Set(['MULTIPLE_CHOICE', 'DROPDOWN', 'MULTI_SELECT', 'CHECKBOXES', 'RANKING']);
const FILE_TYPES = new Set(['FILE_UPLOAD', 'SIGNATURE']);
const CONSENT = /consent|agree|terms|privacy|gdpr|newsletter|marketing/i;

/** Choice answers are option ids; the person chose the options' texts. */
function optionTexts(field: Record<string, unknown>): unknown {
  const options = new Map<unknown, unknown>();
  for (const option of Array.isArray(field.options) ? field.options : []) {
    if (isRecord(option)) options.set(option.id, option.text);
  }
  const ids = Array.isArray(field.value) ? field.value : [field.value];
  return ids.map((id) => options.get(id) ?? id);
}

/**
 * Tally `FORM_RESPONSE`. Email and phone by field type, names, company and message by label, choice ids
 * resolved through options[].text, hidden fields named utm_* into utm, a calculated field labelled Score as the
 * score. Per-option checkbox booleans duplicate their parent field and are skipped, unless they are a consent box.
 * Files are listed by name, never fetched.
 */
export const tally: Preset = (payload) => {
  if (!isRecord(payload) || !isRecord(payload.data) || !Array.isArray(payload.data.fields)) {
    throw new MappingError(
      'unexpected_shape',
      `The tally preset expects a FORM_RESPONSE with data.fields, but got ${describeValue(payload)} without them`,
    );
  }
  const data = payload.data;
  const draft: DraftLead = {
    deliveryId: payload.eventId,
    submittedAt: data.createdAt ?? payload.createdAt,
    attribution: { formId: data.formId, formName: data.formName, externalId: data.responseId },
  };
  for (const field of data.fields as unknown[]) {
    if (!isRecord(field) || field.value === null || field.value === undefined) continue;
    const label =
      typeof field.label === 'string' ? field.label : typeof field.key === 'string' ? field.key : '';
    const type = typeof field.type === 'string' ? field.type : '';
    let used = false;
    if (type === 'INPUT_EMAIL') used = assign(draft, 'email', field.value);
    else if (type === 'INPUT_PHONE_NUMBER') used = assign(draft, 'phone', field.value);
    else if (type === 'CALCULATED_FIELDS' && label.trim().toLowerCase() === 'score') {
      used = assign(draft, 'score', field.value);
    } else if (type === 'HIDDEN_FIELDS') {
      const leadField = leadFieldFor(label);
      used = leadField?.startsWith('utm.') === true && assign(draft, leadField, field.value);
    } else if (type === 'CHECKBOXES' && typeof field.value === 'boolean') {
      if (CONSENT.test(label)) {
        const kind = /terms|privacy/i.test(label) ? 'consent.terms' : 'consent.marketing';
        if (assign(draft, kind, field.value)) assign(draft, 'consent.text', label);
      }
      continue;
    } else if (CHOICE_TYPES.has(type)) {
      addCustom(draft, label, optionTexts(field));
      continue;
    } else if (FILE_TYPES.has(type)) {
      const names = (Array.isArray(field.value) ? field.value : []).map((file) =>
        isRecord(file) ? file.name : undefined,
      );
      addCustom(draft, label, names);
      continue;
    } else if (type === 'MATRIX') {
      continue;
    } else if (type === 'INPUT_TEXT' || type === 'TEXTAREA') {
      const leadField = leadFieldFor(label);
      if (leadField !== undefined && !leadField.startsWith('utm.'))
        used = assign(draft, leadField, field.value);
    }
    if (!used) addCustom(draft, label, field.value);
  }
  return draft;
};
