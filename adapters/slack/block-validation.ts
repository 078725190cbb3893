import { SLACK_LIMITS } from './limits.ts';

/** Why Slack would refuse a message's blocks: its error code and a json-pointer message in Slack's style. */
export interface BlocksProblem {
  error: 'invalid_blocks' | 'invalid_blocks_format' | 'msg_blocks_too_long';
  message: string;
}

/** Block types Slack accepts in messages; the sandbox checks the ones leadpipe uses in depth. */
const KNOWN_TYPES = new Set([
  'actions',
  'context',
  'divider',
  'file',
  'header',
  'image',
  'input',
  'markdown',
  'rich_text',
  'section',
  'table',
  'video',
]);

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

class Problem extends Error {
  override readonly name = 'BlocksProblem';
  readonly pointer: string;
  constructor(message: string, pointer: string) {
    super(message);
    this.pointer = pointer;
  }
}

/**
 * Checks a chat.postMessage `blocks` value (as parsed from the request) against the Block Kit limits Slack
 * enforces, returning the first problem, or undefined when Slack would accept it.
 */
export function validateBlocks(blocks: unknown): BlocksProblem | undefined {
  if (!Array.isArray(blocks)) {
    return { error: 'invalid_blocks_format', message: '[ERROR] blocks must be a JSON array' };
  }
  let totalText = 0;
  const countText = (text: string) => {
    totalText += text.length;
  };
  try {
    if (blocks.length > SLACK_LIMITS.blocks) {
      throw new Problem(`no more than ${SLACK_LIMITS.blocks} items allowed`, '/blocks');
    }
    blocks.forEach((block, index) => {
      checkBlock(block, `/blocks/${index}`, countText);
    });
  } catch (error) {
    if (error instanceof Problem) {
      return { error: 'invalid_blocks', message: `[ERROR] ${error.message} [json-pointer:${error.pointer}]` };
    }
    throw error;
  }
  if (totalText > SLACK_LIMITS.blocksTotalText) {
    return { error: 'msg_blocks_too_long', message: '[ERROR] the blocks hold too much text' };
  }
  return undefined;
}

function checkBlock(block: unknown, at: string, countText: (text: string) => void): void {
  if (!isObject(block)) throw new Problem('must be an object', at);
  const { type, block_id: blockId } = block;
  if (typeof type !== 'string' || !KNOWN_TYPES.has(type))
    throw new Problem('unsupported block type', `${at}/type`);
  if (blockId !== undefined && (typeof blockId !== 'string' || blockId.length > SLACK_LIMITS.blockId)) {
    throw new Problem(`must be a string of at most ${SLACK_LIMITS.blockId} characters`, `${at}/block_id`);
  }
  const text = (value: unknown, path: string, max: number, plainOnly = false) => {
    if (!isObject(value)) throw new Problem('must be a text object', path);
    if (value.type !== 'plain_text' && (plainOnly || value.type !== 'mrkdwn')) {
      throw new Problem(plainOnly ? 'must be plain_text' : 'must be plain_text or mrkdwn', `${path}/type`);
    }
    if (typeof value.text !== 'string' || value.text.length < 1 || value.text.length > max) {
      throw new Problem(`must be between 1 and ${max} characters`, `${path}/text`);
    }
    countText(value.text);
  };
  const list = (value: unknown, path: string, max: number): unknown[] => {
    if (!Array.isArray(value) || value.length < 1 || value.length > max) {
      throw new Problem(`must hold between 1 and ${max} items`, path);
    }
    return value;
  };

  switch (type) {
    case 'section': {
      if (block.text === undefined && block.fields === undefined) {
        throw new Problem('must provide text or fields', at);
      }
      if (block.text !== undefined) text(block.text, `${at}/text`, SLACK_LIMITS.sectionText);
      if (block.fields !== undefined) {
        list(block.fields, `${at}/fields`, SLACK_LIMITS.sectionFields).forEach((field, i) => {
          text(field, `${at}/fields/${i}`, SLACK_LIMITS.fieldText);
        });
      }
      return;
    }
    case 'header':
      text(block.text, `${at}/text`, SLACK_LIMITS.headerText, true);
      return;
    case 'context':
      list(block.elements, `${at}/elements`, SLACK_LIMITS.contextElements).forEach((element, i) => {
        const path = `${at}/elements/${i}`;
        if (isObject(element) && element.type === 'image') {
          if (typeof element.image_url !== 'string' || typeof element.alt_text !== 'string') {
            throw new Problem('an image needs image_url and alt_text', path);
          }
          return;
        }
        text(element, path, SLACK_LIMITS.sectionText);
      });
      return;
    case 'actions':
      list(block.elements, `${at}/elements`, SLACK_LIMITS.actionsElements).forEach((element, i) => {
        const path = `${at}/elements/${i}`;
        if (!isObject(element) || typeof element.type !== 'string')
          throw new Problem('must be an element', path);
        if (element.type !== 'button') return;
        text(element.text, `${path}/text`, SLACK_LIMITS.buttonText, true);
        if (
          element.url !== undefined &&
          (typeof element.url !== 'string' || element.url.length > SLACK_LIMITS.url)
        ) {
          throw new Problem(`must be a string of at most ${SLACK_LIMITS.url} characters`, `${path}/url`);
        }
      });
      return;
    case 'divider':
      return;
    default:
      // Other known types pass unchecked: leadpipe does not send them.
      return;
  }
}
