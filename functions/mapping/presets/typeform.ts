import type { DraftLead, Preset } from '../types.ts';
import { MappingError } from '../types.ts';
import { addCustom, assign, describeValue, isRecord, leadFieldFor } from './field-names.ts';

interface FieldDefinition {
  title: string;
  ref: string;
  type: string;
}

/** The value of one Typeform answer, by its `type` (text, email, choice, ...). */
function answerValue(answer: Record<string, unknown>): unknown {
  switch (answer.type) {
    case 'choice': {
      const choice = isRecord(answer.choice) ? answer.choice : {};
      return choice.label ?? choice.other;
    }
    case 'choices': {
      const choices = isRecord(answer.choices) ? answer.choices : {};
      const labels = Array.isArray(choices.labels) ? choices.labels : [];
      return [...labels, ...(choices.other === undefined ? [] : [choices.other])];
    }
    case 'payment': {
      const payment = isRecord(answer.payment) ? answer.payment : {};
      return payment.amount;
    }
    default:
      return typeof answer.type === 'string' ? answer[answer.type] : undefined;
  }
}

/** Name-like fields are found by what the form asks ("What is your first name?") or by the field's ref. */
function fieldByWording(
  definition: FieldDefinition,
): 'firstName' | 'lastName' | 'name' | 'company' | 'message' | undefined {
  const words = `${definition.title} ${definition.ref}`.toLowerCase();
  if (/first[\s_-]?name|given[\s_-]?name|fore[\s_-]?name/.test(words)) return 'firstName';
  if (/last[\s_-]?name|surname|family[\s_-]?name/.test(words)) return 'lastName';
  if (/company|organi[sz]ation|employer/.test(words)) return 'company';
  if (/\b(full[\s_-]?)?name\b/.test(words)) return 'name';
  if (/\bmessage\b|\bcomments?\b|how can we help/.test(words)) return 'message';
  return undefined;
}

/**
 * Typeform `form_response`. Answers are resolved through definition.fields: email and phone by field type,
 * names and company by the question's wording or ref, the first long-text answer as the message, a legal
 * answer as consent to the terms. calculated.score is clamped into 0-100 (Typeform scores are any integer).
 * Hidden fields named utm_* fill utm; other hidden fields and the remaining answers go to custom by ref.
 */
export const typeform: Preset = (payload) => {
  if (!isRecord(payload) || !isRecord(payload.form_response)) {
    throw new MappingError(
      'unexpected_shape',
      `The typeform preset expects a form_response event, but the payload is ${describeValue(payload)} without form_response`,
    );
  }
  const response = payload.form_response;
  const definition = isRecord(response.definition) ? response.definition : {};
  const fields = new Map<string, FieldDefinition>();
  for (const field of Array.isArray(definition.fields) ? definition.fields : []) {
    if (!isRecord(field) || typeof field.id !== 'string') continue;
    fields.set(field.id, {
      title: typeof field.title === 'string' ? field.title : '',
      ref: typeof field.ref === 'string' ? field.ref : '',
      type: typeof field.type === 'string' ? field.type : '',
    });
  }

  const draft: DraftLead = {
    deliveryId: payload.event_id,
    submittedAt: response.submitted_at,
    attribution: { formId: response.form_id, formName: definition.title, externalId: response.token },
  };
  const answers = Array.isArray(response.answers) ? response.answers : [];
  for (const answer of answers) {
    if (!isRecord(answer)) continue;
    const ref = isRecord(answer.field) ? answer.field : {};
    const id = typeof ref.id === 'string' ? ref.id : '';
    const definitionOfField = fields.get(id) ?? {
      title: '',
      ref: typeof ref.ref === 'string' ? ref.ref : '',
      type: typeof ref.type === 'string' ? ref.type : '',
    };
    const value = answerValue(answer);
    if (value === undefined || value === null) continue;
    const fieldType = definitionOfField.type;
    let used = false;
    if (answer.type === 'email' || fieldType === 'email') used = assign(draft, 'email', value);
    else if (answer.type === 'phone_number' || fieldType === 'phone_number')
      used = assign(draft, 'phone', value);
    else if (fieldType === 'legal') {
      used = assign(draft, 'consent.terms', value);
      if (used && definitionOfField.title !== '') assign(draft, 'consent.text', definitionOfField.title);
    } else if (answer.type === 'text') {
      const field = fieldByWording(definitionOfField) ?? (fieldType === 'long_text' ? 'message' : undefined);
      if (field !== undefined) used = assign(draft, field, value);
    }
    if (!used) addCustom(draft, definitionOfField.ref || id || 'answer', value);
  }

  const hidden = isRecord(response.hidden) ? response.hidden : {};
  for (const [key, value] of Object.entries(hidden)) {
    const field = leadFieldFor(key);
    if (field === undefined || !field.startsWith('utm.') || !assign(draft, field, value))
      addCustom(draft, key, value);
  }

  const calculated = isRecord(response.calculated) ? response.calculated : {};
  if (calculated.score !== undefined) draft.score = calculated.score;
  for (const variable of Array.isArray(response.variables) ? response.variables : []) {
    if (!isRecord(variable) || typeof variable.key !== 'string' || typeof variable.type !== 'string')
      continue;
    if (variable.key === 'score' && draft.score !== undefined) continue;
    addCustom(draft, `variables.${variable.key}`, variable[variable.type]);
  }
  return draft;
};
