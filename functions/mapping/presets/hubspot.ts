import { ReferenceOnlyError } from '../../enrich/reference.ts';
import type { DraftLead, Preset } from '../types.ts';
import { MappingError } from '../types.ts';
import { addCustom, assign, describeValue, isRecord, leadFieldFor } from './field-names.ts';
import { mapFields } from './generic.ts';

/** Fields given as [{ name, value }] (forms submissions) read like form fields. */
function fromNameValueList(list: unknown[]): DraftLead {
  const fields: Record<string, unknown> = {};
  for (const item of list) {
    if (!isRecord(item) || typeof item.name !== 'string' || Object.hasOwn(fields, item.name)) continue;
    Object.defineProperty(fields, item.name, {
      value: item.value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return mapFields(fields);
}

/** HubSpot form submission: { fields: [{name, value}], context: {pageUri, pageName}, legalConsentOptions }. */
function formSubmission(payload: Record<string, unknown>, list: unknown[]): DraftLead {
  const draft = fromNameValueList(list);
  const context = isRecord(payload.context) ? payload.context : {};
  draft.submittedAt ??= payload.submittedAt;
  draft.deliveryId ??= payload.conversionId ?? payload.submissionId;
  draft.attribution = {
    ...draft.attribution,
    landingPage: context.pageUri ?? payload.pageUrl,
    formName: context.pageName,
    formId: payload.formId ?? payload.formGuid,
  };
  const legal = isRecord(payload.legalConsentOptions) ? payload.legalConsentOptions : {};
  const consent = isRecord(legal.consent) ? legal.consent : {};
  if (consent.consentToProcess !== undefined) assign(draft, 'consent.terms', consent.consentToProcess);
  if (typeof consent.text === 'string') assign(draft, 'consent.text', consent.text);
  const communications = Array.isArray(consent.communications) ? consent.communications : [];
  const agreed = communications.filter(isRecord).map((c) => c.value);
  if (agreed.length > 0)
    assign(
      draft,
      'consent.marketing',
      agreed.some((v) => v === true),
    );
  return draft;
}

/** Workflow webhooks send the contact: { vid, properties: { email: { value } } } (legacy) or flat properties. */
function contactRecord(payload: Record<string, unknown>): DraftLead {
  const properties = isRecord(payload.properties) ? payload.properties : payload;
  const flat: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(properties)) {
    const v = isRecord(value) && 'value' in value ? value.value : value;
    Object.defineProperty(flat, name, { value: v, enumerable: true, writable: true, configurable: true });
  }
  const draft = mapFields(flat);
  const id = payload.vid ?? payload.hs_object_id ?? payload.objectId;
  if (id !== undefined) draft.attribution = { ...draft.attribution, externalId: id };
  return draft;
}

const CONTACT_PROPERTIES = new Set([
  'email',
  'phone',
  'mobilephone',
  'firstname',
  'lastname',
  'company',
  'message',
]);

/**
 * Webhooks API events ([{ eventId, subscriptionType, objectId, propertyName?, propertyValue? }]). A
 * contact.creation event carries only the contact's id (ReferenceOnlyError: enriched when the source says so); contact.propertyChange events on email, phone or names
 * carry the new value, and the events of one contact in a batch make one lead.
 */
function webhookEvents(events: Record<string, unknown>[]): DraftLead {
  const contactIds = new Set(events.map((e) => String(e.objectId)));
  const changes = events.filter(
    (e) =>
      e.subscriptionType === 'contact.propertyChange' &&
      typeof e.propertyName === 'string' &&
      CONTACT_PROPERTIES.has(e.propertyName),
  );
  if (changes.length === 0) {
    const types = [...new Set(events.map((e) => String(e.subscriptionType).slice(0, 40)))].join(', ');
    const [contactId] = contactIds;
    // One contact created: a reference the enrichment stage reads the contact's properties by.
    if (
      contactIds.size === 1 &&
      contactId !== undefined &&
      events.every((e) => e.subscriptionType === 'contact.creation')
    ) {
      throw new ReferenceOnlyError(
        'HubSpot contact.creation events carry only object ids (objectId), not an email or phone: read the contact ' +
          'through the CRM API; ' +
          'give the source enrich.accessToken (a private app token) to do so',
        { sender: 'hubspot', id: contactId },
        {
          deliveryId: events.map((e) => String(e.eventId)).join(','),
          attribution: { externalId: contactId },
        },
      );
    }
    throw new MappingError(
      'no_contact',
      `HubSpot ${types} events carry only object ids (objectId), not an email or phone: subscribe to ` +
        'contact.propertyChange for email, or send form submissions to this source, to get a lead',
      {
        partial: {
          deliveryId: events.map((e) => String(e.eventId)).join(','),
          attribution: { externalId: [...contactIds].join(',') },
        },
      },
    );
  }
  const changedIds = new Set(changes.map((e) => String(e.objectId)));
  if (changedIds.size > 1) {
    throw new MappingError(
      'unexpected_shape',
      `The HubSpot delivery batches changes for ${changedIds.size} contacts; leadpipe maps one lead per delivery`,
    );
  }
  const draft: DraftLead = {};
  for (const change of changes) {
    const field = leadFieldFor(String(change.propertyName));
    if (field !== undefined) assign(draft, field, change.propertyValue);
    else addCustom(draft, String(change.propertyName), change.propertyValue);
  }
  draft.deliveryId = events.map((e) => String(e.eventId)).join(',');
  draft.submittedAt = changes[0]?.occurredAt;
  draft.attribution = { externalId: String(changes[0]?.objectId) };
  return draft;
}

/** HubSpot: webhooks API event batches, form submissions (fields[] or values[]) and workflow contact webhooks. */
export const hubspot: Preset = (payload) => {
  if (Array.isArray(payload)) {
    const events = payload.filter(isRecord);
    if (events.length === 0 || events.length !== payload.length) {
      throw new MappingError(
        'unexpected_shape',
        'The hubspot preset expects an array of webhook event objects',
      );
    }
    return webhookEvents(events);
  }
  if (!isRecord(payload)) {
    throw new MappingError('unexpected_shape', `The hubspot preset cannot read ${describeValue(payload)}`);
  }
  if (Array.isArray(payload.fields)) return formSubmission(payload, payload.fields);
  if (Array.isArray(payload.values)) return formSubmission(payload, payload.values);
  return contactRecord(payload);
};
