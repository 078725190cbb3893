import { parseConfig } from '../../functions/config/load.ts';
import type { DestinationConfig, LeadpipeConfig } from '../../schemas/generated/config.ts';

/** Standard Webhooks secret of the test source ("leadpipe-e2e-secret", base64 after whsec_). */
export const E2E_SECRETS: Readonly<Record<string, string>> = {
  E2E_SOURCE_SECRET: `whsec_${Buffer.from('leadpipe-e2e-secret').toString('base64')}`,
  E2E_HUBSPOT_TOKEN: 'pat-e2e-token',
  E2E_SALESFORCE_CLIENT_ID: 'e2e-client-id',
  E2E_SALESFORCE_CLIENT_SECRET: 'e2e-client-secret',
  E2E_SLACK_TOKEN: 'xoxb-e2e-token',
};

/** Resolves the env: references of the e2e configs from E2E_SECRETS (a missing one throws). */
export async function resolveE2eSecret(ref: string): Promise<string> {
  const value = E2E_SECRETS[ref.replace(/^env:/, '')];
  if (value === undefined) throw new Error(`No e2e secret for ${ref}`);
  return value;
}

/** The e2e destinations, each pointing at its sandbox on the local host. */
export const E2E_DESTINATIONS = {
  hubspot: { type: 'hubspot', accessToken: 'env:E2E_HUBSPOT_TOKEN' },
  salesforce: {
    type: 'salesforce',
    auth: { clientId: 'env:E2E_SALESFORCE_CLIENT_ID', clientSecret: 'env:E2E_SALESFORCE_CLIENT_SECRET' },
    externalIdField: 'Email_Key__c',
  },
  slack: {
    type: 'slack',
    token: 'env:E2E_SLACK_TOKEN',
    channel: '#hot-leads',
    filter: { score: [{ numeric: ['>=', 70] }] },
  },
} as const satisfies Record<string, DestinationConfig>;

/**
 * A validated config with one Standard Webhooks source, `form` (generic preset), and the given
 * destinations; `alertsTo` names the Slack destination that takes ops alerts.
 */
export function e2eConfig(
  destinations: Record<string, DestinationConfig>,
  options: { alertsTo?: string } = {},
): LeadpipeConfig {
  const config = {
    settings: {
      phoneRegion: 'US',
      ...(options.alertsTo ? { alerts: { destination: options.alertsTo, channel: '#leadpipe-ops' } } : {}),
    },
    sources: {
      form: {
        verify: { scheme: 'standard-webhooks', secrets: ['env:E2E_SOURCE_SECRET'] },
        mapping: { preset: 'generic' },
      },
    },
    destinations,
  };
  return parseConfig(JSON.stringify(config), 'e2e-config.json');
}

/** A generic-preset form submission; `index` makes the email unique. */
export function formPayload(
  index: number,
  fields: { score?: number; email?: string | null; phone?: string; company?: string } = {},
): Record<string, unknown> {
  const id = String(index).padStart(5, '0');
  return {
    ...(fields.email === null ? {} : { email: fields.email ?? `lead-${id}@e2e.example.com` }),
    first_name: 'Test',
    last_name: `Lead ${id}`,
    company: fields.company ?? `Company ${id}`,
    ...(fields.phone ? { phone: fields.phone } : {}),
    score: fields.score ?? 40,
    message: 'Interested in a demo.',
  };
}

/** The email formPayload(index) gets by default (lower-cased, as the pipeline stores it). */
export const formEmail = (index: number) => `lead-${String(index).padStart(5, '0')}@e2e.example.com`;
