import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createHubspotAdapter, type HubspotAdapterOptions } from '../../adapters/hubspot/adapter.ts';
import { createHubspotClients } from '../../adapters/hubspot/destination.ts';
import { LEADPIPE_GROUP, leadpipeProperties } from '../../adapters/hubspot/leadpipe-properties.ts';
import { createHubspotSandbox, type HubspotSandboxOptions } from '../../adapters/hubspot/sandbox.ts';
import { RollingWindowLimiter } from '../../adapters/rate-limit.ts';
import type { RunningSandbox } from '../../adapters/sandbox/kit.ts';
import type { Lead } from '../../schemas/generated/lead.ts';
import { buildLead } from '../unit/adapters/hubspot/lead-factory.ts';

const TOKEN = 'pat-na1-sandbox-token';
const open: RunningSandbox[] = [];
const SET_UP = { groups: [LEADPIPE_GROUP], properties: leadpipeProperties() };

afterEach(async () => {
  await Promise.all(open.splice(0).map((running) => running.close()));
});

let people = 0;
/** A person id as the person directory makes them. */
function personId(): string {
  people += 1;
  return `person_${createHash('md5').update(`hubspot-person-${people}`).digest('hex')}`;
}

interface Records {
  contacts: { id: string; properties: Record<string, string> }[];
  requests: Record<string, number>;
}

async function start(
  sandboxOptions: HubspotSandboxOptions = { installed: SET_UP },
  adapterOptions: Partial<HubspotAdapterOptions> = {},
) {
  const running = await createHubspotSandbox({ accessTokens: [TOKEN], ...sandboxOptions }).listen(0);
  open.push(running);
  const adapter = createHubspotAdapter({ accessToken: TOKEN, baseUrl: running.url, ...adapterOptions });
  const records = async () => (await (await fetch(`${running.url}/__sandbox/records`)).json()) as Records;
  return { running, adapter, records };
}

/** A Typeform lead, then a Calendly one, of the same person: what issue 11 saw go wrong. */
function typeformThenCalendly(person: string): [Lead, Lead] {
  const typeform = buildLead({
    personId: person,
    source: 'typeform',
    email: 'ada@example.com',
    firstName: 'Ada',
    lastName: 'Lovelace',
    company: 'Analytical Engines Ltd',
    message: 'Tell me more',
    receivedAt: '2026-11-20T09:00:00.000Z',
    utm: { source: 'google', medium: 'cpc', campaign: 'spring' },
  });
  const calendly = buildLead({
    personId: person,
    source: 'calendly',
    email: 'ada@example.com',
    firstName: 'Augusta',
    lastName: undefined,
    company: undefined,
    message: 'Booked a call',
    receivedAt: '2026-11-21T15:30:00.000Z',
    utm: { source: 'newsletter', campaign: 'autumn' },
  });
  return [typeform, calendly];
}

describe('HubSpot adapter: one contact per person', () => {
  it('keeps one contact for the same person via Typeform then Calendly, first touch kept and latest updated', async () => {
    // Prepare
    const { adapter, records } = await start();
    const [typeform, calendly] = typeformThenCalendly(personId());

    // Act
    const first = (await adapter.deliver([typeform])).get(typeform.id);
    const second = (await adapter.deliver([calendly])).get(calendly.id);

    // Assess
    const { contacts } = await records();
    expect(contacts).toHaveLength(1);
    expect(second).toEqual(first);
    expect(first).toMatchObject({ status: 'delivered', ref: { id: contacts[0]?.id } });
    expect(contacts[0]?.properties).toMatchObject({
      leadpipe_person_id: typeform.personId,
      email: 'ada@example.com',
      firstname: 'Ada',
      lastname: 'Lovelace',
      company: 'Analytical Engines Ltd',
      message: 'Booked a call',
      leadpipe_first_source: 'typeform',
      leadpipe_first_utm_source: 'google',
      leadpipe_first_utm_medium: 'cpc',
      leadpipe_first_utm_campaign: 'spring',
      leadpipe_first_seen_at: '2026-11-20T09:00:00.000Z',
      leadpipe_latest_source: 'calendly',
      leadpipe_latest_utm_source: 'newsletter',
      leadpipe_latest_utm_campaign: 'autumn',
      leadpipe_latest_seen_at: '2026-11-21T15:30:00.000Z',
    });
    // The Calendly lead had no medium: the latest medium is not blanked, it keeps the last known one.
    expect(contacts[0]?.properties.leadpipe_latest_utm_medium).toBe('cpc');
    expect(JSON.stringify(contacts[0]?.properties)).not.toContain('not provided');
  });

  it('folds two leads of one person in one batch into one contact, first touch from the earlier', async () => {
    // Prepare
    const { adapter, records } = await start();
    const [typeform, calendly] = typeformThenCalendly(personId());

    // Act
    const outcomes = await adapter.deliver([calendly, typeform]);

    // Assess
    const { contacts, requests } = await records();
    expect(contacts).toHaveLength(1);
    expect(requests).toMatchObject({ createCalls: 1, updateCalls: 0 });
    expect(contacts[0]?.properties).toMatchObject({
      firstname: 'Ada',
      leadpipe_first_source: 'typeform',
      leadpipe_latest_source: 'calendly',
      message: 'Booked a call',
    });
    expect(outcomes.get(typeform.id)).toEqual(outcomes.get(calendly.id));
  });

  it('makes a phone-only lead a contact, then gives it the email of a later lead of the same person', async () => {
    // Prepare
    const { adapter, records } = await start();
    const person = personId();
    const phoneOnly = buildLead({
      personId: person,
      email: undefined,
      phone: '+447700900123',
      source: 'whatsapp',
    });
    const withEmail = buildLead({
      personId: person,
      email: 'grace@example.com',
      phone: undefined,
      source: 'typeform',
    });

    // Act
    const first = (await adapter.deliver([phoneOnly])).get(phoneOnly.id);
    const afterPhone = (await records()).contacts.map((contact) => ({ ...contact.properties }));
    const second = (await adapter.deliver([withEmail])).get(withEmail.id);

    // Assess
    expect(first).toMatchObject({ status: 'delivered' });
    expect(afterPhone).toHaveLength(1);
    expect(afterPhone[0]?.email).toBeUndefined();
    const { contacts } = await records();
    expect(contacts).toHaveLength(1);
    expect(contacts[0]?.properties).toMatchObject({
      phone: '+447700900123',
      email: 'grace@example.com',
      leadpipe_person_id: person,
      leadpipe_first_source: 'whatsapp',
      leadpipe_latest_source: 'typeform',
    });
    expect(second).toEqual(first);
  });

  it('adopts a contact that existed by email, giving it the person id, and creates none', async () => {
    // Prepare
    const { adapter, records } = await start();
    const before = buildLead({ email: 'hand@example.com', firstName: 'Typed', company: 'By Hand Ltd' });
    await adapter.deliver([before]);
    const lead = buildLead({
      personId: personId(),
      email: 'HAND@example.com',
      firstName: 'Other',
      company: 'Form Co',
    });

    // Act
    const outcome = (await adapter.deliver([lead])).get(lead.id);

    // Assess
    const { contacts, requests } = await records();
    expect(contacts).toHaveLength(1);
    expect(requests).toMatchObject({ createCalls: 0, updateCalls: 1, readCalls: 2 });
    expect(contacts[0]?.properties).toMatchObject({
      leadpipe_person_id: lead.personId,
      firstname: 'Typed',
      company: 'By Hand Ltd',
      leadpipe_first_source: 'website',
    });
    expect(outcome).toMatchObject({ status: 'delivered', ref: { id: contacts[0]?.id } });
  });

  it('lets fieldPolicy override a default: company always takes the latest', async () => {
    // Prepare
    const { adapter, records } = await start(undefined, {
      fieldPolicy: { company: 'always', firstname: 'never' },
    });
    const person = personId();
    const first = buildLead({ personId: person, company: 'Old Co', firstName: 'Ada' });
    const second = buildLead({
      personId: person,
      email: first.email,
      company: 'New Co',
      firstName: 'Augusta',
    });

    // Act
    await adapter.deliver([first]);
    await adapter.deliver([second]);

    // Assess
    expect((await records()).contacts[0]?.properties).toMatchObject({ company: 'New Co', firstname: 'Ada' });
  });

  it('answers delivered without writing when a later lead changes nothing the rules allow', async () => {
    // Prepare
    const { adapter, records } = await start();
    const person = personId();
    const first = buildLead({ personId: person, receivedAt: '2026-11-21T10:00:00.000Z' });
    const same = { ...first, id: buildLead().id };

    // Act
    await adapter.deliver([first]);
    const outcome = (await adapter.deliver([same])).get(same.id);

    // Assess
    const { requests, contacts } = await records();
    expect(outcome).toEqual({ status: 'delivered', ref: { id: contacts[0]?.id } });
    expect(requests).toMatchObject({ createCalls: 1, updateCalls: 0 });
  });

  it('spends one read and one create on a batch of new persons, one read and one update on known ones', async () => {
    // Prepare
    const { adapter, records } = await start();
    const persons = Array.from({ length: 100 }, () => personId());
    const phoneOnly = (person: string) =>
      buildLead({ personId: person, email: undefined, phone: '+15555550100' });
    const firstLeads = persons.map((person) => buildLead({ personId: person }));

    // Act
    await adapter.deliver(firstLeads);
    const afterNew = { ...(await records()).requests };
    const outcomes = await adapter.deliver(persons.map(phoneOnly));

    // Assess
    // New persons with an email: read by person id, read by email (all misses), create.
    expect(afterNew).toMatchObject({ readCalls: 2, createCalls: 1, updateCalls: 0, total: 3 });
    const { requests, contacts } = await records();
    // Known persons: one read by person id finds them all, so no read by email; one update.
    expect((requests.total ?? 0) - (afterNew.total ?? 0)).toBe(2);
    expect(requests).toMatchObject({ readCalls: 3, createCalls: 1, updateCalls: 1 });
    expect(contacts).toHaveLength(100);
    expect([...outcomes.values()].every((outcome) => outcome.status === 'delivered')).toBe(true);
  });

  it('takes a limiter slot for every read as for every write', async () => {
    // Prepare
    let clock = 0;
    const limiter = new RollingWindowLimiter({ requests: 2, perSeconds: 0.5, now: () => clock });
    const { adapter, records } = await start(undefined, { limiter });
    const lead = buildLead({ personId: personId() });

    // Act
    const delivering = adapter.deliver([lead]);
    await expect.poll(async () => (await records()).requests.readCalls).toBe(2);
    const heldBack = limiter.available;
    clock += 500;
    const outcome = (await delivering).get(lead.id);

    // Assess
    expect(heldBack).toBe(0);
    expect(outcome).toMatchObject({ status: 'delivered' });
    expect((await records()).requests).toMatchObject({ readCalls: 2, createCalls: 1 });
  });

  it('holds leads blocked, writing nothing, when the portal lacks the person id property (no setup)', async () => {
    // Prepare
    const { adapter, records } = await start({ installed: {} });
    const lead = buildLead({ personId: personId() });

    // Act
    const outcome = (await adapter.deliver([lead])).get(lead.id);

    // Assess
    expect(outcome).toMatchObject({ status: 'blocked' });
    expect(outcome?.status === 'blocked' && outcome.reason).toContain('leadpipe setup hubspot');
    expect(outcome?.status === 'blocked' && outcome.reason).toContain(
      'non-unique 0-1 property leadpipe_person_id',
    );
    const { contacts, requests } = await records();
    expect(contacts).toEqual([]);
    expect(requests).toMatchObject({ readCalls: 1, createCalls: 0, validationErrors: 1 });
  });

  it('answers retry on a 429 during the read, and writes nothing', async () => {
    // Prepare
    const { adapter, records } = await start({
      installed: SET_UP,
      faults: { rateLimitRate: 1, retryAfterSeconds: 3 },
    });
    const lead = buildLead({ personId: personId() });

    // Act
    const outcome = (await adapter.deliver([lead])).get(lead.id);

    // Assess
    expect(outcome).toMatchObject({ status: 'retry', retryAfterMs: 3000 });
    expect((await records()).contacts).toEqual([]);
  });

  it('rejects only the person HubSpot refuses on create, without quoting the address', async () => {
    // Prepare
    const { adapter, records } = await start();
    const good = buildLead({ personId: personId() });
    const bad = buildLead({ personId: personId(), email: 'broken@nowhere' });

    // Act
    const outcomes = await adapter.deliver([good, bad]);

    // Assess
    expect(outcomes.get(good.id)).toMatchObject({ status: 'delivered' });
    expect(outcomes.get(bad.id)).toMatchObject({
      status: 'rejected',
      reason: expect.stringContaining('INVALID_EMAIL'),
    });
    expect(JSON.stringify(outcomes.get(bad.id))).not.toContain('broken@');
    expect((await records()).contacts).toHaveLength(1);
  });

  it('keeps the email upsert for leads without a person id beside person leads in one batch', async () => {
    // Prepare
    const { adapter, records } = await start();
    const legacy = buildLead({ email: 'legacy@example.com' });
    const person = buildLead({ personId: personId(), email: 'person@example.com' });

    // Act
    const outcomes = await adapter.deliver([legacy, person]);

    // Assess
    const { contacts, requests } = await records();
    expect(contacts).toHaveLength(2);
    expect(requests).toMatchObject({ upsertCalls: 1, createCalls: 1 });
    expect(outcomes.get(legacy.id)?.status).toBe('delivered');
    expect(outcomes.get(person.id)?.status).toBe('delivered');
  });
});

describe('HubSpot destination config', () => {
  it('keys contacts by the configured personIdProperty and applies its fieldPolicy', async () => {
    // Prepare
    const installed = { groups: [LEADPIPE_GROUP], properties: leadpipeProperties('crm_person_key') };
    const { running, records } = await start({ installed });
    const { adapter } = await createHubspotClients(
      'crm',
      {
        type: 'hubspot',
        accessToken: 'env:HUBSPOT_TOKEN',
        baseUrl: running.url,
        personIdProperty: 'crm_person_key',
        fieldPolicy: { company: 'always' },
      },
      { resolveSecret: async () => TOKEN },
    );
    const person = personId();
    const first = buildLead({ personId: person, company: 'Old Co' });
    const second = buildLead({ personId: person, email: first.email, company: 'New Co' });

    // Act
    await adapter.deliver([first]);
    await adapter.deliver([second]);

    // Assess
    const { contacts } = await records();
    expect(contacts).toHaveLength(1);
    expect(contacts[0]?.properties).toMatchObject({ crm_person_key: person, company: 'New Co' });
    expect(contacts[0]?.properties.leadpipe_person_id).toBeUndefined();
  });
});

describe('HubSpot adapter: consent', () => {
  it('sets the consent legal basis, its text and time only when the person ticked marketing consent', async () => {
    // Prepare
    const { adapter, records } = await start();
    const lead = buildLead({
      personId: personId(),
      submittedAt: '2026-11-21T09:59:00.000Z',
      consent: { marketing: true, text: 'Yes, send me news about Analytical Engines. ✉️' },
    });

    // Act
    await adapter.deliver([lead]);

    // Assess
    expect((await records()).contacts[0]?.properties).toMatchObject({
      hs_legal_basis: 'Freely given consent from contact',
      leadpipe_consent_text: 'Yes, send me news about Analytical Engines. ✉️',
      leadpipe_consent_at: '2026-11-21T09:59:00.000Z',
    });
  });

  it.each([
    ['marketing: false', { marketing: false, terms: true, text: 'I accept the terms' }],
    ['no marketing answer', { terms: true }],
    ['no consent at all', undefined],
  ])('never sets a legal basis or consent for %s', async (_case, consent) => {
    // Prepare
    const { adapter, records } = await start();
    const lead = buildLead({ personId: personId(), ...(consent ? { consent } : {}) });

    // Act
    const outcome = (await adapter.deliver([lead])).get(lead.id);

    // Assess
    expect(outcome?.status).toBe('delivered');
    const properties = (await records()).contacts[0]?.properties ?? {};
    expect(properties.hs_legal_basis).toBeUndefined();
    expect(properties.leadpipe_consent_text).toBeUndefined();
    expect(properties.leadpipe_consent_at).toBeUndefined();
  });

  it('adds consent to the bases a contact has, and a later lead without consent removes none', async () => {
    // Prepare
    const { adapter, records, running } = await start();
    const seeded = await fetch(`${running.url}/crm/v3/objects/contacts/batch/upsert`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        inputs: [
          {
            idProperty: 'email',
            id: 'client@example.com',
            properties: { hs_legal_basis: 'Performance of a contract' },
          },
        ],
      }),
    });
    const person = personId();
    const consenting = buildLead({
      personId: person,
      email: 'client@example.com',
      consent: { marketing: true },
    });
    const later = buildLead({ personId: person, email: 'client@example.com', consent: { marketing: false } });

    // Act
    await adapter.deliver([consenting]);
    await adapter.deliver([later]);

    // Assess
    expect(seeded.status).toBe(200);
    const { contacts } = await records();
    expect(contacts).toHaveLength(1);
    expect(contacts[0]?.properties.hs_legal_basis).toBe(
      'Performance of a contract;Freely given consent from contact',
    );
  });
});
