import type { Lead } from '../../schemas/generated/lead.ts';

/** What a mapping produces: the lead's own fields, before ingest adds identity and provenance. */
export type MappedLead = Omit<
  Lead,
  'id' | 'source' | 'receivedAt' | 'schemaVersion' | 'correlationId' | 'raw'
> & {
  /** The sender's delivery id found in the body (e.g. Typeform's event_id), when the headers carry none. */
  deliveryId?: string;
};

export interface MappingInput {
  /** The parsed body: JSON value, or an object of fields for form posts. */
  payload: unknown;
  contentType: string;
  headers: Readonly<Record<string, string>>;
  /** Default region for phone numbers written without a country code (ISO 3166, e.g. "US"). */
  phoneRegion: string;
}

export type MappingErrorCode =
  | 'no_contact'
  | 'invalid_email'
  | 'invalid_phone'
  | 'mapping_failed'
  | 'unexpected_shape';

/** A signed payload that cannot become a lead: it is quarantined with this reason, never dropped. */
export class MappingError extends Error {
  override readonly name = 'MappingError';
  readonly code: MappingErrorCode;
  constructor(code: MappingErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
