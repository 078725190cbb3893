import { SLACK_LIMITS } from './limits.ts';

/**
 * Escapes the three characters Slack's mrkdwn treats as control characters, so text from a web form can never
 * become a link, a mention or a broadcast such as <!channel>.
 */
export function escapeMrkdwn(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

/**
 * Escapes and cuts in one pass, so the escaped result (what Slack counts) is at most `max` long and no entity
 * is cut in half. Use it for every value that came from a lead.
 */
export function escapeTruncated(text: string, max: number): string {
  const escaped = escapeMrkdwn(text);
  if (escaped.length <= max) return escaped;
  let out = '';
  for (const char of text) {
    const piece = ENTITIES[char] ?? char;
    if (out.length + piece.length > max - 1) break;
    out += piece;
  }
  return `${out}…`;
}

/** Cuts text to at most `max` UTF-16 units with an ellipsis, never splitting a surrogate pair. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max - 1);
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}

/** Collapses newlines and runs of spaces: one lead is one line in a digest. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * A mrkdwn link `<url|label>` for an https URL, or undefined when the URL is not one Slack can render safely
 * (not https, too long, or carrying the characters that end a link early).
 */
export function mrkdwnLink(url: string, label: string): string | undefined {
  if (url.length > SLACK_LIMITS.url || /[\s<>|]/.test(url)) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'https:') return undefined;
  return `<${url.replaceAll('&', '&amp;')}|${escapeMrkdwn(label)}>`;
}

/** Text in inline code, escaped, and with backticks replaced since one would end the code span early. */
export function code(text: string): string {
  return `\`${escapeMrkdwn(text.replaceAll('`', "'"))}\``;
}
