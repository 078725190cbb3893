import { ReferenceOnlyError } from '../../enrich/reference.ts';
import type { DraftLead, Preset } from '../types.ts';
import { MappingError } from '../types.ts';
import { addCustom, assign, describeValue, isRecord, leadFieldFor } from './field-names.ts';

/** A Graph API lead's field_data: [{ name, values: [...] }], the answers by the question's key. */
function fromFieldData(draft: DraftLead, fieldData: unknown[]): void {
  for (const item of fieldData) {
    if (!isRecord(item) || typeof item.name !== 'string') continue;
    const values = Array.isArray(item.values) ? item.values : [item.values];
    const value = values.length === 1 ? values[0] : values;
    const field = leadFieldFor(item.name);
    if (field === undefined || !assign(draft, field, value)) addCustom(draft, item.name, value);
  }
}

function leadObject(lead: Record<string, unknown>, deliveryId: unknown): DraftLead {
  const draft: DraftLead = {
    deliveryId,
    submittedAt: lead.created_time,
    attribution: { formId: lead.form_id, externalId: lead.leadgen_id ?? lead.id },
  };
  if (Array.isArray(lead.field_data)) fromFieldData(draft, lead.field_data);
  addCustom(draft, 'ad_id', lead.ad_id);
  addCustom(draft, 'page_id', lead.page_id);
  return draft;
}

/** The ids a leadgen change names (form, page, ad, ad set), as strings: context for the fetch, never personal data. */
function idsOf(value: Record<string, unknown>): Record<string, string> {
  const ids: Record<string, string> = {};
  for (const key of ['form_id', 'page_id', 'ad_id', 'adgroup_id']) {
    const id = value[key];
    if (typeof id === 'string' || typeof id === 'number') ids[key] = String(id);
  }
  return ids;
}

/**
 * Meta lead ads. The page webhook ({ object: "page", entry: [{ changes: [{ field: "leadgen", value }] }] })
 * carries only ids: the lead itself must be fetched from the Graph API with leadgen_id. Without field_data
 * this is ReferenceOnlyError (code `no_contact`) carrying the leadgen id: a source with `enrich` settings
 * hands it to the enrichment stage (functions/enrich/), any other quarantines it. A Graph API lead object (or a webhook value carrying field_data) maps fully.
 */
export const meta: Preset = (payload) => {
  if (!isRecord(payload)) {
    throw new MappingError('unexpected_shape', `The meta preset cannot read ${describeValue(payload)}`);
  }
  if (Array.isArray(payload.field_data)) return leadObject(payload, payload.id);
  if (!Array.isArray(payload.entry)) {
    throw new MappingError(
      'unexpected_shape',
      'The meta preset expects a page webhook with entry[].changes[] or a Graph API lead with field_data',
    );
  }
  const values: Record<string, unknown>[] = [];
  for (const entry of payload.entry) {
    for (const change of isRecord(entry) && Array.isArray(entry.changes) ? entry.changes : []) {
      if (isRecord(change) && change.field === 'leadgen' && isRecord(change.value)) values.push(change.value);
    }
  }
  const value = values[0];
  if (value === undefined) {
    throw new MappingError(
      'unexpected_shape',
      'The Meta webhook has no leadgen change: subscribe the page to leadgen',
    );
  }
  if (values.length > 1) {
    throw new MappingError(
      'unexpected_shape',
      `The Meta webhook batches ${values.length} leads; leadpipe maps one lead per delivery`,
    );
  }
  const draft = leadObject(value, value.leadgen_id);
  if (!Array.isArray(value.field_data)) {
    const externalId = typeof value.leadgen_id === 'string' ? value.leadgen_id : String(value.leadgen_id);
    const formId = typeof value.form_id === 'string' ? value.form_id : undefined;
    throw new ReferenceOnlyError(
      'Meta leadgen webhooks carry only ids (leadgen_id, form_id, ad_id): fetch the lead from the Graph API ' +
        '(GET /{leadgen_id}) to get its field_data; give the source enrich.accessToken (a Page access token) to do so',
      { sender: 'meta', id: externalId, context: idsOf(value) },
      {
        deliveryId: externalId,
        attribution: formId === undefined ? { externalId } : { externalId, formId },
      },
    );
  }
  return draft;
};
