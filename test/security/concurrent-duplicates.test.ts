import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalHost, startLocalHost } from '../../local/host.ts';
import { E2E_DESTINATIONS, e2eConfig, formEmail, formPayload, resolveE2eSecret } from '../support/config.ts';
import { sandboxRecords } from '../support/sandboxes.ts';
import { waitUntil } from '../support/wait.ts';
import { createWebhookSender } from '../support/webhooks.ts';

describe('the same delivery sent 100 times at once', () => {
  let host: LocalHost;
  const config = e2eConfig({ hubspot: E2E_DESTINATIONS.hubspot });

  beforeAll(async () => {
    host = await startLocalHost({ config, port: 0, resolveSecret: resolveE2eSecret });
  });
  afterAll(async () => {
    await host?.end();
  });

  it('is accepted once and answered 200 duplicate with the same lead id 99 times; one lead reaches the CRM', async () => {
    // Prepare
    const sender = await createWebhookSender({
      baseUrl: host.url,
      config,
      source: 'form',
      resolveSecret: resolveE2eSecret,
    });
    const payload = formPayload(7);

    // Act
    const answers = await Promise.all(
      Array.from({ length: 100 }, () => sender.send(payload, { deliveryId: 'msg_sent_100_times' })),
    );

    // Assess
    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses.filter((status) => status === 202)).toHaveLength(1);
    expect(statuses.filter((status) => status === 200)).toHaveLength(99);
    const leadIds = new Set(answers.map((answer) => JSON.parse(answer.body).leadId));
    expect(leadIds.size).toBe(1);
    expect(host.published['lead.received']).toBe(1);
    const contacts = await waitUntil('the lead in HubSpot', async () => {
      const { contacts } = await sandboxRecords.hubspot(host.url);
      return contacts.length > 0 ? contacts : undefined;
    });
    expect(contacts.map((contact) => contact.properties.email)).toEqual([formEmail(7)]);
  });
});
