import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../functions/config/load.ts';
import { schemeFor } from '../../functions/verify/index.ts';
import { DEVELOPMENT_SECRETS, localSecretResolver } from '../../local/dev-secrets.ts';
import { type LocalHost, startLocalHost } from '../../local/host.ts';
import type { LeadpipeConfig } from '../../schemas/generated/config.ts';
import { openStoredRowCounter, type StoredRowCounter } from '../support/embedded-database.ts';
import { getJson, waitUntil } from '../support/wait.ts';

const root = join(import.meta.dirname, '..', '..');
const typeformFixture = readFileSync(
  join(root, 'test', 'fixtures', 'senders', 'typeform_form_response.json'),
);
const defaultConfigPath = join(root, 'leadpipe.config.yaml');

interface HubspotRecords {
  contacts: { id: string; properties: Record<string, string> }[];
  requests: { upsertCalls: number; upsertInputs: number; created: number };
}

/** Signs a body as the source's sender would, with the development secret the default config resolves to. */
function signedHeaders(
  config: LeadpipeConfig,
  source: string,
  url: string,
  body: Buffer,
): Record<string, string> {
  const verify = config.sources[source]?.verify;
  const scheme = verify && schemeFor(verify);
  if (!scheme) throw new Error(`source ${source} has no scheme`);
  const secretName = (verify.secrets?.[0] ?? '').replace('env:', '');
  const secret = DEVELOPMENT_SECRETS[secretName] ?? '';
  return {
    'content-type': 'application/json',
    ...scheme.sign(
      { method: 'POST', url, body, deliveryId: `msg_${Math.random().toString(36).slice(2)}` },
      secret,
      new Date(),
    ),
  };
}

describe('the local pipeline, end to end, with the default config', () => {
  let host: LocalHost;
  let config: LeadpipeConfig;
  let dataDir: string;
  let rows: StoredRowCounter;

  beforeAll(async () => {
    config = parseConfig(readFileSync(defaultConfigPath, 'utf8'), defaultConfigPath);
    // On a data dir, as `npm start` runs, so the database can be read from outside the host.
    dataDir = await mkdtemp(join(tmpdir(), 'leadpipe-pipeline-'));
    host = await startLocalHost({
      config,
      port: 0,
      dataDir,
      resolveSecret: localSecretResolver({}).resolveSecret,
    });
    rows = openStoredRowCounter(host.database);
  });
  afterAll(async () => {
    rows?.close();
    await host?.end();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const post = (source: string, body: Buffer, headers: Record<string, string>) =>
    fetch(`${host.url}/webhooks/${source}`, { method: 'POST', headers, body });
  const hubspot = () => getJson<HubspotRecords>(`${host.url}/sandbox/hubspot/__sandbox/records`);

  it('turns a signed Typeform webhook into one HubSpot contact', async () => {
    // Prepare
    const url = `${host.url}/webhooks/typeform`;

    // Act
    const response = await post(
      'typeform',
      typeformFixture,
      signedHeaders(config, 'typeform', url, typeformFixture),
    );

    // Assess
    expect(response.status).toBe(202);
    const answer = (await response.json()) as { leadId: string; status: string };
    expect(answer).toEqual({ leadId: expect.stringMatching(/^lead_[0-9a-f]{32}$/), status: 'accepted' });
    const contact = await waitUntil('the contact in the HubSpot sandbox', async () =>
      (await hubspot()).contacts.find((c) => c.properties.email === 'laura@example.com'),
    );
    expect(contact.properties.firstname).toBe('Laura');
  });

  it('answers the same delivery twice with the first lead id, and publishes it once', async () => {
    // Prepare: a Typeform delivery id lives in the body (event_id), so a resend is the same bytes.
    const body = Buffer.from(
      typeformFixture
        .toString('utf8')
        .replace('LtWXD3crgy', 'DupCheck001')
        .replace('laura@example.com', 'dup@example.com'),
    );
    const url = `${host.url}/webhooks/typeform`;
    const before = host.published['lead.received'] ?? 0;

    // Act
    const first = await post('typeform', body, signedHeaders(config, 'typeform', url, body));
    const second = await post('typeform', body, signedHeaders(config, 'typeform', url, body));

    // Assess
    const firstAnswer = (await first.json()) as { leadId: string };
    expect(first.status).toBe(202);
    expect(second.status).toBe(200);
    expect(await second.json()).toEqual({ leadId: firstAnswer.leadId, status: 'duplicate' });
    expect((host.published['lead.received'] ?? 0) - before).toBe(1);
    await waitUntil('the contact', async () =>
      (await hubspot()).contacts.find((c) => c.properties.email === 'dup@example.com'),
    );
    expect((await hubspot()).contacts.filter((c) => c.properties.email === 'dup@example.com')).toHaveLength(
      1,
    );
  });

  it('refuses a bad signature with 401 and stores and publishes nothing', async () => {
    // Prepare
    const body = Buffer.from(typeformFixture.toString('utf8').replace('LtWXD3crgy', 'BadSig00001'));
    const url = `${host.url}/webhooks/typeform`;
    const headers = signedHeaders(config, 'typeform', url, body);
    headers['typeform-signature'] = `sha256=${Buffer.alloc(32, 7).toString('base64')}`;
    const published = { ...host.published };
    const rowsBefore = rows.count();

    // Act
    const response = await post('typeform', body, headers);

    // Assess
    expect(response.status).toBe(401);
    const answer = (await response.json()) as { error: { code: string; message: string } };
    expect(answer.error.code).toBe('signature_invalid');
    expect(answer.error.message).toMatch(/signature/i);
    expect(host.published).toEqual(published);
    expect(rows.count()).toEqual(rowsBefore);
  });

  it('delivers a lead sent with `leadpipe send typeform` to HubSpot and Salesforce', async () => {
    // Act: the CLI as a person runs it, against this host.
    const run = promisify(execFile);
    const { stdout } = await run(
      process.execPath,
      [join(root, 'cli', 'leadpipe.ts'), 'send', 'typeform', '--url', host.url],
      {
        cwd: root,
        env: { PATH: process.env.PATH, LEADPIPE_CONFIG: defaultConfigPath },
      },
    );

    // Assess
    expect(stdout).toMatch(/-> 202/);
    const email = 'ada@analytical-engines.example';
    await waitUntil('the CLI lead in HubSpot', async () =>
      (await hubspot()).contacts.find((c) => c.properties.email === email),
    );
    const salesforce = await waitUntil('the CLI lead in Salesforce', async () => {
      const records = await getJson<{ records: { Lead?: { Email: string; Company: string }[] } }>(
        `${host.url}/sandbox/salesforce/__sandbox/records`,
      );
      return records.records.Lead?.find((lead) => lead.Email === email);
    });
    expect(salesforce.Company).toBe('Analytical Engines Ltd');
  });
});
