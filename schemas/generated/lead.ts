// Generated from schemas/lead.schema.json by `npm run gen:types`. Do not edit.

/**
 * The canonical lead: what every source is mapped to and every destination receives.
 */
export interface Lead {
  /**
   * Stable id derived from source + delivery id, so a redelivery maps to the same lead.
   */
  id: string;
  /**
   * The person this lead is from, resolved at ingest from the normalised email, then the E.164 phone: every lead of one person carries the same id, and each CRM keeps one record per person id. Absent on leads accepted before person identity existed.
   */
  personId?: string;
  /**
   * Name of the configured source that received the webhook.
   */
  source: string;
  receivedAt: string;
  /**
   * When the person submitted, as the sender says.
   */
  submittedAt?: string;
  /**
   * Trimmed, lower-cased and NFC, as the person typed it: the domain may be internationalised (U-labels, `zoë@bücher.example`, RFC 6531). Adapters convert it to A-labels (punycode) only for a vendor that needs ASCII.
   */
  email?: string;
  /**
   * E.164.
   */
  phone?: string;
  /**
   * Salesforce Lead.FirstName holds 40 characters.
   */
  firstName?: string;
  /**
   * Salesforce Lead.LastName holds 80 characters.
   */
  lastName?: string;
  /**
   * Salesforce Lead.Company holds 255 characters.
   */
  company?: string;
  /**
   * Longer text is cut during mapping, ending "… [truncated: N characters]".
   */
  message?: string;
  consent?: {
    /**
     * The person agreed to marketing contact.
     */
    marketing?: boolean;
    /**
     * The person accepted the form's terms or privacy notice.
     */
    terms?: boolean;
    /**
     * The wording the person agreed to, when the sender sends it.
     */
    text?: string;
  };
  utm?: {
    source?: string;
    medium?: string;
    campaign?: string;
    term?: string;
    content?: string;
  };
  attribution?: {
    referrer?: string;
    landingPage?: string;
    formId?: string;
    formName?: string;
    /**
     * The sender's own id for this submission (e.g. a Meta leadgen id).
     */
    externalId?: string;
  };
  /**
   * 0-100; routes hot leads (e.g. Slack for score >= 70).
   */
  score?: number;
  /**
   * Other answers, by name, for destination field mappings.
   */
  custom?: {
    [k: string]: string | number | boolean;
  };
  /**
   * A reference to the raw delivery: never the body itself.
   */
  raw?: {
    deliveryId: string;
    /**
     * Where the delivery id came from.
     */
    deliveryIdFrom?: 'sender' | 'body-hash';
    contentType?: string;
    sha256: string;
    bytes: number;
  };
  schemaVersion: 1;
  correlationId: string;
}
