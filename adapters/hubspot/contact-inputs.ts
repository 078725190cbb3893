import type { Lead } from '../../schemas/generated/lead.ts';

/** HubSpot's own contact properties that every lead fills when it has the value. */
export const DEFAULT_CONTACT_PROPERTIES: Readonly<Record<string, string>> = {
  email: 'email',
  firstName: 'firstname',
  lastName: 'lastname',
  phone: 'phone',
  company: 'company',
  message: 'message',
};

/** One upsert input: every lead that shares its email, merged. */
export interface ContactInput {
  /** Lower-cased email, the upsert key (`idProperty: 'email'`). */
  email: string;
  /** Sent as `objectWriteTraceId`, so per-input errors name the input: the first lead's id (never PII). */
  traceId: string;
  /** Ids of every lead merged into this input, in arrival order. */
  leadIds: string[];
  /** HubSpot property values; all strings, as HubSpot wants them. */
  properties: Record<string, string>;
}

export interface GroupedLeads {
  inputs: ContactInput[];
  /** Leads that cannot be upserted by email. */
  withoutEmail: Lead[];
}

/**
 * Turns leads into upsert inputs: one input per distinct email, later leads' non-empty values
 * winning, because HubSpot refuses a batch that names the same contact twice.
 */
export function groupLeadsByEmail(
  leads: readonly Lead[],
  extraProperties: Readonly<Record<string, string>> = {},
): GroupedLeads {
  const mapping = { ...DEFAULT_CONTACT_PROPERTIES, ...extraProperties };
  const byEmail = new Map<string, ContactInput>();
  const withoutEmail: Lead[] = [];
  for (const lead of leads) {
    const email = lead.email?.trim().toLowerCase();
    if (!email) {
      withoutEmail.push(lead);
      continue;
    }
    const properties = contactProperties(lead, mapping);
    properties.email = email;
    const existing = byEmail.get(email);
    if (existing) {
      existing.leadIds.push(lead.id);
      Object.assign(existing.properties, properties);
    } else {
      byEmail.set(email, { email, traceId: lead.id, leadIds: [lead.id], properties });
    }
  }
  return { inputs: [...byEmail.values()], withoutEmail };
}

/** Reads each mapped lead field (dotted paths like `utm.campaign`) as a non-empty string. */
export function contactProperties(
  lead: Lead,
  mapping: Readonly<Record<string, string>>,
): Record<string, string> {
  const properties: Record<string, string> = {};
  for (const [field, property] of Object.entries(mapping)) {
    const value = stringValue(readPath(lead, field));
    if (value !== undefined) properties[property] = value;
  }
  return properties;
}

function readPath(source: unknown, path: string): unknown {
  let current = source;
  for (const key of path.split('.')) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function stringValue(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() === '' ? undefined : value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return String(value);
  return undefined;
}

/** Splits a list into runs of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const runs: T[][] = [];
  for (let i = 0; i < items.length; i += size) runs.push(items.slice(i, i + size));
  return runs;
}

/**
 * The extra properties with the lead id added under `leadIdProperty` (config; off when unset), so a
 * person can go from a contact to the lead's log timeline. It wins over an `id` entry in `properties`.
 */
export function withLeadIdProperty(
  properties: Readonly<Record<string, string>> | undefined,
  leadIdProperty: string | undefined,
): Record<string, string> | undefined {
  if (leadIdProperty === undefined) return properties === undefined ? undefined : { ...properties };
  return { ...properties, id: leadIdProperty };
}
