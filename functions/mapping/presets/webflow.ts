import type { Preset } from '../types.ts';
import { MappingError } from '../types.ts';
import { describeValue, isRecord } from './field-names.ts';
import { mapFields } from './generic.ts';

/**
 * Webflow `form_submission` (v2 webhooks: { triggerType, payload: { name, data, id, formId, submittedAt } }, and
 * the v1 body { name, data, _id, d }). Fields are read by name like the generic preset; values may be numbers.
 */
export const webflow: Preset = (payload) => {
  const submission = isRecord(payload) && isRecord(payload.payload) ? payload.payload : payload;
  if (!isRecord(submission) || !isRecord(submission.data)) {
    throw new MappingError(
      'unexpected_shape',
      `The webflow preset expects a form_submission with payload.data, but got ${describeValue(payload)} without it`,
    );
  }
  const draft = mapFields(submission.data);
  draft.deliveryId ??= submission.id ?? submission._id;
  draft.submittedAt ??= submission.submittedAt ?? submission.d;
  draft.attribution = {
    ...draft.attribution,
    formId: submission.formId,
    formName: submission.name,
    externalId: submission.id ?? submission._id,
  };
  return draft;
};
