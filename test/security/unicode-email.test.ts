import { describe, expect, it } from 'vitest';
import { groupLeadsByEmail } from '../../adapters/hubspot/contact-inputs.ts';
import { toSalesforceRecord } from '../../adapters/salesforce/records.ts';
import { normaliseEmail } from '../../functions/mapping/normalise.ts';
import { parseBody } from '../../functions/mapping/parse-body.ts';
import type { LeadReceivedEvent } from '../../schemas/generated/lead-received-event.ts';
import { describeErrors, validateLead } from '../../schemas/validate.ts';
import { GOOD_LEAD, ingestHarness, signedEvent } from '../unit/functions/ingest/ingest-setup.ts';
import { fullLead } from '../unit/schemas/lead-factory.ts';

/**
 * Valid Unicode passes: an address with an internationalised domain is an address (RFC 6531, IDNA 2008), kept
 * as the person typed it (NFC), and converted to A-labels only for a vendor that needs ASCII.
 */
const body = (answer: { body: string }) => JSON.parse(answer.body) as Record<string, unknown>;

/** What a browser sends for a UTF-8 page's form: URLSearchParams is the WHATWG urlencoded serializer. */
const browserForm = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

describe('normaliseEmail with internationalised addresses', () => {
  it.each([
    ['an IDN second-level domain', 'zoë@bücher.example', 'zoë@bücher.example'],
    ['upper case, lower-cased', 'Zoë@BÜCHER.Example', 'zoë@bücher.example'],
    ['decomposed input, composed to NFC', 'zoe\u0308@bu\u0308cher.example', 'zoë@bücher.example'],
    ['an IDN top-level domain', 'info@例え.テスト', 'info@例え.テスト'],
    ['a Cyrillic domain', 'почта@пример.рф', 'почта@пример.рф'],
    ['an A-label domain, kept as typed', 'zoe@xn--bcher-kva.example', 'zoe@xn--bcher-kva.example'],
    ['full-width dots, mapped as IDNA maps them', 'zoë@bücher｡example', 'zoë@bücher.example'],
    // IDNA 2008 disallows emoji, but UTS #46 (browsers, WHATWG URL) maps them and registries sell them.
    ['an emoji domain', 'a@😀.example', 'a@😀.example'],
  ])('accepts %s', (_name, raw, expected) => {
    expect(normaliseEmail(raw)).toBe(expected);
  });

  it.each([
    ['a domain IDNA refuses', 'a@xn--a.example'],
    ['a label over 63 octets once in A-labels', `a@${'ü'.repeat(60)}.example`],
    ['a local part over 64 octets of UTF-8', `${'ü'.repeat(33)}@example.com`],
    ['a space in the domain', 'a@bü cher.example'],
  ])('refuses %s', (_name, raw) => {
    expect(normaliseEmail(raw)).toBeUndefined();
  });

  it('is a lead email the schema accepts', () => {
    const lead = fullLead({ email: 'zoë@bücher.example' });
    expect(validateLead(lead), describeErrors(validateLead.errors).join('; ')).toBe(true);
  });
});

describe('a browser form post with UTF-8 names and values', () => {
  const form = browserForm({ prénom: 'Zoë 🙂', email: 'zoë@bücher.example', company: 'Bücher & Co' });

  it('percent-encodes as a browser does, and parses back to the very strings', () => {
    expect(form).toBe(
      'pr%C3%A9nom=Zo%C3%AB+%F0%9F%99%82&email=zo%C3%AB%40b%C3%BCcher.example&company=B%C3%BCcher+%26+Co',
    );
    expect(parseBody('application/x-www-form-urlencoded', Buffer.from(form))).toEqual({
      prénom: 'Zoë 🙂',
      email: 'zoë@bücher.example',
      company: 'Bücher & Co',
    });
  });

  it('is accepted as a lead with the Unicode address, not quarantined', async () => {
    // Prepare
    const harness = ingestHarness();
    const event = signedEvent('form', form, { contentType: 'application/x-www-form-urlencoded' });
    // Act
    const answer = await harness.handle(event);
    // Assess
    expect(body(answer)).toMatchObject({ status: 'accepted' });
    expect(answer.statusCode).toBe(202);
    const [published] = harness.published.events as LeadReceivedEvent[];
    expect(published?.lead).toMatchObject({
      email: 'zoë@bücher.example',
      company: 'Bücher & Co',
      custom: { prénom: 'Zoë 🙂' },
    });
  });

  it('still accepts the ASCII lead next to it', async () => {
    const harness = ingestHarness();
    const answer = await harness.handle(signedEvent('form', JSON.stringify(GOOD_LEAD)));
    expect(body(answer)).toMatchObject({ status: 'accepted' });
  });
});

describe('vendors get the address in the form they accept', () => {
  const lead = fullLead({ email: 'zoë@bücher.example' });

  it('HubSpot keeps the Unicode address (its validation handles Unicode domains and TLDs)', () => {
    const { inputs } = groupLeadsByEmail([lead]);
    expect(inputs[0]?.email).toBe('zoë@bücher.example');
  });

  it('Salesforce gets the domain in A-labels, in the Email field and the external id', () => {
    // Act
    const mapped = toSalesforceRecord(lead, {
      object: 'Lead',
      externalIdField: 'Email_Key__c',
      fields: {},
      fallbacks: { lastName: '[not provided]', company: '[not provided]' },
    });
    // Assess
    expect(mapped).toMatchObject({
      key: 'zoë@xn--bcher-kva.example',
      record: { Email: 'zoë@xn--bcher-kva.example', Email_Key__c: 'zoë@xn--bcher-kva.example' },
    });
  });
});
