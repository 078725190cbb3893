import type { HubspotSandboxCounts } from '../../adapters/hubspot/sandbox.ts';
import type { SlackSandboxRecords } from '../../adapters/slack/sandbox.ts';

/** What the HubSpot sandbox's GET /__sandbox/records answers. */
export interface HubspotRecords {
  contacts: { id: string; properties: Record<string, string> }[];
  requests: HubspotSandboxCounts;
}

/** What the Salesforce sandbox's GET /__sandbox/records answers. */
export interface SalesforceRecords {
  records: Record<string, Record<string, unknown>[]>;
  requests: {
    apiCalls: number;
    upsertCalls: number;
    createCalls: number;
    updateCalls: number;
    queries: number;
    upsertedRecords: number;
    failedRecords: number;
    tokenRequests: number;
  };
}

async function records<T>(baseUrl: string, sandbox: string): Promise<T> {
  const url = `${baseUrl.replace(/\/$/, '')}/sandbox/${sandbox}/__sandbox/records`;
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
  return (await response.json()) as T;
}

/** The records of the sandboxes mounted on a local host at `baseUrl`. */
export const sandboxRecords = {
  hubspot: (baseUrl: string) => records<HubspotRecords>(baseUrl, 'hubspot'),
  salesforce: (baseUrl: string) => records<SalesforceRecords>(baseUrl, 'salesforce'),
  slack: (baseUrl: string) => records<SlackSandboxRecords>(baseUrl, 'slack'),
};

/** Replaces a mounted sandbox's faults (omitted ones go back to none). */
export async function setSandboxFaults(
  baseUrl: string,
  sandbox: 'hubspot' | 'salesforce' | 'slack',
  faults: Record<string, number>,
): Promise<void> {
  const url = `${baseUrl.replace(/\/$/, '')}/sandbox/${sandbox}/__sandbox/faults`;
  const response = await fetch(url, { method: 'POST', body: JSON.stringify(faults) });
  if (!response.ok) throw new Error(`POST ${url} answered ${response.status}: ${await response.text()}`);
}

/** How many times each needle occurs in the Slack messages posted to `channel` (text and blocks). */
export function slackMentions(
  slack: SlackSandboxRecords,
  channel: string,
  needles: readonly string[],
): Map<string, number> {
  const bare = channel.replace(/^#/, '');
  const counts = new Map(needles.map((needle) => [needle, 0]));
  const wanted = new Set(needles);
  for (const message of slack.messages) {
    if ((message.channelName ?? message.channel).replace(/^#/, '') !== bare) continue;
    // Count each needle once per message: the fallback text and the blocks may both name it.
    const text = JSON.stringify(message.blocks ?? []);
    for (const needle of wanted) if (text.includes(needle)) counts.set(needle, (counts.get(needle) ?? 0) + 1);
  }
  return counts;
}
