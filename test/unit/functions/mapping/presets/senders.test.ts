import { describe, expect, it } from 'vitest';
import { mapPayload } from '../../../../../functions/mapping/index.ts';
import { MappingError } from '../../../../../functions/mapping/types.ts';
import { leadSchemaErrors, senderFixture } from '../lead-rules.ts';

const input = (payload: unknown) => ({
  payload,
  contentType: 'application/json',
  headers: {},
  phoneRegion: 'US',
});
const load = <T = Record<string, unknown>>(name: string) => structuredClone(senderFixture(name).json) as T;

async function rejection(promise: Promise<unknown>): Promise<MappingError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof MappingError)) throw new Error('expected a MappingError');
  return error;
}

describe('calendly preset', () => {
  it('maps the 2020 invitee.created example, using the invitee uri as delivery id', async () => {
    const lead = await mapPayload({ preset: 'calendly' }, input(load('calendly_invitee_created.json')));
    expect(lead).toEqual({
      deliveryId: 'https://api.calendly.com/scheduled_events/AAAAAAAAAAAAAAAA/invitees/AAAAAAAAAAAAAAAA',
      email: 'test@example.com',
      firstName: 'John',
      lastName: 'Doe',
      submittedAt: '2020-11-23T17:51:18.327Z',
      attribution: {
        externalId: 'https://api.calendly.com/scheduled_events/AAAAAAAAAAAAAAAA/invitees/AAAAAAAAAAAAAAAA',
      },
      custom: {
        timezone: 'America/New_York',
        scheduledEvent: 'https://api.calendly.com/scheduled_events/AAAAAAAAAAAAAAAA',
      },
    });
    expect(leadSchemaErrors(lead)).toEqual([]);
  });

  it('maps the current shape: first/last name, reminder phone, tracking, scheduled_event and answers', async () => {
    // Arrange
    const body = load<{ payload: Record<string, unknown> }>('calendly_invitee_created.json');
    Object.assign(body.payload, {
      first_name: 'Laura',
      last_name: 'van der Berg',
      text_reminder_number: '+1 415 555 2671',
      tracking: { utm_source: 'linkedin', utm_campaign: 'q3', utm_medium: null },
      scheduled_event: {
        uri: 'https://api.calendly.com/scheduled_events/BBBB',
        name: 'Intro call',
        event_type: 'https://api.calendly.com/event_types/CCCC',
        start_time: '2026-11-25T15:00:00.000000Z',
      },
      questions_and_answers: [
        { question: 'Company name', answer: 'Acme', position: 0 },
        {
          question: 'Please share anything that will help prepare for our meeting.',
          answer: 'Pricing',
          position: 1,
        },
        { question: 'Team size', answer: '11-50', position: 2 },
      ],
    });
    delete body.payload.event;
    // Act
    const lead = await mapPayload({ preset: 'calendly' }, input(body));
    // Assess
    expect(lead).toMatchObject({
      firstName: 'Laura',
      lastName: 'van der Berg',
      phone: '+14155552671',
      company: 'Acme',
      message: 'Pricing',
      utm: { source: 'linkedin', campaign: 'q3' },
      attribution: { formId: 'https://api.calendly.com/event_types/CCCC', formName: 'Intro call' },
      custom: {
        'Team size': '11-50',
        eventStartTime: '2026-11-25T15:00:00.000000Z',
        scheduledEvent: 'https://api.calendly.com/scheduled_events/BBBB',
      },
    });
  });

  it('does not map a cancellation as a lead', async () => {
    const body = load('calendly_invitee_created.json');
    body.event = 'invitee.canceled';
    const error = await rejection(mapPayload({ preset: 'calendly' }, input(body)));
    expect(error.code).toBe('unexpected_shape');
    expect(error.message).toContain('invitee.canceled');
  });
});

describe('webflow preset', () => {
  it('maps the form_submission example, including a phone sent as a JSON number', async () => {
    const lead = await mapPayload({ preset: 'webflow' }, input(load('webflow_form_submission.json')));
    expect(lead).toEqual({
      deliveryId: '6321ca84df3949bfc6752327',
      email: 'zaphod@heartofgold.ai',
      phone: '+15550000000',
      firstName: 'Zaphod',
      lastName: 'Beeblebrox',
      submittedAt: '2022-09-14T12:35:16.117Z',
      attribution: {
        formId: '65429eadebe8a9f3a30f62d0',
        formName: 'Contact Us',
        externalId: '6321ca84df3949bfc6752327',
      },
    });
    expect(leadSchemaErrors(lead)).toEqual([]);
  });

  it('rejects a payload without data', async () => {
    const error = await rejection(
      mapPayload({ preset: 'webflow' }, input({ triggerType: 'form_submission' })),
    );
    expect(error.code).toBe('unexpected_shape');
  });
});

describe('tally preset', () => {
  it('maps the FORM_RESPONSE example, resolving choice ids to option texts', async () => {
    const lead = await mapPayload({ preset: 'tally' }, input(load('tally_form_response.json')));
    expect(lead).toEqual({
      deliveryId: 'a4cb511e-d513-4fa5-baee-b815d718dfd1',
      email: 'alice@example.com',
      phone: '+32491223344',
      score: 20,
      submittedAt: '2023-06-28T15:00:21.000Z',
      utm: { campaign: 'newsletter' },
      attribution: { formId: 'VwbNEw', formName: 'Webhook payload', externalId: '2wgx4n' },
      custom: {
        Type: 'Hard',
        Text: 'Hello',
        Number: 10,
        Website: 'example.com',
        Date: '2023-06-28',
        Time: '12:00',
        'Long text': 'Hello world',
        'Multiple choice': 'In progress',
        Checkboxes: 'Swimming, Skiing',
        Dropdown: 'Hard',
        'Multi-select': 'Surf, Golf',
        'File upload': 'Tally_Icon.png',
        'Payment (price)': 9,
        'Payment (currency)': 'USD',
        'Payment (name)': 'Alice Smith',
        'Payment (email)': 'alice@example.com',
        'Payment (link)': 'https://dashboard.stripe.com/payments/[PAYMENT_ID]',
        Rating: 4,
        Ranking: 'Pear, Apple, Banana',
        'Linear scale': 7,
        Signature: 'ca8f2e11-f99a-4042-b872-0888811b8118.png',
      },
    });
    expect(leadSchemaErrors(lead)).toEqual([]);
  });

  it('reads names and company from labelled text inputs and a consent checkbox', async () => {
    const body = load<{ data: { fields: unknown[] } }>('tally_form_response.json');
    body.data.fields.push(
      { key: 'q_first', label: 'First name', type: 'INPUT_TEXT', value: 'Alice' },
      { key: 'q_company', label: 'Company', type: 'INPUT_TEXT', value: 'Acme' },
      { key: 'q_c_1', label: 'Consent (I agree to marketing emails)', type: 'CHECKBOXES', value: true },
    );
    const lead = await mapPayload({ preset: 'tally' }, input(body));
    expect(lead).toMatchObject({
      firstName: 'Alice',
      company: 'Acme',
      consent: { marketing: true, text: 'Consent (I agree to marketing emails)' },
    });
  });
});

describe('hubspot preset', () => {
  it('explains that contact.creation events carry only ids, keeping the ids for later', async () => {
    const error = await rejection(
      mapPayload({ preset: 'hubspot' }, input(load('hubspot_contact_creation.json'))),
    );
    expect(error.code).toBe('no_contact');
    expect(error.message).toMatch(/HubSpot contact\.creation events carry only object ids/);
    expect(error.partial).toEqual({ deliveryId: '1', attribution: { externalId: '123' } });
  });

  it('maps contact.propertyChange events of one contact', async () => {
    const events = [
      {
        eventId: 7,
        subscriptionType: 'contact.propertyChange',
        objectId: 123,
        occurredAt: 1564113600000,
        propertyName: 'email',
        propertyValue: 'Ann@Example.com',
      },
      {
        eventId: 8,
        subscriptionType: 'contact.propertyChange',
        objectId: 123,
        occurredAt: 1564113600000,
        propertyName: 'firstname',
        propertyValue: 'Ann',
      },
    ];
    const lead = await mapPayload({ preset: 'hubspot' }, input(events));
    expect(lead).toEqual({
      deliveryId: '7,8',
      email: 'ann@example.com',
      firstName: 'Ann',
      submittedAt: '2019-07-26T04:00:00.000Z',
      attribution: { externalId: '123' },
    });
  });

  it('maps a forms submission with fields[], context and legal consent', async () => {
    const submission = {
      submittedAt: '1517927174000',
      fields: [
        { objectTypeId: '0-1', name: 'email', value: 'ann@example.com' },
        { objectTypeId: '0-1', name: 'firstname', value: 'Ann' },
        { objectTypeId: '0-1', name: 'lastname', value: 'Lee' },
        { objectTypeId: '0-1', name: 'mobilephone', value: '+44 20 7946 0000' },
        { objectTypeId: '0-1', name: 'company', value: 'Acme' },
        { objectTypeId: '0-1', name: 'jobtitle', value: 'CTO' },
      ],
      context: { hutk: 'abc', pageUri: 'https://www.example.com/page', pageName: 'Example page' },
      legalConsentOptions: {
        consent: {
          consentToProcess: true,
          text: 'I agree to allow Example Company to store and process my personal data.',
          communications: [
            { value: true, subscriptionTypeId: 999, text: 'I agree to receive marketing communications.' },
          ],
        },
      },
    };
    const lead = await mapPayload({ preset: 'hubspot' }, input(submission));
    expect(lead).toEqual({
      email: 'ann@example.com',
      phone: '+442079460000',
      firstName: 'Ann',
      lastName: 'Lee',
      company: 'Acme',
      submittedAt: '2018-02-06T14:26:14.000Z',
      consent: {
        terms: true,
        marketing: true,
        text: 'I agree to allow Example Company to store and process my personal data.',
      },
      attribution: { landingPage: 'https://www.example.com/page', formName: 'Example page' },
      custom: { jobtitle: 'CTO' },
    });
  });
});

describe('meta preset', () => {
  const webhook = {
    object: 'page',
    entry: [
      {
        id: '153125381133',
        time: 1438292065,
        changes: [
          {
            field: 'leadgen',
            value: {
              leadgen_id: '123123123123',
              page_id: '153125381133',
              form_id: '567567567567',
              adgroup_id: '69696969696969',
              ad_id: '12341234123412',
              created_time: 1440120384,
            },
          },
        ],
      },
    ],
  };

  it('keeps the leadgen id for Graph API enrichment when the webhook carries only ids', async () => {
    const error = await rejection(mapPayload({ preset: 'meta' }, input(structuredClone(webhook))));
    expect(error.code).toBe('no_contact');
    expect(error.partial).toEqual({
      deliveryId: '123123123123',
      attribution: { externalId: '123123123123', formId: '567567567567' },
    });
  });

  it('maps a Graph API lead object with field_data', async () => {
    const lead = await mapPayload(
      { preset: 'meta' },
      input({
        id: '123123123123',
        created_time: '2015-08-21T01:26:24+0000',
        ad_id: '12341234123412',
        form_id: '567567567567',
        field_data: [
          { name: 'email', values: ['Laura@Example.com'] },
          { name: 'full_name', values: ['Laura van der Berg'] },
          { name: 'phone_number', values: ['+32491223344'] },
          { name: 'which_plan?', values: ['Pro'] },
        ],
      }),
    );
    expect(lead).toEqual({
      deliveryId: '123123123123',
      email: 'laura@example.com',
      phone: '+32491223344',
      firstName: 'Laura',
      lastName: 'van der Berg',
      submittedAt: '2015-08-21T01:26:24.000Z',
      attribution: { formId: '567567567567', externalId: '123123123123' },
      custom: { 'which_plan?': 'Pro', ad_id: '12341234123412' },
    });
  });

  it('refuses a batch of several leads', async () => {
    const batch = structuredClone(webhook);
    batch.entry.push(structuredClone(webhook.entry[0] as (typeof webhook.entry)[number]));
    const error = await rejection(mapPayload({ preset: 'meta' }, input(batch)));
    expect(error.code).toBe('unexpected_shape');
  });
});
