import type { Lead } from '../../../schemas/generated/lead.ts';
import type { LeadReceivedEvent } from '../../../schemas/generated/lead-received-event.ts';

/** A lead with every field filled in and valid: tests break one thing at a time from here. */
export function fullLead(overrides: Partial<Lead> = {}): Lead {
  return {
    id: 'lead_0123456789abcdef0123456789abcdef',
    source: 'typeform',
    receivedAt: '2026-01-02T03:04:05.000Z',
    submittedAt: '2026-01-02T03:04:00.000Z',
    email: 'jane@example.com',
    phone: '+14155550123',
    firstName: 'Jane',
    lastName: 'Doe',
    company: 'Acme Rockets',
    message: 'Call me',
    consent: { marketing: true, terms: true, text: 'I agree' },
    utm: { source: 'google', medium: 'cpc', campaign: 'spring', term: 'crm', content: 'ad-1' },
    attribution: {
      referrer: 'https://example.com/',
      landingPage: 'https://example.com/landing',
      formId: 'form-1',
      formName: 'Contact',
      externalId: 'ext-1',
    },
    score: 80,
    custom: { budget: 5000, plan: 'pro', newsletter: false },
    raw: {
      deliveryId: 'delivery-1',
      deliveryIdFrom: 'sender',
      contentType: 'application/json',
      sha256: 'a'.repeat(64),
      bytes: 1234,
    },
    schemaVersion: 1,
    correlationId: 'corr-1',
    ...overrides,
  };
}

/** A lead id from a number, in the shape the schema wants. */
export function leadId(n: number): string {
  return `lead_${n.toString(16).padStart(32, '0')}`;
}

/** The `detail` of a lead.received event carrying `lead`. */
export function leadReceived(lead: Lead): LeadReceivedEvent {
  return {
    event_id: `evt-${lead.id}`,
    event_type: 'lead.received',
    source: lead.source,
    timestamp: lead.receivedAt,
    correlation_id: lead.correlationId,
    schema_version: 1,
    lead,
  };
}

/** The envelope an EventBridge SQS target delivers as the message body. */
export function eventBridgeEnvelope(detailType: string, detail: unknown): Record<string, unknown> {
  return {
    version: '0',
    id: 'e0000000-0000-0000-0000-000000000000',
    'detail-type': detailType,
    source: 'leadpipe',
    account: '000000000000',
    time: '2026-01-02T03:04:05Z',
    region: 'us-east-1',
    resources: [],
    detail,
  };
}
