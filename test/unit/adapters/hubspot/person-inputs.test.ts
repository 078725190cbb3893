import { describe, expect, it } from 'vitest';
import {
  contactWrite,
  groupLeadsByPerson,
  hubspotMergeRules,
  leadProperties,
  mergedPropertyNames,
} from '../../../../adapters/hubspot/person-inputs.ts';
import { buildLead } from './lead-factory.ts';

const PERSON = 'person_0123456789abcdef0123456789abcdef';
const OTHER = 'person_fedcba9876543210fedcba9876543210';
const rules = hubspotMergeRules();

describe('leadProperties', () => {
  it('maps a lead to HubSpot properties with first and latest touch and no consent', () => {
    // Prepare
    const lead = buildLead({
      source: 'typeform',
      email: 'Ada@Example.com',
      submittedAt: '2026-11-21T09:00:00.000Z',
      utm: { source: 'google', medium: 'cpc', campaign: 'spring' },
    });

    // Act
    const properties = leadProperties(lead, { email: 'email', company: 'company' });

    // Assess
    expect(properties).toEqual({
      email: 'ada@example.com',
      company: 'Analytical Engines Ltd',
      leadpipe_first_source: 'typeform',
      leadpipe_first_utm_source: 'google',
      leadpipe_first_utm_medium: 'cpc',
      leadpipe_first_utm_campaign: 'spring',
      leadpipe_first_seen_at: '2026-11-21T09:00:00.000Z',
      leadpipe_latest_source: 'typeform',
      leadpipe_latest_utm_source: 'google',
      leadpipe_latest_utm_medium: 'cpc',
      leadpipe_latest_utm_campaign: 'spring',
      leadpipe_latest_seen_at: '2026-11-21T09:00:00.000Z',
    });
  });

  it('sets the consent basis, text and time for marketing consent only', () => {
    // Prepare
    const consented = buildLead({ consent: { marketing: true, text: 'Send me news' } });
    const declined = buildLead({ consent: { marketing: false, terms: true, text: 'Terms' } });

    // Act
    const yes = leadProperties(consented, {});
    const no = leadProperties(declined, {});

    // Assess
    expect(yes).toMatchObject({
      hs_legal_basis: 'Freely given consent from contact',
      leadpipe_consent_text: 'Send me news',
      leadpipe_consent_at: consented.receivedAt,
    });
    expect(Object.keys(no).filter((name) => /legal_basis|consent/.test(name))).toEqual([]);
  });
});

describe('groupLeadsByPerson', () => {
  it('folds a person’s leads oldest first: first touch from the earliest, latest touch and message from the newest', () => {
    // Prepare
    const newer = buildLead({
      personId: PERSON,
      source: 'calendly',
      receivedAt: '2026-11-22T10:00:00.000Z',
      firstName: 'Augusta',
      company: undefined,
      message: 'Booked',
    });
    const older = buildLead({
      personId: PERSON,
      source: 'typeform',
      receivedAt: '2026-11-21T10:00:00.000Z',
      message: 'Hi',
    });
    const other = buildLead({ personId: OTHER });
    const legacy = buildLead();

    // Act
    const inputs = groupLeadsByPerson([newer, other, older, legacy], {}, rules);

    // Assess
    expect(inputs.map((input) => input.personId)).toEqual([PERSON, OTHER]);
    const [person] = inputs;
    expect(person?.leadIds).toEqual([newer.id, older.id]);
    expect(person?.traceId).toBe(newer.id);
    expect(person?.properties).toMatchObject({
      firstname: 'Ada',
      company: 'Analytical Engines Ltd',
      message: 'Booked',
      leadpipe_first_source: 'typeform',
      leadpipe_first_seen_at: '2026-11-21T10:00:00.000Z',
      leadpipe_latest_source: 'calendly',
      leadpipe_latest_seen_at: '2026-11-22T10:00:00.000Z',
    });
  });

  it('leaves a phone-only person without email', () => {
    // Prepare
    const lead = buildLead({ personId: PERSON, email: undefined, phone: '+447700900123' });

    // Act
    const [input] = groupLeadsByPerson([lead], {}, rules);

    // Assess
    expect(input?.email).toBeUndefined();
    expect(input?.properties.phone).toBe('+447700900123');
  });
});

describe('contactWrite', () => {
  const [input] = groupLeadsByPerson(
    [
      buildLead({
        personId: PERSON,
        email: 'ada@example.com',
        firstName: 'Ada',
        consent: { marketing: true },
      }),
    ],
    {},
    rules,
  );
  if (!input) throw new Error('one input expected');

  it('creates with every value and the person id', () => {
    // Act
    const write = contactWrite(input, undefined, rules, 'leadpipe_person_id');

    // Assess
    expect(write).toMatchObject({ email: 'ada@example.com', firstname: 'Ada', leadpipe_person_id: PERSON });
  });

  it('on update keeps known names, first touch and email, fills what is empty, and adopts the contact', () => {
    // Prepare
    const current = {
      email: 'ada.old@example.com',
      firstname: 'Adaline',
      lastname: null,
      leadpipe_first_source: 'import',
      hs_legal_basis: 'Legitimate interest – prospect/lead',
    };

    // Act
    const write = contactWrite(input, current, rules, 'leadpipe_person_id');

    // Assess
    expect(write.email).toBeUndefined();
    expect(write.firstname).toBeUndefined();
    expect(write.leadpipe_first_source).toBeUndefined();
    expect(write).toMatchObject({
      lastname: 'Lovelace',
      leadpipe_person_id: PERSON,
      leadpipe_latest_source: 'website',
      hs_legal_basis: 'Legitimate interest – prospect/lead;Freely given consent from contact',
    });
  });

  it('writes the person id whatever fieldPolicy says, and never repeats a basis the contact has', () => {
    // Prepare
    const strict = hubspotMergeRules({ leadpipe_person_id: 'never' });
    const current = { leadpipe_person_id: OTHER, hs_legal_basis: 'Freely given consent from contact' };

    // Act
    const write = contactWrite(input, current, strict, 'leadpipe_person_id');

    // Assess
    expect(write.leadpipe_person_id).toBe(PERSON);
    expect(write.hs_legal_basis).toBeUndefined();
  });

  it('sends nothing when the contact already holds every value', () => {
    // Prepare
    const created = contactWrite(input, undefined, rules, 'leadpipe_person_id');

    // Act
    const write = contactWrite(input, created, rules, 'leadpipe_person_id');

    // Assess
    expect(write).toEqual({});
  });
});

describe('mergedPropertyNames', () => {
  it('names every property a write may send, the person id and extra mappings included, once each', () => {
    // Act
    const names = mergedPropertyNames({ 'utm.campaign': 'utm_campaign', company: 'company' }, 'my_person');

    // Assess
    expect(names).toEqual(
      expect.arrayContaining([
        'my_person',
        'email',
        'utm_campaign',
        'hs_legal_basis',
        'leadpipe_first_seen_at',
      ]),
    );
    expect(new Set(names).size).toBe(names.length);
  });
});
