import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LedgerTimeline } from '../../functions/ports.ts';
import { type LocalHost, startLocalHost } from '../../local/host.ts';
import type { LeadpipeConfig } from '../../schemas/generated/config.ts';
import type { LeadReceivedEvent } from '../../schemas/generated/lead-received-event.ts';
import { E2E_DESTINATIONS, e2eConfig, formPayload, resolveE2eSecret } from '../support/config.ts';
import { waitUntil } from '../support/wait.ts';
import { createWebhookSender, type WebhookSender } from '../support/webhooks.ts';

/**
 * One person across channels on the running host: leads of one person from two sources (a signed
 * form, an unsigned chat bot) carry one personId in the lead.received events the CRMs' queues
 * hold and in the ledger, including a phone-only lead, and a lead that joins two known persons
 * shows the merge in the ledger. Delivery is off: what is asserted is what ingest published.
 */
describe('one person across channels on the local host', () => {
  let host: LocalHost;
  let form: WebhookSender;
  let chat: WebhookSender;

  const config: LeadpipeConfig = (() => {
    const base = e2eConfig({ hubspot: E2E_DESTINATIONS.hubspot });
    return {
      ...base,
      sources: {
        ...base.sources,
        chat: {
          verify: { scheme: 'none' },
          mapping: { jsonata: '{ "email": visitor.mail, "phone": visitor.tel, "lastName": visitor.name }' },
        },
      },
    };
  })();

  const leadIdOf = (answer: { body: string }) => (JSON.parse(answer.body) as { leadId: string }).leadId;
  /** The lead.received events queued for hubspot so far, by lead id (read without deleting them). */
  const queued = new Map<string, LeadReceivedEvent>();
  const queuedEvent = (leadId: string) =>
    waitUntil(`the queued event of ${leadId}`, async () => {
      const queue = host.queues.hubspot;
      if (!queue) throw new Error('no hubspot queue');
      for (const message of await queue.receive(10, 30)) {
        // Queued as EventBridge delivers to SQS: the envelope, with the lead.received event as its detail.
        const event = (JSON.parse(message.body) as { detail: LeadReceivedEvent }).detail;
        queued.set(event.lead.id, event);
      }
      return queued.get(leadId);
    });
  const mappedStep = async (leadId: string) => {
    const timeline = (await host.ledger.timeline(leadId)) as LedgerTimeline;
    return timeline.events.find((event) => event.kind === 'mapped');
  };

  beforeAll(async () => {
    host = await startLocalHost({ config, port: 0, resolveSecret: resolveE2eSecret, deliver: false });
    form = await createWebhookSender({
      baseUrl: host.url,
      config,
      source: 'form',
      resolveSecret: resolveE2eSecret,
    });
    chat = await createWebhookSender({
      baseUrl: host.url,
      config,
      source: 'chat',
      resolveSecret: resolveE2eSecret,
    });
  }, 30_000);

  afterAll(async () => {
    await host?.end();
  });

  it('gives a phone-only chat lead and a later form lead with email and phone one personId', async () => {
    // Act
    const byPhone = await chat.send({ visitor: { tel: '+1 415 555 0171', name: 'Lovelace' } });
    const both = await form.send(formPayload(1, { email: 'Ada@Engines.example', phone: '(415) 555-0171' }));
    const byEmail = await chat.send({ visitor: { mail: 'ada@engines.example', name: 'Lovelace' } });

    // Assess
    expect([byPhone.status, both.status, byEmail.status]).toEqual([202, 202, 202]);
    const events = await Promise.all([byPhone, both, byEmail].map((answer) => queuedEvent(leadIdOf(answer))));
    const [phoneLead, bothLead, emailLead] = events.map((event) => event.lead);
    expect(phoneLead?.email).toBeUndefined();
    expect(phoneLead?.personId).toMatch(/^person_[0-9a-f]{32}$/);
    expect(bothLead?.source).toBe('form');
    expect(bothLead?.personId).toBe(phoneLead?.personId);
    expect(emailLead?.personId).toBe(phoneLead?.personId);
    for (const answer of [byPhone, both, byEmail]) {
      expect(await mappedStep(leadIdOf(answer))).toMatchObject({ personId: phoneLead?.personId });
    }
  });

  it('keeps the personId for a redelivery of the same webhook (answered as a duplicate)', async () => {
    // Prepare
    const first = await form.send(formPayload(2), { deliveryId: 'msg_person_redelivery' });
    const event = await queuedEvent(leadIdOf(first));

    // Act
    const again = await form.send(formPayload(2), { deliveryId: 'msg_person_redelivery' });

    // Assess
    expect(again.status).toBe(200);
    expect(leadIdOf(again)).toBe(leadIdOf(first));
    expect((await mappedStep(leadIdOf(first)))?.personId).toBe(event.lead.personId);
  });

  it('shows in the ledger a lead that joins two known persons: the first seen is kept', async () => {
    // Prepare: the form knows Grace by her email, the chat bot by her phone, first the form.
    const byEmail = await form.send(formPayload(3, { email: 'grace@navy.example' }));
    await sleep(5); // first seen is by receivedAt, in milliseconds: no tie
    const byPhone = await chat.send({ visitor: { tel: '+1 415 555 0172' } });
    const [emailPerson, phonePerson] = (
      await Promise.all([byEmail, byPhone].map((answer) => queuedEvent(leadIdOf(answer))))
    ).map((event) => event.lead.personId);

    // Act
    const joined = await chat.send({ visitor: { mail: 'grace@navy.example', tel: '+1 415 555 0172' } });

    // Assess
    expect(phonePerson).not.toBe(emailPerson);
    const event = await queuedEvent(leadIdOf(joined));
    expect(event.lead.personId).toBe(emailPerson);
    expect(await mappedStep(leadIdOf(joined))).toMatchObject({
      personId: emailPerson,
      mergedFrom: phonePerson,
    });
    const later = await form.send(formPayload(4, { email: null, phone: '+1 415 555 0172' }));
    expect((await queuedEvent(leadIdOf(later))).lead.personId).toBe(emailPerson);
  });
});
