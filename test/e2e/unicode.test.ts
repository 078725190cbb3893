import { domainToASCII } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalHost, startLocalHost } from '../../local/host.ts';
import type { LeadpipeConfig } from '../../schemas/generated/config.ts';
import { E2E_DESTINATIONS, e2eConfig, resolveE2eSecret } from '../support/config.ts';
import { sandboxRecords } from '../support/sandboxes.ts';
import { waitUntil } from '../support/wait.ts';
import { createWebhookSender, type WebhookSender } from '../support/webhooks.ts';

/**
 * Unicode end to end: names, companies and messages that carry right-to-left scripts, combining
 * marks that NFC keeps apart, and characters outside the Basic Multilingual Plane must reach every
 * CRM as the very string that was sent. Nothing on the way may re-normalise (NFC or NFKC), escape,
 * or drop a code point.
 *
 * Email addresses are kept as the person typed them, internationalised domain included
 * (`zoë@bücher.example` reaches HubSpot so); Salesforce, whose Email fields take ASCII domains
 * unless the org enables email address internationalisation, gets the domain's A-label form
 * (`zoë@xn--bcher-kva.example`, adapters/salesforce/records.ts). The control case sends the
 * A-label form itself.
 */
const IDN = 'bücher.example';
/** The address with its domain in A-label form, as Salesforce is sent it. */
const asciiDomain = (email: string) => {
  const at = email.lastIndexOf('@');
  return `${email.slice(0, at)}@${domainToASCII(email.slice(at + 1))}`;
};

interface UnicodeLead {
  first_name: string;
  last_name: string;
  company: string;
  message: string;
  email: string;
  score: number;
}

const CASES: { name: string; lead: UnicodeLead }[] = [
  {
    // The control: every hard case except code points above U+FFFF, which pass through today.
    name: 'RTL text, combining marks and an IDN, all inside the BMP',
    lead: {
      first_name: 'Zoë',
      last_name: 'Nguyễn',
      company: `Spın̈al Tap ספרים בע״מ ${IDN}`,
      message: 'مَرْحَبًا — שָׁלוֹם\nn̈ and ı stay as typed.',
      email: `zoe.bmp@${domainToASCII(IDN)}`,
      score: 85,
    },
  },
  {
    name: 'emoji, ZWJ sequences and other characters outside the BMP, with RTL text and an IDN',
    lead: {
      first_name: 'Zoë 🙂',
      last_name: 'Nguyễn 👩🏽‍💻',
      company: `𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𠮷 شركة الكتب ${IDN}`,
      message: 'Hello 🙂 👩🏽‍💻\nمَرْحَبًا — שָׁלוֹם\nn̈ and 𝔘 stay as typed.',
      email: `zoë@${IDN}`,
      score: 85,
    },
  },
];

interface SlackBlock {
  type: string;
  text?: { text: string };
  fields?: { text: string }[];
  elements?: { text: string }[];
}

describe('unicode leads, end to end', () => {
  let host: LocalHost;
  let config: LeadpipeConfig;
  let sender: WebhookSender;

  beforeAll(async () => {
    config = e2eConfig({
      hubspot: { ...E2E_DESTINATIONS.hubspot, delivery: { batchWindowSeconds: 0.2 } },
      salesforce: { ...E2E_DESTINATIONS.salesforce, delivery: { batchWindowSeconds: 0.2 } },
      slack: { ...E2E_DESTINATIONS.slack, delivery: { batchWindowSeconds: 0.2 } },
    });
    host = await startLocalHost({ config, port: 0, resolveSecret: resolveE2eSecret });
    sender = await createWebhookSender({
      baseUrl: host.url,
      config,
      source: 'form',
      resolveSecret: resolveE2eSecret,
    });
  });
  afterAll(async () => {
    await host?.end();
  });

  it.each(CASES)('delivers $name unchanged to HubSpot, Salesforce and Slack', async ({ lead }) => {
    // Prepare: the test data itself must be NFC, or "as sent" and "normalised" would differ.
    for (const value of [lead.first_name, lead.last_name, lead.company, lead.message]) {
      expect(value.normalize('NFC')).toBe(value);
    }

    // Act
    const answer = await sender.send(lead);

    // Assess: accepted (the body says why not, e.g. a 503 from the queue)...
    expect(answer.status, `ingest answered ${answer.status}: ${answer.body}`).toBe(202);
    const { leadId } = JSON.parse(answer.body) as { leadId: string };

    // ...in HubSpot as sent...
    const contact = await waitUntil('the contact in the HubSpot sandbox', async () =>
      (await sandboxRecords.hubspot(host.url)).contacts.find((c) => c.properties.email === lead.email),
    );
    expect(contact.properties).toMatchObject({
      firstname: lead.first_name,
      lastname: lead.last_name,
      company: lead.company,
      message: lead.message,
    });

    // ...in Salesforce as sent...
    const record = await waitUntil('the lead in the Salesforce sandbox', async () =>
      (await sandboxRecords.salesforce(host.url)).records.Lead?.find(
        (r) => r.Email === asciiDomain(lead.email),
      ),
    );
    expect(record).toMatchObject({
      FirstName: lead.first_name,
      LastName: lead.last_name,
      Company: lead.company,
      Description: lead.message,
    });

    // ...and in Slack (score >= 70), where the header is plain text and mrkdwn escapes only & < >.
    const message = await waitUntil('the hot-lead alert in the Slack sandbox', async () =>
      (await sandboxRecords.slack(host.url)).messages.find((m) => JSON.stringify(m.blocks).includes(leadId)),
    );
    const blocks = (message.blocks ?? []) as SlackBlock[];
    expect(blocks[0]?.text?.text).toBe(
      `:fire: Hot lead: ${lead.first_name} ${lead.last_name}, ${lead.company}`,
    );
    expect(blocks[1]?.fields?.map((field) => field.text)).toContain(`*Company*\n${lead.company}`);
    const quoted = lead.message
      .split('\n')
      .map((line) => `>${line}`)
      .join('\n');
    expect(blocks[2]?.text?.text).toBe(`*Message*\n${quoted}`);
  });
});
