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
  /**
   * Ids worth keeping with the quarantined delivery, e.g. a Meta leadgen id to enrich later through the
   * Graph API. Never contact details.
   */
  readonly partial?: Pick<MappedLead, 'attribution' | 'deliveryId' | 'submittedAt'>;
  constructor(
    code: MappingErrorCode,
    message: string,
    options?: { cause?: unknown; partial?: Pick<MappedLead, 'attribution' | 'deliveryId' | 'submittedAt'> },
  ) {
    super(message, options);
    this.code = code;
    if (options?.partial !== undefined) this.partial = options.partial;
  }
}

/**
 * What a preset or a JSONata expression produces before normalisation: the lead's fields as the sender wrote
 * them (any JSON value), plus `name`, a full name to split when first/last names are missing.
 */
export interface DraftLead {
  email?: unknown;
  phone?: unknown;
  name?: unknown;
  firstName?: unknown;
  lastName?: unknown;
  company?: unknown;
  message?: unknown;
  consent?: { marketing?: unknown; terms?: unknown; text?: unknown };
  utm?: { source?: unknown; medium?: unknown; campaign?: unknown; term?: unknown; content?: unknown };
  attribution?: {
    referrer?: unknown;
    landingPage?: unknown;
    formId?: unknown;
    formName?: unknown;
    externalId?: unknown;
  };
  score?: unknown;
  custom?: Record<string, unknown>;
  submittedAt?: unknown;
  deliveryId?: unknown;
}

/** A built-in mapping for one sender: reads its payload, throws MappingError when the shape is not its own. */
export type Preset = (payload: unknown, input: MappingInput) => DraftLead;
