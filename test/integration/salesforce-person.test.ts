import { afterEach, describe, expect, it } from 'vitest';
import { createSalesforceAdapter, type SalesforceAdapterOptions } from '../../adapters/salesforce/adapter.ts';
import { createSalesforceClients } from '../../adapters/salesforce/destination.ts';
import { createSalesforceSandbox, type SalesforceSandboxOptions } from '../../adapters/salesforce/sandbox.ts';
import { DEFAULT_CUSTOM_FIELDS } from '../../adapters/salesforce/sandbox-objects.ts';
import type { Outcome } from '../../functions/ports.ts';
import type { Lead } from '../../schemas/generated/lead.ts';
import { buildLead } from '../unit/adapters/salesforce/lead-factory.ts';

type SandboxRecord = Record<string, unknown> & { Id: string };

interface Snapshot {
  records: { Lead?: SandboxRecord[]; Contact?: SandboxRecord[] };
  requests: {
    apiCalls: number;
    upsertCalls: number;
    createCalls: number;
    updateCalls: number;
    queries: number;
  };
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

const TOKEN = 'sandbox-access-token';
let persons = 0;

/** A person id as the person directory makes them: `person_` and 32 hex digits. */
function newPersonId(): string {
  persons += 1;
  return `person_${persons.toString(16).padStart(32, '0')}`;
}

async function startSandbox(options: SalesforceSandboxOptions = {}) {
  const sandbox = createSalesforceSandbox({ accessTokens: [TOKEN], ...options });
  const server = await sandbox.listen(0);
  closers.push(server.close);
  const snapshot = async (): Promise<Snapshot> =>
    (await fetch(`${server.url}/__sandbox/records`)).json() as Promise<Snapshot>;
  const convert = async (leadId: string): Promise<string> => {
    const answer = await fetch(`${server.url}/__sandbox/convert`, {
      method: 'POST',
      body: JSON.stringify({ leadId }),
    });
    return ((await answer.json()) as { contactId: string }).contactId;
  };
  /** A REST call as a person or another integration would make it. */
  const rest = async (method: string, path: string, body: unknown) => {
    const answer = await fetch(`${server.url}/services/data/v62.0${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: answer.status, body: (await answer.json()) as unknown };
  };
  return { url: server.url, snapshot, convert, rest };
}

function adapterFor(url: string, options: Partial<SalesforceAdapterOptions> = {}) {
  return createSalesforceAdapter({ auth: { accessToken: TOKEN, instanceUrl: url }, ...options });
}

async function deliverOne(adapter: ReturnType<typeof adapterFor>, lead: Lead): Promise<Outcome> {
  const outcome = (await adapter.deliver([lead])).get(lead.id);
  if (!outcome) throw new Error(`no outcome for ${lead.id}`);
  return outcome;
}

function refId(outcome: Outcome): string | undefined {
  return outcome.status === 'delivered' ? outcome.ref?.id : undefined;
}

describe('Salesforce adapter: one Lead per person', () => {
  it('keeps one Lead across Typeform then Calendly, with real values, first touch and latest touch', async () => {
    // Prepare
    const { url, snapshot } = await startSandbox();
    const adapter = adapterFor(url);
    const personId = newPersonId();
    const typeform = buildLead({
      personId,
      source: 'typeform',
      email: 'ada@example.com',
      receivedAt: '2026-11-20T09:00:00.000Z',
      utm: { source: 'google', medium: 'cpc', campaign: 'spring' },
      message: 'Tell me more',
    });
    const calendly = buildLead({
      personId,
      source: 'calendly',
      email: 'ada@example.com',
      lastName: undefined,
      company: undefined,
      phone: undefined,
      receivedAt: '2026-11-21T15:30:00.000Z',
      utm: { campaign: 'demo-week' },
      message: 'Booked a demo',
    });

    // Act
    const first = await deliverOne(adapter, typeform);
    const second = await deliverOne(adapter, calendly);

    // Assess
    expect(first.status).toBe('delivered');
    expect(second).toEqual(first);
    const leads = (await snapshot()).records.Lead ?? [];
    expect(leads).toHaveLength(1);
    const [lead] = leads;
    expect(lead).toMatchObject({
      Id: refId(first),
      Leadpipe_Person_Id__c: personId,
      Email: 'ada@example.com',
      Email_Key__c: 'ada@example.com',
      LastName: 'Lovelace',
      Company: 'Analytical Engines Ltd',
      Phone: '+442071838750',
      LeadSource: 'typeform',
      Description: 'Booked a demo',
      Leadpipe_First_Source__c: 'typeform',
      Leadpipe_First_UTM_Source__c: 'google',
      Leadpipe_First_UTM_Medium__c: 'cpc',
      Leadpipe_First_UTM_Campaign__c: 'spring',
      Leadpipe_First_Seen__c: '2026-11-20T09:00:00.000Z',
      Leadpipe_Latest_Source__c: 'calendly',
      Leadpipe_Latest_UTM_Campaign__c: 'demo-week',
      Leadpipe_Latest_Seen__c: '2026-11-21T15:30:00.000Z',
    });
    // The latest touch is one touch: Calendly's had no UTM source or medium.
    expect(lead).not.toHaveProperty('Leadpipe_Latest_UTM_Source__c');
    expect(lead).not.toHaveProperty('Leadpipe_Latest_UTM_Medium__c');
  });

  it('uses the placeholders only on create, and replaces them once the person gives real values', async () => {
    // Prepare
    const { url, snapshot } = await startSandbox();
    const adapter = adapterFor(url);
    const personId = newPersonId();
    const bare = buildLead({ personId, lastName: undefined, company: undefined });
    const full = buildLead({ personId, email: bare.email, lastName: 'Hopper', company: 'Navy' });
    const bareAgain = buildLead({ personId, email: bare.email, lastName: undefined, company: undefined });

    // Act
    await deliverOne(adapter, bare);
    const created = (await snapshot()).records.Lead?.[0];
    await deliverOne(adapter, full);
    await deliverOne(adapter, bareAgain);

    // Assess
    expect(created).toMatchObject({ LastName: '[not provided]', Company: '[not provided]' });
    const leads = (await snapshot()).records.Lead ?? [];
    expect(leads).toHaveLength(1);
    expect(leads[0]).toMatchObject({ LastName: 'Hopper', Company: 'Navy' });
  });

  it('lets config fieldPolicy override a default', async () => {
    // Prepare
    const { url, snapshot } = await startSandbox();
    const adapter = adapterFor(url, { fieldPolicy: { Company: 'always', Description: 'never' } });
    const personId = newPersonId();
    const first = buildLead({ personId, company: 'Navy', message: 'first' });
    const second = buildLead({ personId, email: first.email, company: 'Univac', message: 'second' });

    // Act
    await deliverOne(adapter, first);
    await deliverOne(adapter, second);

    // Assess
    expect((await snapshot()).records.Lead?.[0]).toMatchObject({ Company: 'Univac', Description: 'first' });
  });

  it('makes a phone-only lead a Lead, and the same person with an email later the same Lead', async () => {
    // Prepare
    const { url, snapshot } = await startSandbox();
    const adapter = adapterFor(url);
    const personId = newPersonId();
    const phoneOnly = buildLead({ personId, email: undefined, phone: '+14155550123' });
    const withEmail = buildLead({ personId, email: 'margaret@example.com', phone: undefined });

    // Act
    const first = await deliverOne(adapter, phoneOnly);
    const second = await deliverOne(adapter, withEmail);

    // Assess
    expect(first.status).toBe('delivered');
    expect(second).toEqual(first);
    const leads = (await snapshot()).records.Lead ?? [];
    expect(leads).toHaveLength(1);
    expect(leads[0]).toMatchObject({
      Phone: '+14155550123',
      Email: 'margaret@example.com',
      Email_Key__c: 'margaret@example.com',
      Leadpipe_Person_Id__c: personId,
    });
  });

  it('merges two submissions of one person in one batch, in the order they arrived', async () => {
    // Prepare
    const { url, snapshot } = await startSandbox();
    const personId = newPersonId();
    const first = buildLead({ personId, message: 'first', company: undefined, utm: { source: 'google' } });
    const second = buildLead({
      personId,
      email: first.email,
      message: 'second',
      company: 'Navy',
      lastName: 'King',
    });

    // Act
    const outcomes = await adapterFor(url).deliver([first, second]);

    // Assess
    expect(outcomes.get(second.id)).toEqual(outcomes.get(first.id));
    const state = await snapshot();
    expect(state.records.Lead).toHaveLength(1);
    expect(state.records.Lead?.[0]).toMatchObject({
      Description: 'second',
      Company: 'Navy',
      LastName: 'Lovelace',
      Leadpipe_First_UTM_Source__c: 'google',
    });
    expect(state.records.Lead?.[0]).not.toHaveProperty('Leadpipe_Latest_UTM_Source__c');
    // Folded into one create: the record ends as if they had been sent one by one.
    expect(state.requests).toMatchObject({ queries: 1, createCalls: 1, updateCalls: 0 });
  });

  it('adopts a Lead made by hand with the same email, keeping what the salesperson typed', async () => {
    // Prepare
    const { url, snapshot, rest } = await startSandbox();
    const made = await rest('POST', '/composite/sobjects', {
      allOrNone: false,
      records: [
        { attributes: { type: 'Lead' }, LastName: 'Hopper', Company: 'US Navy', Email: 'Grace@Example.com' },
      ],
    });
    const handMadeId = (made.body as { id: string }[])[0]?.id;
    const personId = newPersonId();
    const lead = buildLead({ personId, email: 'grace@example.com', lastName: 'H.', company: 'Navy' });

    // Act
    const outcome = await deliverOne(adapterFor(url), lead);

    // Assess
    expect(refId(outcome)).toBe(handMadeId);
    const leads = (await snapshot()).records.Lead ?? [];
    expect(leads).toHaveLength(1);
    expect(leads[0]).toMatchObject({
      Id: handMadeId,
      Leadpipe_Person_Id__c: personId,
      LastName: 'Hopper',
      Company: 'US Navy',
      Email: 'Grace@Example.com',
      FirstName: 'Ada',
      Leadpipe_First_Source__c: 'website',
    });
  });

  it('does not adopt a Lead that already belongs to another person', async () => {
    // Prepare
    const { url, snapshot } = await startSandbox();
    const adapter = adapterFor(url);
    const owner = buildLead({ personId: newPersonId(), email: undefined, phone: '+14155550100' });
    await deliverOne(adapter, owner);
    const other = buildLead({ personId: newPersonId(), email: 'new@example.com', phone: '+14155550100' });

    // Act
    const outcome = await deliverOne(adapter, other);

    // Assess
    expect(outcome.status).toBe('delivered');
    expect((await snapshot()).records.Lead).toHaveLength(2);
  });

  it('still upserts a lead without a person id by its email key', async () => {
    // Prepare
    const { url, snapshot } = await startSandbox();
    const lead = buildLead({ email: 'legacy@example.com' });

    // Act
    const outcome = await deliverOne(adapterFor(url), lead);

    // Assess
    expect(outcome.status).toBe('delivered');
    const state = await snapshot();
    expect(state.requests).toMatchObject({ upsertCalls: 1, queries: 0, createCalls: 0 });
    expect(state.records.Lead?.[0]).not.toHaveProperty('Leadpipe_Person_Id__c');
  });

  it('makes one create call for a batch of 200 new persons and one update for their next submissions, after at most two lookups each', async () => {
    // Prepare
    const { url, snapshot } = await startSandbox();
    const adapter = adapterFor(url);
    const firsts = Array.from({ length: 200 }, () => buildLead({ personId: newPersonId() }));
    const seconds = firsts.map((lead) =>
      buildLead({ personId: lead.personId, email: lead.email, message: 'again' }),
    );

    // Act
    const created = await adapter.deliver(firsts);
    const afterCreate = (await snapshot()).requests;
    const updated = await adapter.deliver(seconds);
    const afterUpdate = (await snapshot()).requests;

    // Assess
    expect(
      [...created.values(), ...updated.values()].every((outcome) => outcome.status === 'delivered'),
    ).toBe(true);
    // 200 person ids and emails fill one query URI's budget (limits.ts) nearly twice.
    const lookups = afterCreate.queries;
    expect(lookups).toBeGreaterThanOrEqual(1);
    expect(lookups).toBeLessThanOrEqual(2);
    expect(afterCreate).toMatchObject({ createCalls: 1, updateCalls: 0, apiCalls: lookups + 1 });
    expect(afterUpdate).toMatchObject({
      queries: 2 * lookups,
      createCalls: 1,
      updateCalls: 1,
      apiCalls: 2 * lookups + 2,
    });
    expect((await snapshot()).records.Lead).toHaveLength(200);
  });

  it('splits the person lookup when one query URI would be too long', async () => {
    // Prepare
    const { url, snapshot } = await startSandbox();
    const long = 'x'.repeat(60);
    const leads = Array.from({ length: 200 }, (_, i) =>
      buildLead({ personId: newPersonId(), email: `${long}${i}@example.com` }),
    );

    // Act
    const outcomes = await adapterFor(url).deliver(leads);

    // Assess
    expect([...outcomes.values()].every((outcome) => outcome.status === 'delivered')).toBe(true);
    const { requests } = await snapshot();
    expect(requests.queries).toBeGreaterThan(1);
    expect(requests.createCalls).toBe(1);
  });

  it('rejects every lead with a setup reason when the org lacks the person id field', async () => {
    // Prepare
    const { url, snapshot } = await startSandbox({ customFields: ['Email_Key__c'] });
    const lead = buildLead({ personId: newPersonId() });

    // Act
    const outcome = await deliverOne(adapterFor(url), lead);

    // Assess
    expect(outcome).toEqual({
      status: 'rejected',
      reason: expect.stringMatching(
        /^person lookup failed: INVALID_FIELD: No such column '\w+' on entity 'Lead'\.$/,
      ),
    });
    expect((await snapshot()).requests.createCalls).toBe(0);
  });

  it('retries every lead, writing nothing, when the lookup meets an outage', async () => {
    // Prepare
    const { url, snapshot } = await startSandbox({ faults: { serverErrorRate: 1 } });
    const leads = [buildLead({ personId: newPersonId() }), buildLead()];

    // Act
    const outcomes = await adapterFor(url).deliver(leads);

    // Assess
    for (const lead of leads) expect(outcomes.get(lead.id)?.status).toBe('retry');
    const { requests } = await snapshot();
    expect(requests).toMatchObject({ createCalls: 0, updateCalls: 0, upsertCalls: 0 });
  });
});

describe('Salesforce destination config for persons', () => {
  it('uses the configured personIdField and fieldPolicy', async () => {
    // Prepare
    const { url, snapshot } = await startSandbox({ customFields: [...DEFAULT_CUSTOM_FIELDS, 'Person__c'] });
    const { adapter } = await createSalesforceClients(
      'crm',
      {
        type: 'salesforce',
        auth: { accessToken: 'env:SF_TOKEN' },
        personIdField: 'Person__c',
        fieldPolicy: { LastName: 'always' },
      },
      { resolveSecret: async () => TOKEN, sandboxUrl: url },
    );
    const personId = newPersonId();
    const first = buildLead({ personId, lastName: 'Lovelace' });
    const second = buildLead({ personId, email: first.email, lastName: 'King' });

    // Act
    await adapter.deliver([first]);
    await adapter.deliver([second]);

    // Assess
    const leads = (await snapshot()).records.Lead ?? [];
    expect(leads).toHaveLength(1);
    expect(leads[0]).toMatchObject({ Person__c: personId, LastName: 'King' });
    expect(leads[0]).not.toHaveProperty('Leadpipe_Person_Id__c');
  });
});

describe('Salesforce adapter: converted Leads', () => {
  it('updates the converted Contact instead, and reports the Contact as delivered', async () => {
    // Prepare
    const { url, snapshot, convert } = await startSandbox();
    const adapter = adapterFor(url);
    const personId = newPersonId();
    const first = buildLead({ personId, email: 'ada@example.com', phone: undefined, source: 'typeform' });
    const leadId = refId(await deliverOne(adapter, first));
    const contactId = await convert(String(leadId));
    const later = buildLead({
      personId,
      email: 'ada@example.com',
      lastName: 'King',
      phone: '+442071838750',
      source: 'calendly',
      consent: { marketing: false },
    });

    // Act
    const outcome = await deliverOne(adapter, later);

    // Assess
    expect(outcome).toEqual({
      status: 'delivered',
      ref: { id: contactId, url: `${url}/lightning/r/Contact/${contactId}/view` },
    });
    const { records } = await snapshot();
    expect(records.Contact).toHaveLength(1);
    expect(records.Contact?.[0]).toMatchObject({
      Id: contactId,
      LastName: 'Lovelace',
      Phone: '+442071838750',
      Leadpipe_Latest_Source__c: 'calendly',
      HasOptedOutOfEmail: true,
    });
    expect(records.Lead?.[0]).toMatchObject({
      Id: leadId,
      IsConverted: true,
      Leadpipe_Latest_Source__c: 'typeform',
    });
  });

  it('writes new, known and converted persons of one batch in one query, one create and one update', async () => {
    // Prepare
    const { url, snapshot, convert } = await startSandbox();
    const adapter = adapterFor(url);
    const known = buildLead({ personId: newPersonId() });
    const converted = buildLead({ personId: newPersonId(), phone: undefined });
    await adapter.deliver([known, converted]);
    const convertedLeadId = String(
      (await snapshot()).records.Lead?.find((lead) => lead.Email === converted.email)?.Id,
    );
    const contactId = await convert(convertedLeadId);
    const before = (await snapshot()).requests;
    const batch = [
      buildLead({ personId: known.personId, email: known.email, message: 'known again' }),
      buildLead({ personId: converted.personId, email: converted.email, phone: '+14155550199' }),
      buildLead({ personId: newPersonId() }),
    ];

    // Act
    const outcomes = await adapter.deliver(batch);

    // Assess
    expect(batch.map((lead) => outcomes.get(lead.id)?.status)).toEqual([
      'delivered',
      'delivered',
      'delivered',
    ]);
    expect(refId(outcomes.get(batch[1]?.id ?? '') as Outcome)).toBe(contactId);
    const after = await snapshot();
    expect(after.requests.queries - before.queries).toBe(1);
    expect(after.requests.createCalls - before.createCalls).toBe(1);
    expect(after.requests.updateCalls - before.updateCalls).toBe(1);
    expect(after.records.Contact?.[0]).toMatchObject({ Phone: '+14155550199' });
    expect(after.records.Lead).toHaveLength(3);
  });

  it('retries a Lead converted between the lookup and the write', async () => {
    // Prepare: the org answers the update as it does for a Lead converted a moment ago
    const { url } = await startSandbox({
      recordFault: (record, sobject) =>
        sobject === 'Lead' && typeof record.Id === 'string'
          ? { statusCode: 'CANNOT_UPDATE_CONVERTED_LEAD', message: 'cannot reference converted lead' }
          : undefined,
    });
    const adapter = adapterFor(url);
    const personId = newPersonId();
    const first = buildLead({ personId });
    await deliverOne(adapter, first);

    // Act
    const outcome = await deliverOne(adapter, buildLead({ personId, email: first.email, message: 'later' }));

    // Assess
    expect(outcome).toEqual({
      status: 'retry',
      reason:
        'CANNOT_UPDATE_CONVERTED_LEAD: cannot reference converted lead (converted since it was read; the retry updates its Contact)',
    });
  });

  it('refuses a write to a converted Lead with CANNOT_UPDATE_CONVERTED_LEAD, as Salesforce does', async () => {
    // Prepare
    const { url, convert, rest } = await startSandbox();
    const leadId = String(refId(await deliverOne(adapterFor(url), buildLead({ personId: newPersonId() }))));
    await convert(leadId);

    // Act
    const answer = await rest('PATCH', '/composite/sobjects', {
      allOrNone: false,
      records: [{ attributes: { type: 'Lead' }, Id: leadId, Company: 'Other' }],
    });

    // Assess
    expect(answer).toEqual({
      status: 200,
      body: [
        {
          success: false,
          errors: [
            {
              statusCode: 'CANNOT_UPDATE_CONVERTED_LEAD',
              message: 'cannot reference converted lead',
              fields: [],
            },
          ],
        },
      ],
    });
  });

  it('rejects once, with one clear reason, when the Contact cannot be updated', async () => {
    // Prepare
    const { url, snapshot, convert } = await startSandbox({
      recordFault: (_record, sobject) =>
        sobject === 'Contact'
          ? {
              statusCode: 'INSUFFICIENT_ACCESS_OR_READONLY',
              message: 'insufficient access rights on object id',
            }
          : undefined,
    });
    const adapter = adapterFor(url);
    const personId = newPersonId();
    await convert(String(refId(await deliverOne(adapter, buildLead({ personId, phone: undefined })))));
    const later = buildLead({ personId, phone: '+442071838750' });

    // Act
    const outcome = await deliverOne(adapter, later);

    // Assess
    expect(outcome).toEqual({
      status: 'rejected',
      reason: expect.stringMatching(
        /^the person's Lead was converted; its Contact 003\w{15} could not be updated: INSUFFICIENT_ACCESS_OR_READONLY: insufficient access rights on object id$/,
      ),
    });
    expect((await snapshot()).requests.updateCalls).toBe(1);
  });
});

describe('Salesforce adapter: consent', () => {
  it.each([
    ['refused marketing', { marketing: false }, true],
    ['gave marketing consent in this submission', { marketing: true }, false],
  ])('sets HasOptedOutOfEmail when the person %s', async (_, consent, optedOut) => {
    // Prepare
    const { url, snapshot } = await startSandbox();
    const lead = buildLead({
      personId: newPersonId(),
      consent: { ...consent, text: 'Send me product news' },
      submittedAt: '2026-11-21T09:59:00.000Z',
    });

    // Act
    await deliverOne(adapterFor(url), lead);

    // Assess
    expect((await snapshot()).records.Lead?.[0]).toMatchObject({
      HasOptedOutOfEmail: optedOut,
      Leadpipe_Consent_Text__c: 'Send me product news',
      Leadpipe_Consent_At__c: '2026-11-21T09:59:00.000Z',
    });
  });

  it('never records an opt-in the person did not give', async () => {
    // Prepare
    const { url, snapshot } = await startSandbox();
    const adapter = adapterFor(url);
    const personId = newPersonId();
    const silent = buildLead({ personId });
    const refused = buildLead({ personId, email: silent.email, consent: { marketing: false } });
    const silentAgain = buildLead({ personId, email: silent.email, consent: { terms: true } });

    // Act
    await deliverOne(adapter, silent);
    const afterSilent = (await snapshot()).records.Lead?.[0];
    await deliverOne(adapter, refused);
    await deliverOne(adapter, silentAgain);

    // Assess
    expect(afterSilent).not.toHaveProperty('HasOptedOutOfEmail');
    expect(afterSilent).not.toHaveProperty('Leadpipe_Consent_At__c');
    expect((await snapshot()).records.Lead?.[0]).toMatchObject({ HasOptedOutOfEmail: true });
  });

  it('takes a later consent the person gives over an earlier refusal', async () => {
    // Prepare
    const { url, snapshot } = await startSandbox();
    const adapter = adapterFor(url);
    const personId = newPersonId();
    const refused = buildLead({ personId, consent: { marketing: false } });
    const gave = buildLead({ personId, email: refused.email, consent: { marketing: true } });

    // Act
    await deliverOne(adapter, refused);
    await deliverOne(adapter, gave);

    // Assess
    expect((await snapshot()).records.Lead?.[0]).toMatchObject({ HasOptedOutOfEmail: false });
  });

  it('sends the opt-out on the email-key path too, and nothing when consent is absent', async () => {
    // Prepare
    const { url, snapshot } = await startSandbox();
    const adapter = adapterFor(url);
    const refused = buildLead({ consent: { marketing: false } });
    const silent = buildLead({ email: refused.email });

    // Act
    await deliverOne(adapter, refused);
    await deliverOne(adapter, silent);

    // Assess
    expect((await snapshot()).records.Lead?.[0]).toMatchObject({ HasOptedOutOfEmail: true });
  });
});
