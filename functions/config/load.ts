import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { LeadpipeConfig } from '../../schemas/generated/config.ts';
import leadSchema from '../../schemas/lead.schema.json' with { type: 'json' };
import { describeErrors, validateConfig } from '../../schemas/validate.ts';
import { ConfigError } from './errors.ts';

export const DEFAULT_CONFIG_FILE = 'leadpipe.config.yaml';

/** Extra checks that a schema cannot express; each returns problems, not throws. */
export type ConfigCheck = (config: LeadpipeConfig) => string[];

/**
 * Parses and validates a config (YAML or JSON), fills in defaults, and runs the cross-checks.
 * Throws ConfigError listing every problem at once.
 */
export function parseConfig(text: string, file: string, checks: readonly ConfigCheck[] = []): LeadpipeConfig {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new ConfigError(
      file,
      document.errors.map((error) => error.message.split('\n')[0] ?? error.message),
    );
  }
  const data: unknown = document.toJS();
  if (!validateConfig(data)) throw new ConfigError(file, describeErrors(validateConfig.errors));
  const problems = [...crossChecks(data), ...checks.flatMap((check) => check(data))];
  if (problems.length > 0) throw new ConfigError(file, problems);
  return data;
}

/** Reads and parses the config file. */
export async function loadConfig(path: string, checks: readonly ConfigCheck[] = []): Promise<LeadpipeConfig> {
  const file = resolve(path);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigError(
      file,
      [`cannot read the config file (${(error as NodeJS.ErrnoException).code ?? error})`],
      {
        cause: error,
      },
    );
  }
  return parseConfig(text, file, checks);
}

const leadFields = new Set(Object.keys(leadSchema.properties));
const nestedLeadFields = new Set(['consent', 'utm', 'attribution', 'custom', 'raw']);

/** A destination filter or field mapping may only name fields a lead can have. */
export function isLeadField(path: string): boolean {
  const [head, ...rest] = path.split('.');
  if (!head || !leadFields.has(head)) return false;
  return rest.length === 0 || nestedLeadFields.has(head);
}

function crossChecks(config: LeadpipeConfig): string[] {
  const problems: string[] = [];
  const alerts = config.settings?.alerts;
  if (alerts) {
    const target = config.destinations[alerts.destination];
    if (!target) problems.push(`settings.alerts.destination: no destination named "${alerts.destination}"`);
    else if (target.type !== 'slack') {
      problems.push(
        `settings.alerts.destination: "${alerts.destination}" is a ${target.type} destination; alerts need a slack one`,
      );
    }
  }
  for (const [name, destination] of Object.entries(config.destinations)) {
    for (const field of Object.keys(destination.filter ?? {})) {
      if (!isLeadField(field)) problems.push(`destinations.${name}.filter: "${field}" is not a lead field`);
    }
    const mapped =
      destination.type === 'hubspot'
        ? destination.properties
        : destination.type === 'salesforce'
          ? destination.fields
          : undefined;
    for (const field of Object.keys(mapped ?? {})) {
      if (!isLeadField(field)) problems.push(`destinations.${name}: "${field}" is not a lead field`);
    }
  }
  return problems;
}
