/**
 * Slack's published message and Block Kit limits (docs.slack.dev: chat.postMessage, the block reference pages).
 * The message builders stay inside them and the sandbox enforces them, so a message the sandbox accepts is one
 * Slack accepts too.
 */
export const SLACK_LIMITS = {
  /** Blocks per message. */
  blocks: 50,
  /** `text` of a section block (mrkdwn or plain_text). */
  sectionText: 3000,
  /** Items in a section's `fields`, and the text of each. */
  sectionFields: 10,
  fieldText: 2000,
  /** A header block's plain_text. */
  headerText: 150,
  /** Elements of a context block. */
  contextElements: 10,
  /** Elements of an actions block, a button's label and its url. */
  actionsElements: 25,
  buttonText: 75,
  url: 3000,
  blockId: 255,
  /** The top-level `text`: Slack truncates beyond it; the sandbox refuses it with msg_too_long. */
  messageText: 40_000,
  /**
   * Total text across all blocks. Undocumented for most block types: Slack answers msg_blocks_too_long at about
   * 12,000 characters (slackapi/bolt-js#2509, #2867), so builders keep well below it.
   */
  blocksTotalText: 12_000,
  /** Legacy attachments per message. */
  attachments: 100,
} as const;

/**
 * Leads per digest message. A digest is a header, one section per lead and a context line: 22 blocks of
 * Slack's 50, and its lines are also packed under DIGEST_TEXT_BUDGET, below the ~12,000 characters at which
 * Slack answers msg_blocks_too_long.
 */
export const SLACK_DIGEST_MAX_LEADS = 20;

/** Five digests: at one message per second a full batch is posted in about five seconds. */
export const SLACK_MAX_BATCH_SIZE = SLACK_DIGEST_MAX_LEADS * 5;
