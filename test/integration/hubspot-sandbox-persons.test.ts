import { afterEach, describe, expect, it } from 'vitest';
import { LEADPIPE_GROUP, leadpipeProperties } from '../../adapters/hubspot/leadpipe-properties.ts';
import { createHubspotSandbox, type HubspotSandboxOptions } from '../../adapters/hubspot/sandbox.ts';
import type { RunningSandbox } from '../../adapters/sandbox/kit.ts';

const TOKEN = 'pat-na1-sandbox-token';
const PERSON = 'person_0123456789abcdef0123456789abcdef';
const open: RunningSandbox[] = [];
const SET_UP = { groups: [LEADPIPE_GROUP], properties: leadpipeProperties() };

afterEach(async () => {
  await Promise.all(open.splice(0).map((running) => running.close()));
});

async function start(options: HubspotSandboxOptions = { installed: SET_UP }) {
  const running = await createHubspotSandbox({ accessTokens: [TOKEN], ...options }).listen(0);
  open.push(running);
  const call = async (path: string, body?: unknown) => {
    const response = await fetch(`${running.url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    // biome-ignore lint/suspicious/noExplicitAny: HubSpot's answers, read field by field as the tests assert on them.
    return { status: response.status, body: (await response.json()) as any };
  };
  return { running, call };
}

const CREATE = '/crm/v3/objects/contacts/batch/create';
const READ = '/crm/v3/objects/contacts/batch/read';
const UPDATE = '/crm/v3/objects/contacts/batch/update';

describe('HubSpot sandbox: batch create, read and update', () => {
  it('creates a contact without an email, then reads it by its unique person id', async () => {
    // Prepare
    const { call } = await start();

    // Act
    const created = await call(CREATE, {
      inputs: [{ properties: { phone: '+447700900123', leadpipe_person_id: PERSON }, associations: [] }],
    });
    const read = await call(READ, {
      idProperty: 'leadpipe_person_id',
      inputs: [{ id: PERSON }],
      properties: ['phone', 'leadpipe_person_id'],
      propertiesWithHistory: [],
    });

    // Assess
    expect(created.status).toBe(201);
    expect(created.body.results[0].properties).toMatchObject({ phone: '+447700900123' });
    expect(created.body.results[0].properties.email).toBeUndefined();
    expect(read.status).toBe(200);
    expect(read.body.results).toEqual([
      expect.objectContaining({
        id: created.body.results[0].id,
        properties: expect.objectContaining({
          phone: '+447700900123',
          leadpipe_person_id: PERSON,
          hs_object_id: created.body.results[0].id,
        }),
      }),
    ]);
  });

  it('answers a read with misses with 207 and an OBJECT_NOT_FOUND error naming them', async () => {
    // Prepare
    const { call } = await start();
    await call(CREATE, { inputs: [{ properties: { email: 'ada@example.com' } }] });

    // Act
    const read = await call(READ, {
      idProperty: 'email',
      inputs: [{ id: 'ADA@example.com' }, { id: 'nobody@example.com' }],
      properties: ['email'],
      propertiesWithHistory: [],
    });

    // Assess
    expect(read.status).toBe(207);
    expect(read.body.results).toHaveLength(1);
    expect(read.body).toMatchObject({
      numErrors: 1,
      errors: [{ status: 'error', category: 'OBJECT_NOT_FOUND', context: { ids: ['nobody@example.com'] } }],
    });
  });

  it.each([
    ['a property that does not exist', { installed: {} }, 'leadpipe_person_id'],
    ['a property that is not unique', { installed: SET_UP }, 'firstname'],
  ])('refuses a read keyed by %s with HubSpot’s non-unique 400', async (_case, options, idProperty) => {
    // Prepare
    const { call } = await start(options);

    // Act
    const read = await call(READ, {
      idProperty,
      inputs: [{ id: 'x' }],
      properties: [],
      propertiesWithHistory: [],
    });
    const upsert = await call('/crm/v3/objects/contacts/batch/upsert', {
      inputs: [{ idProperty, id: 'x', properties: {} }],
    });

    // Assess
    for (const refused of [read, upsert]) {
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({
        status: 'error',
        category: 'VALIDATION_ERROR',
        message: expect.stringContaining(`by non-unique 0-1 property ${idProperty} in portal ID`),
      });
    }
  });

  it('upserts by a unique custom property', async () => {
    // Prepare
    const { call } = await start();

    // Act
    const first = await call('/crm/v3/objects/contacts/batch/upsert', {
      inputs: [{ idProperty: 'leadpipe_person_id', id: PERSON, properties: { firstname: 'Ada' } }],
    });
    const second = await call('/crm/v3/objects/contacts/batch/upsert', {
      inputs: [{ idProperty: 'leadpipe_person_id', id: PERSON, properties: { lastname: 'Lovelace' } }],
    });

    // Assess
    expect(first.body.results[0]).toMatchObject({ new: true });
    expect(second.body.results[0]).toMatchObject({
      id: first.body.results[0].id,
      new: false,
      properties: { firstname: 'Ada', lastname: 'Lovelace', leadpipe_person_id: PERSON },
    });
  });

  it('refuses with 409 CONFLICT a create that would give an email or a unique value to a second contact', async () => {
    // Prepare
    const { call } = await start();
    const existing = await call(CREATE, {
      inputs: [{ properties: { email: 'ada@example.com', leadpipe_person_id: PERSON } }],
    });

    // Act
    const sameEmail = await call(CREATE, { inputs: [{ properties: { email: 'Ada@Example.com' } }] });
    const sameId = await call(CREATE, { inputs: [{ properties: { leadpipe_person_id: PERSON } }] });

    // Assess
    for (const refused of [sameEmail, sameId]) {
      expect(refused.status).toBe(409);
      expect(refused.body).toMatchObject({
        category: 'CONFLICT',
        message: `Contact already exists. Existing ID: ${existing.body.results[0].id}`,
      });
    }
  });

  it('updates by id, answers 207 OBJECT_NOT_FOUND for an unknown id, and refuses the same id twice', async () => {
    // Prepare
    const { call } = await start();
    const created = await call(CREATE, { inputs: [{ properties: { email: 'ada@example.com' } }] });
    const id = created.body.results[0].id;

    // Act
    const updated = await call(UPDATE, {
      inputs: [
        { id, properties: { company: 'Analytical Engines' }, objectWriteTraceId: 'a' },
        { id: '999999', properties: { company: 'Nobody' }, objectWriteTraceId: 'b' },
      ],
    });
    const twice = await call(UPDATE, {
      inputs: [
        { id, properties: {} },
        { id, properties: {} },
      ],
    });

    // Assess
    expect(updated.status).toBe(207);
    expect(updated.body.results[0]).toMatchObject({
      id,
      properties: { company: 'Analytical Engines', email: 'ada@example.com' },
    });
    expect(updated.body.errors).toEqual([
      expect.objectContaining({ category: 'OBJECT_NOT_FOUND', context: { objectWriteTraceId: ['b'] } }),
    ]);
    expect(twice.status).toBe(400);
  });

  it('takes only hs_legal_basis options HubSpot defines', async () => {
    // Prepare
    const { call } = await start();

    // Act
    const good = await call(CREATE, {
      inputs: [
        { properties: { hs_legal_basis: 'Performance of a contract;Freely given consent from contact' } },
      ],
    });
    const bad = await call(CREATE, { inputs: [{ properties: { hs_legal_basis: 'CONSENT_WITH_NOTICE' } }] });

    // Assess
    expect(good.status).toBe(201);
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('INVALID_OPTION');
  });
});

describe('HubSpot sandbox: CRM properties API', () => {
  const group = { name: 'leadpipe', label: 'leadpipe', displayOrder: -1 };
  const property = {
    name: 'leadpipe_person_id',
    label: 'leadpipe person id',
    groupName: 'leadpipe',
    type: 'string',
    fieldType: 'text',
    hasUniqueValue: true,
  };

  it('creates a group and a unique property, answers 409 for a name taken, and reads them back', async () => {
    // Prepare
    const { call } = await start({ installed: {} });

    // Act
    const createdGroup = await call('/crm/v3/properties/contacts/groups', group);
    const createdProperty = await call('/crm/v3/properties/contacts', property);
    const againGroup = await call('/crm/v3/properties/contacts/groups', group);
    const againProperty = await call('/crm/v3/properties/contacts', property);
    const readGroup = await call('/crm/v3/properties/contacts/groups/leadpipe');
    const readProperty = await call('/crm/v3/properties/contacts/leadpipe_person_id');

    // Assess
    expect(createdGroup).toMatchObject({ status: 201, body: { name: 'leadpipe', label: 'leadpipe' } });
    expect(createdProperty).toMatchObject({
      status: 201,
      body: { name: 'leadpipe_person_id', hasUniqueValue: true },
    });
    expect(againGroup).toMatchObject({
      status: 409,
      body: { status: 'error', category: 'OBJECT_ALREADY_EXISTS' },
    });
    expect(againProperty).toMatchObject({
      status: 409,
      body: {
        status: 'error',
        category: 'OBJECT_ALREADY_EXISTS',
        message: "Property named 'leadpipe_person_id' already exists.",
      },
    });
    expect(readGroup.status).toBe(200);
    expect(readProperty.body).toMatchObject({
      name: 'leadpipe_person_id',
      type: 'string',
      fieldType: 'text',
      hasUniqueValue: true,
    });
  });

  it.each([
    ['a group that does not exist', { ...property, groupName: 'nowhere' }, 'nowhere'],
    ['a field type that does not fit the type', { ...property, fieldType: 'checkbox' }, 'checkbox'],
    ['no label', { ...property, label: '' }, 'label'],
  ])('refuses a property with %s', async (_case, body, named) => {
    // Prepare
    const { call } = await start({ installed: {} });
    await call('/crm/v3/properties/contacts/groups', group);

    // Act
    const refused = await call('/crm/v3/properties/contacts', body);

    // Assess
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({
      category: 'VALIDATION_ERROR',
      message: expect.stringContaining(named),
    });
  });

  it('answers 404 OBJECT_NOT_FOUND for a property or group a new portal lacks, and knows HubSpot’s own', async () => {
    // Prepare
    const { call } = await start({ installed: {} });

    // Act
    const property = await call('/crm/v3/properties/contacts/leadpipe_person_id');
    const group = await call('/crm/v3/properties/contacts/groups/leadpipe');
    const own = await call('/crm/v3/properties/0-1/hs_legal_basis');

    // Assess
    expect(property).toMatchObject({ status: 404, body: { category: 'OBJECT_NOT_FOUND' } });
    expect(group).toMatchObject({ status: 404, body: { category: 'OBJECT_NOT_FOUND' } });
    expect(own.body.options.map((option: { value: string }) => option.value)).toContain(
      'Freely given consent from contact',
    );
  });
});
