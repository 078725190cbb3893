import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../adapters/sandbox/kit.ts';
import { type DeadLetter, describeDeadLetter } from '../../functions/deliver/dead-letter.ts';
import type { QueueDepth } from '../../functions/ports.ts';
import { type LocalHost, startLocalHost } from '../../local/host.ts';
import { E2E_DESTINATIONS, e2eConfig, formPayload, resolveE2eSecret } from '../support/config.ts';
import { sandboxRecords, slackMentions } from '../support/sandboxes.ts';
import { waitUntil } from '../support/wait.ts';
import { createWebhookSender, sendAll } from '../support/webhooks.ts';

/**
 * Chaos: 2,000 leads through the whole local pipeline while each CRM sandbox answers 3.5 % of calls
 * with its own 5xx, 2 % with its own rate-limit answer, and adds latency. A HubSpot delivery of new
 * persons makes three calls (read by person id, read by email, create), so about 15 % of its
 * attempts fail, as many as when it was one upsert call at 10 % + 5 % (Slack keeps those rates: its
 * deliveries are one call each). Deterministic subsets are
 * hot (Slack), phone-only, or invalid for one CRM; the randomness of the faults is seeded.
 */
const LEADS = 2000;
const SEED = 20261121;
const FAULTS = { serverErrorRate: 0.035, rateLimitRate: 0.02, retryAfterSeconds: 1, latencyMs: 15 };
/** Slack makes one call per message (about 250 here), so it keeps the rates that make its faults felt. */
const SLACK_FAULTS = { ...FAULTS, serverErrorRate: 0.1, rateLimitRate: 0.05 };
/** Org validation rule in the Salesforce sandbox: leads from this domain are refused per record. */
const RULE_DOMAIN = 'rules.example.com';
const RULE_MESSAGE = 'Leads from partner domains are entered by the partner team';

type Kind = 'valid' | 'hot' | 'phone-only' | 'hubspot-invalid' | 'salesforce-invalid';

/** Which subset lead `index` is in; hot leads are always valid, invalid ones never hot. */
function kindOf(index: number): Kind {
  if (index % 40 === 7) return 'phone-only';
  // A TLD with a digit: valid for the lead schema and Salesforce, refused per record by HubSpot.
  if (index % 40 === 17) return 'hubspot-invalid';
  if (index % 40 === 27) return 'salesforce-invalid';
  if (index % 10 === 3) return 'hot';
  return 'valid';
}

function emailOf(index: number, kind: Kind): string | undefined {
  const local = `chaos-${String(index).padStart(5, '0')}`;
  if (kind === 'phone-only') return undefined;
  if (kind === 'hubspot-invalid') return `${local}@example.c0m`;
  if (kind === 'salesforce-invalid') return `${local}@${RULE_DOMAIN}`;
  return `${local}@example.com`;
}

/** Each phone-only lead is its own person: a distinct number (Ofcom's drama range, 020 7946 0000-0999). */
function phoneOf(index: number): string {
  return `+44207946${String(Math.floor(index / 40)).padStart(4, '0')}`;
}

const queued = (depth: QueueDepth) => depth.visible + depth.inFlight + depth.delayed;

interface SentLead {
  index: number;
  kind: Kind;
  email: string | undefined;
  leadId: string;
}

describe('chaos: 2,000 leads, faults in every sandbox', () => {
  let host: LocalHost;
  const sent: SentLead[] = [];

  beforeAll(async () => {
    // Small CRM batches: more calls, so the fault rates are felt (2,000 leads in batches of 100 is only 20 calls).
    const delivery = { maxAttempts: 10, batchSize: 20 };
    const config = e2eConfig(
      {
        hubspot: { ...E2E_DESTINATIONS.hubspot, delivery },
        salesforce: { ...E2E_DESTINATIONS.salesforce, delivery },
        slack: { ...E2E_DESTINATIONS.slack, delivery: { maxAttempts: 10 } },
      },
      { alertsTo: 'slack' },
    );
    host = await startLocalHost({
      config,
      port: 0,
      resolveSecret: resolveE2eSecret,
      throttle: { limit: { ratePerSecond: 100_000, burst: 100_000 } },
      sandboxes: {
        hubspot: { faults: FAULTS, random: seededRandom(SEED) },
        salesforce: {
          faults: FAULTS,
          random: seededRandom(SEED + 1),
          recordFault: (record) =>
            String(record.Email ?? '').endsWith(`@${RULE_DOMAIN}`)
              ? { statusCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', message: RULE_MESSAGE, fields: [] }
              : undefined,
        },
        slack: { faults: SLACK_FAULTS, random: seededRandom(SEED + 2) },
      },
    });

    const sender = await createWebhookSender({
      baseUrl: host.url,
      config,
      source: 'form',
      resolveSecret: resolveE2eSecret,
    });
    const leads = Array.from({ length: LEADS }, (_, index) => {
      const kind = kindOf(index);
      const email = emailOf(index, kind);
      return { index, kind, email };
    });
    const answers = await sendAll(
      sender,
      leads.map(({ index, kind, email }) =>
        formPayload(index, {
          email: email ?? null,
          score: kind === 'hot' ? 85 : 30,
          ...(kind === 'phone-only' ? { phone: phoneOf(index) } : {}),
        }),
      ),
      64,
    );
    for (const [i, answer] of answers.entries()) {
      if (answer.status !== 202) throw new Error(`lead ${i} was answered ${answer.status}: ${answer.body}`);
      const lead = leads[i] as (typeof leads)[number];
      sent.push({ ...lead, leadId: (JSON.parse(answer.body) as { leadId: string }).leadId });
    }

    // Phone-only leads reach both CRMs: each person is a contact without email, and a Lead.
    const expectedIn = {
      hubspot: sent.filter((lead) => lead.kind !== 'hubspot-invalid').length,
      salesforce: sent.filter((lead) => lead.kind !== 'salesforce-invalid').length,
    };
    const progress = async () => {
      const [hubspot, salesforce] = await Promise.all([
        sandboxRecords.hubspot(host.url),
        sandboxRecords.salesforce(host.url),
      ]);
      const depths = await Promise.all(
        Object.values(host.queues).map(async (queue) => queued((await queue.depth()).queue)),
      );
      return {
        hubspot: hubspot.contacts.length,
        salesforce: salesforce.records.Lead?.length ?? 0,
        queued: depths.reduce((sum, depth) => sum + depth, 0),
      };
    };
    // Settled: both CRMs hold what they should and every queue is empty (nothing in flight that could still land twice).
    await waitUntil(
      'every queue to drain',
      async () => {
        const now = await progress();
        return now.hubspot >= expectedIn.hubspot &&
          now.salesforce >= expectedIn.salesforce &&
          now.queued === 0
          ? now
          : undefined;
      },
      { timeoutMs: 100_000, intervalMs: 250, describe: async () => JSON.stringify(await progress()) },
    );
  }, 170_000);

  afterAll(async () => {
    await host?.end();
  });

  const emailsOf = (kinds: readonly Kind[]) =>
    sent
      .filter((lead) => kinds.includes(lead.kind))
      .map((lead) => lead.email as string)
      .sort();
  const deadLetters = async (destination: string): Promise<DeadLetter[]> => {
    const queue = host.queues[destination];
    if (!queue) throw new Error(`no ${destination} queue`);
    // Every one: at most each lead once per destination.
    return (await queue.peekDeadLetters(LEADS)).map(describeDeadLetter);
  };
  const phonesOf = (kinds: readonly Kind[]) =>
    sent
      .filter((lead) => kinds.includes(lead.kind))
      .map((lead) => phoneOf(lead.index))
      .sort();
  const idsOf = (kinds: readonly Kind[]) =>
    sent
      .filter((lead) => kinds.includes(lead.kind))
      .map((lead) => lead.leadId)
      .sort();

  it('actually injected faults into every sandbox', async () => {
    // Act
    const [hubspot, salesforce, slack] = await Promise.all([
      sandboxRecords.hubspot(host.url),
      sandboxRecords.salesforce(host.url),
      sandboxRecords.slack(host.url),
    ]);

    // Assess
    expect(hubspot.requests.serverErrors).toBeGreaterThan(0);
    expect(hubspot.requests.faultRateLimited).toBeGreaterThan(0);
    expect(hubspot.requests.recordErrors).toBeGreaterThan(0);
    // The Salesforce sandbox does not count the faults it injects; its per-record refusals show here.
    expect(salesforce.requests.failedRecords).toBeGreaterThan(0);
    expect(slack.requests.serverErrors + slack.requests.rateLimited).toBeGreaterThan(0);
  });

  it('has every lead valid for HubSpot there exactly once, phone-only ones as contacts without email, and no other', async () => {
    // Act
    const { contacts } = await sandboxRecords.hubspot(host.url);

    // Assess
    const withEmail = contacts.filter((contact) => contact.properties.email);
    const phoneOnly = contacts.filter((contact) => !contact.properties.email);
    expect(withEmail.map((contact) => contact.properties.email).sort()).toEqual(
      emailsOf(['valid', 'hot', 'salesforce-invalid']),
    );
    expect(phoneOnly.map((contact) => contact.properties.phone).sort()).toEqual(phonesOf(['phone-only']));
    const persons = new Set(contacts.map((contact) => contact.properties.leadpipe_person_id));
    expect(persons.size).toBe(contacts.length);
  });

  it('has every lead valid for Salesforce there exactly once, phone-only ones too, and no other', async () => {
    // Act
    const { records } = await sandboxRecords.salesforce(host.url);

    // Assess
    const leads = records.Lead ?? [];
    const withEmail = leads.filter((lead) => typeof lead.Email === 'string');
    const phoneOnly = leads.filter((lead) => typeof lead.Email !== 'string');
    expect(withEmail.map((lead) => String(lead.Email).toLowerCase()).sort()).toEqual(
      emailsOf(['valid', 'hot', 'hubspot-invalid']),
    );
    expect(phoneOnly.map((lead) => String(lead.Phone)).sort()).toEqual(phonesOf(['phone-only']));
    const persons = new Set(leads.map((lead) => lead.Leadpipe_Person_Id__c));
    expect(persons.size).toBe(leads.length);
  });

  it('alerted Slack once per hot lead (alone or as a digest line), and for no other lead', async () => {
    // Prepare
    const slack = await sandboxRecords.slack(host.url);
    const hot = emailsOf(['hot']);
    const cold = emailsOf(['valid']);

    // Act
    const hotMentions = slackMentions(slack, '#hot-leads', hot);
    const coldMentions = slackMentions(slack, '#hot-leads', cold);

    // Assess
    expect(hot.length).toBe(LEADS / 10);
    expect([...hotMentions.entries()].filter(([, count]) => count !== 1)).toEqual([]);
    expect([...coldMentions.values()].every((count) => count === 0)).toBe(true);
  });

  it('dead-lettered exactly the leads HubSpot refuses, each with its reason', async () => {
    // Act
    const letters = await deadLetters('hubspot');

    // Assess
    expect(letters.map((letter) => letter.leadId).sort()).toEqual(idsOf(['hubspot-invalid']));
    for (const letter of letters) {
      expect(letter.hasLeadpipeAttributes).toBe(true);
      expect(letter.reason).toMatch(/INVALID_EMAIL|invalid/i);
      // Reasons name no personal data.
      expect(letter.reason).not.toContain('chaos-');
    }
  });

  it('dead-lettered exactly the leads Salesforce refuses, each with its reason', async () => {
    // Act
    const letters = await deadLetters('salesforce');

    // Assess
    expect(letters.map((letter) => letter.leadId).sort()).toEqual(idsOf(['salesforce-invalid']));
    for (const letter of letters) expect(letter.reason).toContain(RULE_MESSAGE);
  });

  it('lost nothing: Slack dead-lettered nothing, and every queue is empty', async () => {
    // Act
    const slackLetters = await deadLetters('slack');
    const depths = await Promise.all(
      Object.values(host.queues).map(async (queue) => (await queue.depth()).queue),
    );

    // Assess
    expect(slackLetters).toEqual([]);
    expect(depths.every((depth) => queued(depth) === 0)).toBe(true);
  });
});
