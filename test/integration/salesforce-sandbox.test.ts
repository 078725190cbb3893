import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createSalesforceSandbox, type SalesforceSandboxOptions } from '../../adapters/salesforce/sandbox.ts';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

const CLIENT = { clientId: 'client-id', clientSecret: 'client-secret' };
const TOKEN = 'fixed-token';
const UPSERT = '/services/data/v62.0/composite/sobjects/Lead/Email_Key__c';

async function start(options: SalesforceSandboxOptions = {}) {
  const sandbox = createSalesforceSandbox({ clients: [CLIENT], accessTokens: [TOKEN], ...options });
  const server = await sandbox.listen(0);
  closers.push(server.close);
  const call = async (path: string, init: RequestInit = {}, token: string | undefined = TOKEN) => {
    const headers = new Headers(init.headers);
    if (token) headers.set('authorization', `Bearer ${token}`);
    if (init.body) headers.set('content-type', 'application/json');
    const response = await fetch(`${server.url}${path}`, { ...init, headers });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
  };
  const upsert = (records: object[], extra: object = {}, path = UPSERT) =>
    call(path, { method: 'PATCH', body: JSON.stringify({ allOrNone: false, records, ...extra }) });
  return { url: server.url, call, upsert };
}

const lead = (email: string, fields: object = {}) => ({
  attributes: { type: 'Lead' },
  Email: email,
  Email_Key__c: email.toLowerCase(),
  LastName: 'Lovelace',
  Company: 'Engines',
  ...fields,
});

const tokenRequest = (url: string, form: Record<string, string>, headers: Record<string, string> = {}) =>
  fetch(`${url}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
  });

describe('Salesforce sandbox: OAuth token endpoint', () => {
  it('issues a token whose response has Salesforce’s fields and signature', async () => {
    // Prepare
    const { url } = await start({ now: () => 1_763_720_000_000 });

    // Act
    const response = await tokenRequest(url, { grant_type: 'client_credentials', ...toForm(CLIENT) });

    // Assess
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, string>;
    expect(body).toEqual({
      access_token: expect.stringMatching(/^00D\w{12}!/),
      signature: expect.any(String),
      scope: 'api',
      instance_url: url,
      id: expect.stringMatching(new RegExp(`^${url}/id/00D\\w{15}/005\\w{15}$`)),
      token_type: 'Bearer',
      issued_at: '1763720000000',
    });
    const expected = createHmac('sha256', CLIENT.clientSecret)
      .update(`${body.id}${body.issued_at}`)
      .digest('base64');
    expect(body.signature).toBe(expected);
  });

  it('accepts the client as HTTP Basic', async () => {
    // Prepare
    const { url } = await start();
    const basic = Buffer.from(`${CLIENT.clientId}:${CLIENT.clientSecret}`).toString('base64');

    // Act
    const response = await tokenRequest(
      url,
      { grant_type: 'client_credentials' },
      { authorization: `Basic ${basic}` },
    );

    // Assess
    expect(response.status).toBe(200);
  });

  it.each([
    [
      'another grant type',
      { grant_type: 'password', ...toForm(CLIENT) },
      { error: 'unsupported_grant_type', error_description: 'grant type not supported' },
    ],
    [
      'an unknown client',
      { grant_type: 'client_credentials', ...toForm({ ...CLIENT, clientId: 'nobody' }) },
      { error: 'invalid_client_id', error_description: 'client identifier invalid' },
    ],
    [
      'a wrong secret',
      { grant_type: 'client_credentials', ...toForm({ ...CLIENT, clientSecret: 'client-secreT' }) },
      { error: 'invalid_client', error_description: 'invalid client credentials' },
    ],
  ])('refuses %s with 400 and an OAuth error', async (_, form, expected) => {
    // Prepare
    const { url } = await start();

    // Act
    const response = await tokenRequest(url, form);

    // Assess
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual(expected);
  });

  it('issues tokens that expire', async () => {
    // Prepare
    let clock = 0;
    const { url, call } = await start({ tokenTtlMs: 1000, now: () => clock });
    const issued = (await (
      await tokenRequest(url, { grant_type: 'client_credentials', ...toForm(CLIENT) })
    ).json()) as { access_token: string };

    // Act
    const fresh = await call('/services/data/v62.0/limits', {}, issued.access_token);
    clock = 1000;
    const stale = await call('/services/data/v62.0/limits', {}, issued.access_token);

    // Assess
    expect(fresh.status).toBe(200);
    expect(stale).toMatchObject({
      status: 401,
      body: [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }],
    });
  });
});

describe('Salesforce sandbox: sObject Collections upsert', () => {
  it('creates, then updates by external id, with per-record results in order', async () => {
    // Prepare
    const { upsert } = await start();

    // Act
    const created = await upsert([lead('a@example.com'), lead('b@example.com')]);
    const updated = await upsert([lead('A@example.com', { Company: 'Other' })]);

    // Assess
    expect(created.status).toBe(200);
    expect(created.body).toEqual([
      { id: expect.stringMatching(/^00Q\w{15}$/), success: true, errors: [], created: true },
      { id: expect.stringMatching(/^00Q\w{15}$/), success: true, errors: [], created: true },
    ]);
    expect(updated.body).toEqual([{ id: created.body[0].id, success: true, errors: [], created: false }]);
    expect(created.headers.get('sforce-limit-info')).toBe('api-usage=1/15000');
  });

  it.each([
    {
      name: 'a missing required field',
      record: lead('c@example.com', { Company: '' }),
      error: {
        statusCode: 'REQUIRED_FIELD_MISSING',
        message: 'Required fields are missing: [Company]',
        fields: ['Company'],
      },
    },
    {
      name: 'an invalid email',
      record: lead('c@example', {}),
      error: {
        statusCode: 'INVALID_EMAIL_ADDRESS',
        message: 'Email: invalid email address: c@example',
        fields: ['Email'],
      },
    },
    {
      name: 'no external id value',
      record: lead('c@example.com', { Email_Key__c: '' }),
      error: {
        statusCode: 'MISSING_ARGUMENT',
        message: 'Email_Key__c not specified',
        fields: ['Email_Key__c'],
      },
    },
    {
      name: 'a read-only field',
      record: lead('c@example.com', { Name: 'Ada Lovelace' }),
      error: {
        statusCode: 'INVALID_FIELD_FOR_INSERT_UPDATE',
        message: expect.stringMatching(/^Unable to create\/update fields: Name\./),
        fields: ['Name'],
      },
    },
  ])('fails one record with $name and saves the other', async ({ record, error }) => {
    // Prepare
    const { upsert } = await start();

    // Act
    const response = await upsert([record, lead('ok@example.com')]);

    // Assess
    expect(response.status).toBe(200);
    expect(response.body).toEqual([
      { success: false, errors: [error] },
      expect.objectContaining({ success: true, created: true }),
    ]);
  });

  it('fails every record that repeats an external id in the same call', async () => {
    // Prepare
    const { upsert } = await start();

    // Act
    const response = await upsert([lead('d@example.com'), lead('D@example.com'), lead('e@example.com')]);

    // Assess
    const duplicate = {
      success: false,
      errors: [
        {
          statusCode: 'DUPLICATE_VALUE',
          message: expect.stringMatching(/^Duplicate external id specified: /),
          fields: ['Email_Key__c'],
        },
      ],
    };
    expect(response.body).toEqual([duplicate, duplicate, expect.objectContaining({ success: true })]);
  });

  it('matches on Email, which is not unique, and refuses a value that matches two records', async () => {
    // Prepare
    const { upsert } = await start();
    await upsert([
      lead('same@example.com', { Email_Key__c: 'one' }),
      lead('same@example.com', { Email_Key__c: 'two' }),
    ]);

    // Act
    const response = await upsert(
      [{ attributes: { type: 'Lead' }, Email: 'same@example.com', LastName: 'L', Company: 'C' }],
      {},
      '/services/data/v62.0/composite/sobjects/Lead/Email',
    );

    // Assess
    expect(response.body).toEqual([
      {
        success: false,
        errors: [
          {
            statusCode: 'DUPLICATE_EXTERNAL_ID',
            message: expect.stringMatching(/^Email: more than one record found for external id field: \[00Q/),
            fields: ['Email'],
          },
        ],
      },
    ]);
  });

  it('rolls everything back with allOrNone', async () => {
    // Prepare
    const { upsert, call } = await start();

    // Act
    const response = await upsert([lead('f@example.com'), lead('g@example', {})], { allOrNone: true });
    const stored = await call('/__sandbox/records', {}, undefined);

    // Assess
    expect(response.body[0]).toEqual({
      success: false,
      errors: [expect.objectContaining({ statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK' })],
    });
    expect(response.body[1].errors[0].statusCode).toBe('INVALID_EMAIL_ADDRESS');
    // Nothing was kept: the org has no Lead at all.
    expect(stored.body.records.Lead ?? []).toEqual([]);
  });

  it.each([
    {
      name: 'more than 200 records',
      records: Array.from({ length: 201 }, (_, i) => lead(`p${i}@example.com`)),
      path: UPSERT,
      status: 400,
      error: {
        errorCode: 'EXCEEDED_ID_LIMIT',
        message: 'record limit reached. cannot submit more than 200 records into this call',
      },
    },
    {
      name: 'an unknown field on one record',
      records: [lead('q@example.com'), lead('r@example.com', { Legacy__c: 'x' })],
      path: UPSERT,
      status: 400,
      error: { errorCode: 'INVALID_FIELD', message: "No such column 'Legacy__c' on sobject of type Lead" },
    },
    {
      name: 'an object where a value belongs',
      records: [lead('s@example.com', { Company: { name: 'x' } })],
      path: UPSERT,
      status: 400,
      error: { errorCode: 'JSON_PARSER_ERROR', message: expect.stringContaining('START_OBJECT') },
    },
    {
      name: 'an unknown external id field',
      records: [lead('t@example.com')],
      path: '/services/data/v62.0/composite/sobjects/Lead/Nope__c',
      status: 404,
      error: {
        errorCode: 'NOT_FOUND',
        message: 'Provided external ID field does not exist or is not accessible: Nope__c',
      },
    },
    {
      name: 'a field that is no external id',
      records: [lead('u@example.com')],
      path: '/services/data/v62.0/composite/sobjects/Lead/LastName',
      status: 400,
      error: {
        errorCode: 'INVALID_FIELD',
        message: 'Field name provided, LastName is not an External ID or indexed field for Lead',
      },
    },
    {
      name: 'an unsupported API version',
      records: [lead('v@example.com')],
      path: '/services/data/v49.0/composite/sobjects/Lead/Email_Key__c',
      status: 404,
      error: { errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' },
    },
  ])('refuses the whole call for $name', async ({ records, path, status, error }) => {
    // Prepare
    const { upsert, call } = await start();

    // Act
    const response = await upsert(records, {}, path);
    const stored = await call('/__sandbox/records', {}, undefined);

    // Assess
    expect(response.status).toBe(status);
    expect(response.body).toEqual([error]);
    expect(stored.body.records.Lead ?? []).toEqual([]);
  });

  it('answers 401 INVALID_SESSION_ID without a valid bearer token', async () => {
    // Prepare
    const { call } = await start();

    // Act
    const response = await call(
      UPSERT,
      { method: 'PATCH', body: JSON.stringify({ records: [lead('w@x.io')] }) },
      'bad',
    );

    // Assess
    expect(response).toMatchObject({
      status: 401,
      body: [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }],
    });
  });

  it('answers 403 REQUEST_LIMIT_EXCEEDED once the daily allowance is spent', async () => {
    // Prepare
    const { upsert, call } = await start({ dailyRequestLimit: 2 });
    await upsert([lead('x@example.com')]);
    await call('/services/data/v62.0/limits');

    // Act
    const refused = await upsert([lead('y@example.com')]);

    // Assess
    expect(refused).toMatchObject({
      status: 403,
      body: [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }],
    });
  });
});

describe('Salesforce sandbox: reading records and faults', () => {
  it('returns a record by id, and answers a simple SOQL query', async () => {
    // Prepare
    const { upsert, call } = await start();
    const created = await upsert([lead('h@example.com', { FirstName: 'Ada' }), lead('i@example.com')]);
    const id = created.body[0].id as string;

    // Act
    const retrieved = await call(`/services/data/v62.0/sobjects/Lead/${id}`);
    const byShortId = await call(`/services/data/v62.0/sobjects/Lead/${id.slice(0, 15)}`);
    const queried = await call(
      `/services/data/v62.0/query?q=${encodeURIComponent("SELECT Id, Name, Status FROM Lead WHERE Email_Key__c = 'h@example.com' LIMIT 5")}`,
    );
    const missing = await call('/services/data/v62.0/sobjects/Lead/00Q000000000000AAA');

    // Assess
    expect(retrieved.body).toMatchObject({
      attributes: { type: 'Lead', url: `/services/data/v62.0/sobjects/Lead/${id}` },
      Id: id,
      Name: 'Ada Lovelace',
      Status: 'Open - Not Contacted',
    });
    expect(byShortId.body.Id).toBe(id);
    expect(queried.body).toEqual({
      totalSize: 1,
      done: true,
      records: [
        {
          attributes: { type: 'Lead', url: `/services/data/v62.0/sobjects/Lead/${id}` },
          Id: id,
          Name: 'Ada Lovelace',
          Status: 'Open - Not Contacted',
        },
      ],
    });
    expect(missing).toMatchObject({ status: 404, body: [{ errorCode: 'NOT_FOUND' }] });
  });

  it.each([
    ['SELECT FROM Lead', 'MALFORMED_QUERY'],
    ['SELECT Id FROM Nope', 'INVALID_TYPE'],
    ['SELECT Nope__c FROM Lead', 'INVALID_FIELD'],
  ])('refuses the query %s with %s', async (soql, errorCode) => {
    // Prepare
    const { call } = await start();

    // Act
    const response = await call(`/services/data/v62.0/query?q=${encodeURIComponent(soql)}`);

    // Assess
    expect(response).toMatchObject({ status: 400, body: [{ errorCode }] });
  });

  it.each([
    [
      'a server error',
      { serverErrorRate: 1 },
      500,
      { errorCode: 'UNKNOWN_EXCEPTION', message: expect.stringMatching(/^An unexpected error occurred/) },
    ],
    [
      'throttling',
      { rateLimitRate: 1 },
      403,
      { errorCode: 'REQUEST_LIMIT_EXCEEDED', message: 'ConcurrentPerOrgLongTxn Limit exceeded.' },
    ],
  ])('renders %s the way Salesforce does', async (_, faults, status, error) => {
    // Prepare
    const { upsert } = await start({ faults });

    // Act
    const response = await upsert([lead('j@example.com')]);

    // Assess
    expect(response.status).toBe(status);
    expect(response.headers.get('retry-after')).toBeNull();
    expect(response.body).toEqual([error]);
  });

  it('shows what arrived and what was asked, and forgets it on DELETE', async () => {
    // Prepare
    const { upsert, call, url } = await start();
    await tokenRequest(url, { grant_type: 'client_credentials', ...toForm(CLIENT) });
    await upsert([lead('k@example.com')]);

    // Act
    const before = await call('/__sandbox/records', {}, undefined);
    const deleted = await call('/__sandbox/records', { method: 'DELETE' }, undefined);
    const after = await call('/__sandbox/records', {}, undefined);

    // Assess
    expect(before.body.records.Lead).toEqual([expect.objectContaining({ Email_Key__c: 'k@example.com' })]);
    expect(before.body.requests).toMatchObject({
      upsertCalls: 1,
      tokenRequests: 1,
      upsertedRecords: 1,
      apiCalls: 1,
    });
    expect(deleted.status).toBe(204);
    expect(after.body).toEqual({
      records: {},
      requests: {
        apiCalls: 0,
        upsertCalls: 0,
        upsertedRecords: 0,
        failedRecords: 0,
        tokenRequests: 0,
        queries: 0,
        retrieves: 0,
        createCalls: 0,
        updateCalls: 0,
        conversions: 0,
      },
    });
  });
});

const COLLECTIONS = '/services/data/v62.0/composite/sobjects';
const PERSON = `person_${'1'.repeat(32)}`;

describe('Salesforce sandbox: sObject Collections create and update, conversion', () => {
  it('creates records of the type each names, and refuses an Id or a repeated unique value', async () => {
    // Prepare
    const { call } = await start();
    const records = [
      { attributes: { type: 'Lead' }, LastName: 'A', Company: 'C', Leadpipe_Person_Id__c: PERSON },
      { attributes: { type: 'Lead' }, LastName: 'B', Company: 'C', Leadpipe_Person_Id__c: PERSON },
      { attributes: { type: 'Lead' }, Id: '00QS00000000001MAA', LastName: 'C', Company: 'C' },
    ];

    // Act
    const created = await call(COLLECTIONS, {
      method: 'POST',
      body: JSON.stringify({ allOrNone: false, records }),
    });

    // Assess
    expect(created.status).toBe(200);
    expect(created.body[0]).toEqual({ id: expect.stringMatching(/^00Q\w{15}$/), success: true, errors: [] });
    expect(created.body[1]).toEqual({
      success: false,
      errors: [
        {
          statusCode: 'DUPLICATE_VALUE',
          message: `duplicate value found: Leadpipe_Person_Id__c duplicates value on record with id: ${created.body[0].id}`,
          fields: ['Leadpipe_Person_Id__c'],
        },
      ],
    });
    expect(created.body[2].errors[0].statusCode).toBe('INVALID_FIELD');
  });

  it('updates by Id, and says so for an Id it does not have', async () => {
    // Prepare
    const { call } = await start();
    const created = await call(COLLECTIONS, {
      method: 'POST',
      body: JSON.stringify({ records: [{ attributes: { type: 'Lead' }, LastName: 'A', Company: 'C' }] }),
    });
    const id = created.body[0].id;

    // Act
    const updated = await call(COLLECTIONS, {
      method: 'PATCH',
      body: JSON.stringify({
        records: [
          { attributes: { type: 'Lead' }, Id: id, Company: 'Navy', Phone: null },
          { attributes: { type: 'Lead' }, Id: '00QS0000000000zMAA', Company: 'X' },
          { attributes: { type: 'Lead' }, Company: 'X' },
        ],
      }),
    });
    const read = await call(`/services/data/v62.0/sobjects/Lead/${id}`);

    // Assess
    expect(updated.body.map((result: { success: boolean }) => result.success)).toEqual([true, false, false]);
    expect(updated.body[1].errors[0]).toEqual({
      statusCode: 'ENTITY_IS_DELETED',
      message: 'entity is deleted',
      fields: [],
    });
    expect(updated.body[2].errors[0].statusCode).toBe('MISSING_ARGUMENT');
    expect(read.body).toMatchObject({ Id: id, Company: 'Navy', IsConverted: false });
  });

  it('converts a Lead into a Contact that a query reaches through ConvertedContact', async () => {
    // Prepare
    const { call, url } = await start();
    const created = await call(COLLECTIONS, {
      method: 'POST',
      body: JSON.stringify({
        records: [
          {
            attributes: { type: 'Lead' },
            LastName: 'Lovelace',
            Company: 'Engines',
            Email: 'ada@example.com',
            Leadpipe_Person_Id__c: PERSON,
            Leadpipe_Latest_Source__c: 'typeform',
          },
        ],
      }),
    });
    const leadId = created.body[0].id;

    // Act
    const converted = (await (
      await fetch(`${url}/__sandbox/convert`, { method: 'POST', body: JSON.stringify({ leadId }) })
    ).json()) as { contactId: string };
    const soql = `SELECT Id, IsConverted, ConvertedContactId, ConvertedContact.Email, ConvertedContact.Leadpipe_Latest_Source__c FROM Lead WHERE Leadpipe_Person_Id__c IN ('${PERSON}') OR Email IN ('nobody@example.com')`;
    const queried = await call(`/services/data/v62.0/query?q=${encodeURIComponent(soql)}`);

    // Assess
    expect(converted).toEqual({ leadId, contactId: expect.stringMatching(/^003\w{15}$/), success: true });
    expect(queried.body).toEqual({
      totalSize: 1,
      done: true,
      records: [
        {
          attributes: { type: 'Lead', url: `/services/data/v62.0/sobjects/Lead/${leadId}` },
          Id: leadId,
          IsConverted: true,
          ConvertedContactId: converted.contactId,
          ConvertedContact: {
            attributes: {
              type: 'Contact',
              url: `/services/data/v62.0/sobjects/Contact/${converted.contactId}`,
            },
            Email: 'ada@example.com',
            Leadpipe_Latest_Source__c: 'typeform',
          },
        },
      ],
    });
  });

  it('answers null for the relationship of a Lead that was not converted, and refuses an unknown one', async () => {
    // Prepare
    const { call, upsert } = await start();
    await upsert([lead('n@example.com')]);

    // Act
    const known = await call(
      `/services/data/v62.0/query?q=${encodeURIComponent('SELECT Id, ConvertedContact.Email FROM Lead')}`,
    );
    const unknown = await call(
      `/services/data/v62.0/query?q=${encodeURIComponent('SELECT Owner.Email FROM Lead')}`,
    );

    // Assess
    expect(known.body.records[0].ConvertedContact).toBeNull();
    expect(unknown.status).toBe(400);
    expect(unknown.body[0].errorCode).toBe('INVALID_FIELD');
  });
});

function toForm(client: { clientId: string; clientSecret: string }): Record<string, string> {
  return { client_id: client.clientId, client_secret: client.clientSecret };
}
