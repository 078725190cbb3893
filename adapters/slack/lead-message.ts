import type { Lead } from '../../schemas/generated/lead.ts';
import { type LeadpipeBlock, mrkdwn, plain, type SlackMessage, type TextObject } from './blocks.ts';
import type { DigestPosition } from './fold.ts';
import { SLACK_LIMITS } from './limits.ts';
import { code, escapeTruncated, mrkdwnLink, oneLine, truncate } from './mrkdwn.ts';

/**
 * Where a lead's CRM record links come from. The canonical lead has no field for them, so a mapping (or an
 * earlier destination) may put full https URLs under these `custom` keys; anything else is ignored.
 */
export const CRM_LINK_KEYS = { hubspotUrl: 'HubSpot', salesforceUrl: 'Salesforce' } as const;

/** Longest escaped piece of each field shown, so one odd submission cannot crowd out the rest. */
const CAP = { name: 80, company: 80, email: 120, phone: 32, source: 60, campaign: 80, id: 120 } as const;
const EXCERPT_CHARS = 1000;
const DIGEST_EXCERPT_CHARS = 100;
/** A link in an alert's context element; a text object holds at most 3000 characters. */
const ALERT_LINK_CHARS = 2000;
/** Longer CRM links are left out of digest lines: they would eat the digest's text budget. */
const DIGEST_LINK_CHARS = 400;

/** "Jane Doe", else "Unnamed lead" (the email is not used as a name: it has its own field). Not escaped. */
export function leadName(lead: Lead): string {
  const name = oneLine([lead.firstName, lead.lastName].filter(Boolean).join(' '));
  return name ? truncate(name, CAP.name) : 'Unnamed lead';
}

/** The lead's CRM links as mrkdwn, for the `custom` keys in CRM_LINK_KEYS that hold a usable https URL. */
export function crmLinks(lead: Lead, maxChars: number = ALERT_LINK_CHARS): string[] {
  const links: string[] = [];
  for (const [key, label] of Object.entries(CRM_LINK_KEYS)) {
    const url = lead.custom?.[key];
    const link = typeof url === 'string' ? mrkdwnLink(url, `Open in ${label}`) : undefined;
    if (link && link.length <= maxChars) links.push(link);
  }
  return links;
}

const esc = (value: string, cap: number) => escapeTruncated(oneLine(value), cap);

/** The notification text; Slack reads `text` as mrkdwn, so it is escaped like the blocks. */
function fallbackText(lead: Lead): string {
  const company = lead.company ? ` (${esc(lead.company, CAP.company)})` : '';
  const score = lead.score === undefined ? '' : `, score ${lead.score}`;
  return `Hot lead: ${esc(leadName(lead), CAP.name)}${company}${score}, via ${esc(lead.source, CAP.source)}`;
}

/** One hot lead as a Block Kit message: who, how to reach them, where from, how hot, what they wrote, links. */
export function leadAlertMessage(lead: Lead): SlackMessage {
  const company = lead.company ? truncate(oneLine(lead.company), CAP.company) : undefined;
  // A header is plain_text: shown as typed, so nothing to escape.
  const title = `:fire: Hot lead: ${leadName(lead)}${company ? `, ${company}` : ''}`;

  const fields: TextObject[] = [];
  const field = (label: string, value: string | undefined, cap: number) => {
    if (value) fields.push(mrkdwn(`*${label}*\n${esc(value, cap)}`));
  };
  field('Email', lead.email, CAP.email);
  field('Phone', lead.phone, CAP.phone);
  field('Company', lead.company, CAP.company);
  field('Source', lead.source, CAP.source);
  field('Score', lead.score === undefined ? undefined : String(lead.score), CAP.name);
  field('UTM campaign', lead.utm?.campaign, CAP.campaign);

  const blocks: LeadpipeBlock[] = [
    { type: 'header', text: plain(truncate(title, SLACK_LIMITS.headerText)) },
    { type: 'section', fields },
  ];
  const excerpt = lead.message?.trim();
  if (excerpt) {
    // Quoting adds one '>' per line: at most EXCERPT_CHARS more, well inside a section's 3000.
    const quoted = escapeTruncated(excerpt, EXCERPT_CHARS)
      .split('\n')
      .map((line) => `>${line}`)
      .join('\n');
    blocks.push({ type: 'section', text: mrkdwn(`*Message*\n${quoted}`) });
  }
  const context = [
    ...crmLinks(lead),
    `Lead ${code(truncate(lead.id, CAP.id))}`,
    `received ${esc(lead.receivedAt, 40)}`,
  ];
  blocks.push({ type: 'context', elements: context.map((text) => mrkdwn(text)) });
  return { text: fallbackText(lead), blocks };
}

/** One lead as one compact digest line: name and company in bold, then contact, source, score, links. */
export function leadDigestLine(lead: Lead): string {
  const parts: string[] = [];
  const add = (value: string | undefined, cap: number) => {
    if (value) parts.push(esc(value, cap));
  };
  add(lead.email, CAP.email);
  add(lead.phone, CAP.phone);
  add(lead.source, CAP.source);
  if (lead.score !== undefined) parts.push(`score ${lead.score}`);
  add(lead.utm?.campaign, CAP.campaign);
  parts.push(...crmLinks(lead, DIGEST_LINK_CHARS));
  const company = lead.company ? ` (${esc(lead.company, CAP.company)})` : '';
  let line = `*${esc(leadName(lead), CAP.name)}*${company} · ${parts.join(' · ')}`;
  const excerpt = lead.message ? oneLine(lead.message) : '';
  if (excerpt) line += `\n>${escapeTruncated(excerpt, DIGEST_EXCERPT_CHARS)}`;
  return line;
}

/** Several hot leads in one message, one section per lead, so a burst costs one post per digest. */
export function leadDigestMessage(
  leads: readonly Lead[],
  lines: readonly string[],
  position: DigestPosition,
): SlackMessage {
  const range =
    position.total > leads.length ? ` (${position.first}–${position.last} of ${position.total})` : '';
  const sources = [...new Set(leads.map((lead) => esc(lead.source, CAP.source)))].slice(0, 10);
  const blocks: LeadpipeBlock[] = [
    { type: 'header', text: plain(`:fire: ${leads.length} hot leads${range}`) },
    ...lines.map((line): LeadpipeBlock => ({ type: 'section', text: mrkdwn(line) })),
    {
      type: 'context',
      elements: [
        mrkdwn(
          `Folded into one message: more leads arrived at once than Slack's one message per second allows. Sources: ${sources.join(', ')}`,
        ),
      ],
    },
  ];
  const names = leads.map((lead) => esc(leadName(lead), CAP.name)).join(', ');
  return { text: truncate(`${leads.length} hot leads${range}: ${names}`, 3000), blocks };
}
