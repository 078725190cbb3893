import type { DraftLead, Preset } from '../types.ts';
import { MappingError } from '../types.ts';
import { addCustom, assign, describeValue, isRecord } from './field-names.ts';

function questionField(question: string): 'phone' | 'company' | 'message' | undefined {
  const q = question.toLowerCase();
  if (/phone|mobile|\btel\b/.test(q)) return 'phone';
  if (/company|organi[sz]ation|employer/.test(q)) return 'company';
  if (/share anything|message|comments?|notes?|how can we help/.test(q)) return 'message';
  return undefined;
}

/**
 * Calendly `invitee.created`, in the 2020 shape (name only) and the current one (first_name, last_name,
 * scheduled_event, text_reminder_number). The delivery id is the invitee's uri: Calendly sends no event id, and
 * the uri names one invitee of one booking (a reschedule creates a new invitee with a new uri), so a redelivery
 * of the same booking carries the same uri. Other events (cancellations, no-shows) are not leads.
 */
export const calendly: Preset = (payload) => {
  if (!isRecord(payload) || !isRecord(payload.payload)) {
    throw new MappingError(
      'unexpected_shape',
      `The calendly preset expects a webhook with a payload object, but got ${describeValue(payload)}`,
    );
  }
  if (payload.event !== 'invitee.created') {
    const event =
      typeof payload.event === 'string' ? payload.event.slice(0, 60) : describeValue(payload.event);
    throw new MappingError(
      'unexpected_shape',
      `The calendly preset maps invitee.created events only, not "${event}": subscribe this source to invitee.created`,
    );
  }
  const invitee = payload.payload;
  const scheduled = isRecord(invitee.scheduled_event) ? invitee.scheduled_event : {};
  const tracking = isRecord(invitee.tracking) ? invitee.tracking : {};
  const draft: DraftLead = {
    deliveryId: invitee.uri,
    email: invitee.email,
    phone: invitee.text_reminder_number,
    firstName: invitee.first_name,
    lastName: invitee.last_name,
    name: invitee.name,
    submittedAt: invitee.created_at,
    utm: {
      source: tracking.utm_source,
      medium: tracking.utm_medium,
      campaign: tracking.utm_campaign,
      term: tracking.utm_term,
      content: tracking.utm_content,
    },
    attribution: { formId: scheduled.event_type, formName: scheduled.name, externalId: invitee.uri },
  };
  for (const item of Array.isArray(invitee.questions_and_answers) ? invitee.questions_and_answers : []) {
    if (!isRecord(item) || typeof item.question !== 'string') continue;
    const field = questionField(item.question);
    if (field === undefined || !assign(draft, field, item.answer))
      addCustom(draft, item.question, item.answer);
  }
  addCustom(draft, 'timezone', invitee.timezone);
  addCustom(draft, 'eventStartTime', scheduled.start_time);
  addCustom(draft, 'scheduledEvent', typeof invitee.event === 'string' ? invitee.event : scheduled.uri);
  return draft;
};
