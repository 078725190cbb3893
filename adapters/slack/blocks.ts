/**
 * The few Block Kit shapes leadpipe posts. Written out (rather than taken from @slack/types, which is only a
 * transitive dependency) so builders are checked against what they actually send.
 */
export interface PlainText {
  type: 'plain_text';
  text: string;
  emoji?: boolean;
}
export interface MrkdwnText {
  type: 'mrkdwn';
  text: string;
}
export type TextObject = PlainText | MrkdwnText;

export interface HeaderBlock {
  type: 'header';
  text: PlainText;
}
export interface SectionBlock {
  type: 'section';
  text?: TextObject;
  fields?: TextObject[];
}
export interface ContextBlock {
  type: 'context';
  elements: TextObject[];
}
export interface DividerBlock {
  type: 'divider';
}
export type LeadpipeBlock = HeaderBlock | SectionBlock | ContextBlock | DividerBlock;

/** One chat.postMessage: the blocks and the plain `text` Slack shows in notifications and screen readers. */
export interface SlackMessage {
  text: string;
  blocks: LeadpipeBlock[];
}

export const plain = (text: string): PlainText => ({ type: 'plain_text', text, emoji: true });
export const mrkdwn = (text: string): MrkdwnText => ({ type: 'mrkdwn', text });
