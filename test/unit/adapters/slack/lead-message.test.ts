import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DIGEST_TEXT_BUDGET, SLACK_DIGEST_MAX_LEADS } from '../../../../adapters/slack/adapter.ts';
import { validateBlocks } from '../../../../adapters/slack/block-validation.ts';
import { packDigests } from '../../../../adapters/slack/fold.ts';
import {
  crmLinks,
  leadAlertMessage,
  leadDigestLine,
  leadDigestMessage,
  leadName,
} from '../../../../adapters/slack/lead-message.ts';
import { SLACK_LIMITS } from '../../../../adapters/slack/limits.ts';
import type { Lead } from '../../../../schemas/generated/lead.ts';
import { blockTexts, buildLead, buildLeads } from './factories.ts';

describe('leadAlertMessage', () => {
  it('shows who, how to reach them, source, score, message, campaign and CRM link', () => {
    // Prepare
    const lead = buildLead({ custom: { salesforceUrl: 'https://acme.my.salesforce.com/00Q5e000001' } });

    // Act
    const message = leadAlertMessage(lead);

    // Assess
    const [header, fields] = message.blocks;
    expect(header).toEqual({
      type: 'header',
      text: expect.objectContaining({ text: ':fire: Hot lead: Jane Doe, Acme Rockets' }),
    });
    expect(fields).toEqual({
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: '*Email*\njane.doe@example.com' },
        { type: 'mrkdwn', text: '*Phone*\n+14155550123' },
        { type: 'mrkdwn', text: '*Company*\nAcme Rockets' },
        { type: 'mrkdwn', text: '*Source*\ntypeform' },
        { type: 'mrkdwn', text: '*Score*\n92' },
        { type: 'mrkdwn', text: '*UTM campaign*\nspring-launch' },
      ],
    });
    const texts = blockTexts(message.blocks);
    expect(texts).toContain('*Message*\n>We need 40 seats before the end of the quarter.');
    expect(texts).toContain('<https://acme.my.salesforce.com/00Q5e000001|Open in Salesforce>');
    expect(texts).toContain('Lead `typeform:dlv_01`');
    expect(message.text).toBe('Hot lead: Jane Doe (Acme Rockets), score 92, via typeform');
    expect(validateBlocks(message.blocks)).toBeUndefined();
  });

  it('leaves out what the lead does not have', () => {
    // Prepare: only the required fields
    const lead: Lead = {
      id: 'tally:1',
      source: 'tally',
      receivedAt: '2026-11-21T09:30:00.000Z',
      schemaVersion: 1,
      correlationId: 'c',
    };

    // Act
    const message = leadAlertMessage(lead);

    // Assess
    expect(message.blocks.map((block) => block.type)).toEqual(['header', 'section', 'context']);
    expect(blockTexts(message.blocks)).toEqual([
      ':fire: Hot lead: Unnamed lead',
      '*Source*\ntally',
      'Lead `tally:1`',
      'received 2026-11-21T09:30:00.000Z',
    ]);
    expect(validateBlocks(message.blocks)).toBeUndefined();
  });

  it('cannot be made to mention @channel or link elsewhere by what a person typed', () => {
    // Prepare
    const lead = buildLead({ firstName: '<!channel>', message: 'see <https://evil.example|your invoice>' });

    // Act
    const message = leadAlertMessage(lead);

    // Assess: the notification text and every mrkdwn block (all but the plain_text header) keep them inert
    const mrkdwnTexts = [message.text, ...blockTexts(message.blocks.slice(1))];
    expect(mrkdwnTexts.join('\n')).toContain('&lt;!channel&gt;');
    for (const text of mrkdwnTexts) expect(text).not.toMatch(/<(!|https:\/\/evil)/);
  });
});

describe('crmLinks', () => {
  it.each([
    [
      'a HubSpot URL',
      { hubspotUrl: 'https://app.hubspot.com/contacts/1' },
      ['<https://app.hubspot.com/contacts/1|Open in HubSpot>'],
    ],
    ['no custom fields', undefined, []],
    ['a non-https URL', { hubspotUrl: 'http://app.hubspot.com/contacts/1' }, []],
    ['a non-string', { salesforceUrl: 42 }, []],
  ])('reads %s', (_case, custom, expected) => {
    expect(crmLinks(buildLead({ custom }))).toEqual(expected);
  });
});

describe('leadName', () => {
  it('joins first and last name', () => {
    expect(leadName(buildLead({ firstName: 'Ada', lastName: undefined }))).toBe('Ada');
  });
});

describe('lead digests', () => {
  it('lists each lead on one line with contact, source, score and link', () => {
    // Act
    const line = leadDigestLine(buildLead());

    // Assess
    expect(line).toBe(
      '*Jane Doe* (Acme Rockets) · jane.doe@example.com · +14155550123 · typeform · score 92 · spring-launch · <https://app.hubspot.com/contacts/123/record/0-1/456|Open in HubSpot>\n>We need 40 seats before the end of the quarter.',
    );
  });

  it('numbers a digest among the others of its batch', () => {
    // Prepare
    const leads = buildLeads(2);

    // Act
    const message = leadDigestMessage(leads, leads.map(leadDigestLine), { first: 21, last: 22, total: 22 });

    // Assess
    expect(blockTexts(message.blocks)[0]).toBe(':fire: 2 hot leads (21–22 of 22)');
    expect(message.text).toBe('2 hot leads (21–22 of 22): Jane Doe 1, Jane Doe 2');
  });

  const hostileString = (maxLength: number) =>
    fc.string({ unit: fc.constantFrom('&', '<', '>', 'a', '\n', '😀', '*'), maxLength });
  const hostileLead = fc.record({
    firstName: hostileString(500),
    lastName: hostileString(500),
    company: hostileString(500),
    email: hostileString(500),
    phone: hostileString(50),
    message: hostileString(5000),
    campaign: hostileString(500),
    hubspot: fc.string({ unit: fc.constantFrom('&', 'a', '/'), maxLength: 2900 }),
  });

  it('stays within Slack limits for any leads, alone or folded into digests', () => {
    fc.assert(
      fc.property(fc.array(hostileLead, { minLength: 1, maxLength: 45 }), (raw) => {
        // Prepare
        const leads = raw.map((r, i) =>
          buildLead({
            id: `x:${i}`,
            firstName: r.firstName,
            lastName: r.lastName,
            company: r.company,
            email: r.email,
            phone: r.phone,
            message: r.message,
            utm: { campaign: r.campaign },
            custom: {
              hubspotUrl: `https://app.hubspot.com/${r.hubspot}`,
              salesforceUrl: `https://sf.example/${r.hubspot}`,
            },
          }),
        );

        // Act
        const singles = leads.map(leadAlertMessage);
        const groups = packDigests(
          leads,
          { line: leadDigestLine },
          { maxPerDigest: SLACK_DIGEST_MAX_LEADS, digestTextBudget: DIGEST_TEXT_BUDGET },
        );
        let first = 1;
        const digests = groups.map((group) => {
          const position = { first, last: first + group.items.length - 1, total: leads.length };
          first = position.last + 1;
          return leadDigestMessage(group.items, group.lines, position);
        });

        // Assess
        for (const message of [...singles, ...digests]) {
          expect(validateBlocks(message.blocks)).toBeUndefined();
          expect(message.text.length).toBeLessThanOrEqual(SLACK_LIMITS.messageText);
        }
        expect(groups.flatMap((group) => group.items)).toEqual(leads);
      }),
      { numRuns: 40 },
    );
  });
});
