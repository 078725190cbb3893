import { afterEach, describe, expect, it } from 'vitest';
import { createHubspotSandbox, type HubspotSandboxOptions } from '../../adapters/hubspot/sandbox.ts';
import { setUpHubspot, setupComplete } from '../../adapters/hubspot/setup.ts';
import type { RunningSandbox } from '../../adapters/sandbox/kit.ts';

const TOKEN = 'pat-na1-sandbox-token';
const open: RunningSandbox[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((running) => running.close()));
});

async function start(options: HubspotSandboxOptions = { installed: {} }) {
  const running = await createHubspotSandbox({ accessTokens: [TOKEN], ...options }).listen(0);
  open.push(running);
  const records = async () =>
    ((await (await fetch(`${running.url}/__sandbox/records`)).json()) as { requests: Record<string, number> })
      .requests;
  return { url: running.url, records };
}

describe('setUpHubspot through the SDK’s properties module', () => {
  it('creates the group and every property on a new portal, then finds them all on a second run', async () => {
    // Prepare
    const { url, records } = await start();

    // Act
    const first = await setUpHubspot({ accessToken: TOKEN, baseUrl: url, personIdProperty: 'crm_person' });
    const second = await setUpHubspot({ accessToken: TOKEN, baseUrl: url, personIdProperty: 'crm_person' });

    // Assess
    expect(first.filter((item) => item.status === 'created').map((item) => item.name)).toEqual(
      expect.arrayContaining(['leadpipe', 'crm_person', 'leadpipe_first_source', 'leadpipe_consent_at']),
    );
    expect(first.find((item) => item.name === 'hs_legal_basis')?.status).toBe('present');
    expect(setupComplete(first)).toBe(true);
    expect(second.every((item) => item.status === 'present')).toBe(true);
    expect(second).toHaveLength(first.length);
    // First run: a read and a create for the group and each of the 13 properties, one read of
    // hs_legal_basis (29); second run: 15 reads, nothing created.
    expect((await records()).propertyCalls).toBe(29 + 15);
  });

  it('creates nothing with check, naming each missing item', async () => {
    // Prepare
    const { url } = await start();

    // Act
    const items = await setUpHubspot({ accessToken: TOKEN, baseUrl: url, check: true });
    const again = await setUpHubspot({ accessToken: TOKEN, baseUrl: url, check: true });

    // Assess
    expect(setupComplete(items)).toBe(false);
    expect(items.filter((item) => item.status === 'missing')).toHaveLength(14);
    expect(again).toEqual(items);
  });

  it('calls a person id property that exists without unique values wrong, and creates the rest', async () => {
    // Prepare
    const { url } = await start({
      installed: {
        groups: [{ name: 'leadpipe', label: 'leadpipe', displayOrder: -1 }],
        properties: [
          {
            name: 'leadpipe_person_id',
            label: 'made by hand',
            description: '',
            groupName: 'leadpipe',
            type: 'string',
            fieldType: 'text',
          },
        ],
      },
    });

    // Act
    const items = await setUpHubspot({ accessToken: TOKEN, baseUrl: url });

    // Assess
    expect(items.find((item) => item.name === 'leadpipe_person_id')).toMatchObject({
      status: 'wrong',
      detail: expect.stringContaining('without unique values'),
    });
    expect(items.find((item) => item.name === 'leadpipe')?.status).toBe('present');
    expect(setupComplete(items)).toBe(false);
  });

  it('stops at the first refusal when the token is refused, with HubSpot’s reason', async () => {
    // Prepare
    const { url } = await start();

    // Act
    const items = await setUpHubspot({ accessToken: 'pat-wrong', baseUrl: url });

    // Assess
    expect(items).toEqual([
      {
        kind: 'group',
        name: 'leadpipe',
        status: 'failed',
        detail: expect.stringContaining('INVALID_AUTHENTICATION'),
      },
    ]);
  });
});
