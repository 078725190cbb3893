import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ErrorObject } from 'ajv';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  type PrecompiledValidator,
  validateConfig,
  validateLead,
  validateLeadReceived,
  validateOpsAlert,
} from '../../../schemas/validate.ts';
import { createSchemaAjv } from '../../../scripts/gen-types.ts';
import { fullLead, leadReceived } from './lead-factory.ts';

const root = join(import.meta.dirname, '../../..');
const GENERATED = ['schemas/generated/validators.js', 'schemas/generated/config-validator.js'];

const ids = {
  lead: 'https://leadpipe.dev/schemas/lead.schema.json',
  leadReceived: 'https://leadpipe.dev/schemas/lead-received.event.schema.json',
  opsAlert: 'https://leadpipe.dev/schemas/ops-alert.event.schema.json',
  config: 'https://leadpipe.dev/schemas/config.schema.json',
};

const defaultConfig: Record<string, unknown> = parse(
  await readFile(join(root, 'leadpipe.config.yaml'), 'utf8'),
);

/** The parts of an error a caller reads; Ajv's run-time errors also carry nothing else here. */
const summary = (errors: readonly ErrorObject[] | null | undefined) =>
  (errors ?? []).map(({ instancePath, schemaPath, keyword, params, message }) => ({
    instancePath,
    schemaPath,
    keyword,
    params,
    message,
  }));

interface Case {
  name: string;
  validate: PrecompiledValidator<unknown>;
  schema: keyof typeof ids;
  valid: boolean;
  input: () => unknown;
}

const lead = (change: Record<string, unknown>) => () => ({ ...fullLead(), ...change });
type Destinations = Record<string, Record<string, unknown>>;
const config = (change: (destinations: Destinations) => void) => () => {
  const copy = structuredClone(defaultConfig);
  change(copy.destinations as Destinations);
  return copy;
};

// Each row is validated twice, by the generated code and by Ajv compiling the schema now with the
// generator's own settings: same verdict, same errors, and the same defaults filled in.
const cases: Case[] = [
  { name: 'a valid lead', validate: validateLead, schema: 'lead', valid: true, input: lead({}) },
  {
    name: 'a lead with a bad email, phone and score',
    validate: validateLead,
    schema: 'lead',
    valid: false,
    input: lead({ email: 'nope', phone: '0123', score: 101 }),
  },
  {
    name: 'a lead with neither email nor phone',
    validate: validateLead,
    schema: 'lead',
    valid: false,
    input: lead({ email: undefined, phone: undefined }),
  },
  {
    name: 'a lead whose company is 255 emoji (counted as characters, not UTF-16 units)',
    validate: validateLead,
    schema: 'lead',
    valid: true,
    input: lead({ company: '🚀'.repeat(255) }),
  },
  {
    name: 'a lead whose company is 256 emoji',
    validate: validateLead,
    schema: 'lead',
    valid: false,
    input: lead({ company: '🚀'.repeat(256) }),
  },
  {
    name: 'a lead whose receivedAt is not a real date-time',
    validate: validateLead,
    schema: 'lead',
    valid: false,
    input: lead({ receivedAt: '2026-02-30T25:00:00Z' }),
  },
  {
    name: 'a valid lead.received detail',
    validate: validateLeadReceived,
    schema: 'leadReceived',
    valid: true,
    input: () => leadReceived(fullLead()),
  },
  {
    name: 'a lead.received detail with a broken lead',
    validate: validateLeadReceived,
    schema: 'leadReceived',
    valid: false,
    input: () => leadReceived(fullLead({ score: -1 })),
  },
  {
    name: 'a quarantined alert',
    validate: validateOpsAlert,
    schema: 'opsAlert',
    valid: true,
    input: () => ({ kind: 'quarantined', source: 's', quarantineId: 'q', reason: 'r' }),
  },
  {
    name: 'an alert of an unknown kind',
    validate: validateOpsAlert,
    schema: 'opsAlert',
    valid: false,
    input: () => ({ kind: 'exploded', reason: 'r' }),
  },
  {
    name: 'the default config',
    validate: validateConfig,
    schema: 'config',
    valid: true,
    input: config(() => {}),
  },
  {
    name: 'a config with a misspelt destination type',
    validate: validateConfig,
    schema: 'config',
    valid: false,
    input: config((destinations) => {
      destinations.hubspot = { type: 'hubspott' };
    }),
  },
  {
    name: 'a config with a plain-text secret',
    validate: validateConfig,
    schema: 'config',
    valid: false,
    input: config((destinations) => {
      destinations.slack = { ...destinations.slack, token: 'xoxb-123' };
    }),
  },
];

describe('precompiled validators', () => {
  it.each(cases)(
    'agree with Ajv compiling at run time on $name',
    async ({ validate, schema, valid, input }) => {
      // Prepare
      const ajv = await createSchemaAjv(schema === 'config');
      const compiled = ajv.getSchema(ids[schema]);
      if (!compiled) throw new Error(`${schema} is not registered`);
      const data = input();
      const forGenerated = structuredClone(data);
      const forAjv = structuredClone(data);

      // Act
      const generatedVerdict = validate(forGenerated);
      const ajvVerdict = compiled(forAjv);

      // Assess
      expect(generatedVerdict).toBe(valid);
      expect(ajvVerdict).toBe(valid);
      expect(summary(validate.errors)).toEqual(summary(compiled.errors));
      expect(forGenerated).toEqual(forAjv);
    },
  );

  it('validateConfig fills in the schema defaults, in place', async () => {
    // Prepare
    const withoutRegion = structuredClone(defaultConfig);
    delete (withoutRegion.settings as Record<string, unknown>).phoneRegion;

    // Act
    const valid = validateConfig(withoutRegion);

    // Assess
    expect(valid).toBe(true);
    expect(withoutRegion.settings).toMatchObject({ phoneRegion: 'US', maxBodyBytes: 262144 });
  });

  it('validateLead never fills anything in', () => {
    // Prepare
    const lead = fullLead();
    const before = structuredClone(lead);

    // Act
    validateLead(lead);

    // Assess
    expect(lead).toEqual(before);
  });

  it.each(GENERATED)('%s is an ES module with no require and no code built at run time', async (file) => {
    // Act
    const text = await readFile(join(root, file), 'utf8');

    // Assess
    expect(text).not.toMatch(/\brequire\(/);
    expect(text).not.toMatch(/new Function|\beval\(/);
    expect(text).toMatch(/^export const validate\w+ = validate\d+;/m);
  });

  it('schemas/validate.ts bundles without the Ajv compiler', async () => {
    // Act
    const result = await build({
      entryPoints: [join(root, 'schemas/validate.ts')],
      bundle: true,
      write: false,
      metafile: true,
      format: 'esm',
      platform: 'node',
      outfile: join(root, 'unused.mjs'),
      logLevel: 'error',
    });
    const inputs = Object.keys(result.metafile.inputs);

    // Assess
    expect(inputs.filter((input) => input.includes('schemas/generated/'))).toHaveLength(2);
    for (const compilerPart of ['ajv/dist/core.js', 'ajv/dist/compile/', 'ajv/dist/ajv.js', 'fast-uri']) {
      expect(
        inputs.filter((input) => input.includes(compilerPart)),
        compilerPart,
      ).toEqual([]);
    }
  });
});
