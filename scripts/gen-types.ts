// Generates, from the JSON Schemas (the single source of truth), the TypeScript types and the
// precompiled validators (Ajv standalone code), so no function compiles a schema at cold start.
// `npm run gen:types` writes them; a unit test fails when they are stale.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { _, Ajv, type Options } from 'ajv';
import standaloneModule from 'ajv/dist/standalone/index.js';
import addFormatsModule from 'ajv-formats';
import { compile } from 'json-schema-to-typescript';

// Both are CommonJS; under ESM their function arrives as the default export.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const standaloneCode = (
  standaloneModule as unknown as { default: (ajv: Ajv, refs: Record<string, string>) => string }
).default;

const root = join(import.meta.dirname, '..');
const generated = join(root, 'schemas', 'generated');
const schemas = [
  ['lead.schema.json', 'lead.ts'],
  ['lead-received.event.schema.json', 'lead-received-event.ts'],
  ['lead-reference.event.schema.json', 'lead-reference-event.ts'],
  ['config.schema.json', 'config.ts'],
  ['ops-alert.event.schema.json', 'ops-alert-event.ts'],
  ['ledger-event.schema.json', 'ledger-event.ts'],
] as const;

type SchemaFile = (typeof schemas)[number][0];

interface ValidatorModule {
  /** File name in schemas/generated/, without extension: a `.js` module and its `.d.ts`. */
  name: string;
  /** Config validation fills in the schema's defaults, so code reads one complete config. */
  useDefaults: boolean;
  /** Exported name → the schema it validates and the generated type it narrows to. */
  exports: Record<string, { schema: SchemaFile; type: string; from: string }>;
}

// Two modules because `useDefaults` is an Ajv instance option: the lead and event validators
// must never change what they check, while the config validator fills in defaults in place.
const VALIDATOR_MODULES: readonly ValidatorModule[] = [
  {
    name: 'validators',
    useDefaults: false,
    exports: {
      validateLead: { schema: 'lead.schema.json', type: 'Lead', from: './lead.ts' },
      validateLeadReceived: {
        schema: 'lead-received.event.schema.json',
        type: 'LeadReceivedEvent',
        from: './lead-received-event.ts',
      },
      validateLeadReference: {
        schema: 'lead-reference.event.schema.json',
        type: 'LeadReferenceEvent',
        from: './lead-reference-event.ts',
      },
      validateOpsAlert: {
        schema: 'ops-alert.event.schema.json',
        type: 'OpsAlert',
        from: './ops-alert-event.ts',
      },
      validateLedgerEvent: {
        schema: 'ledger-event.schema.json',
        type: 'LedgerEvent',
        from: './ledger-event.ts',
      },
    },
  },
  {
    name: 'config-validator',
    useDefaults: true,
    exports: {
      validateConfig: { schema: 'config.schema.json', type: 'LeadpipeConfig', from: './config.ts' },
    },
  },
];

/** The Ajv settings every schema is checked with (they used to be the runtime's; now they are the build's). */
function ajvOptions(useDefaults: boolean): Options {
  return {
    // strictRequired is off because `required` inside if/then/not checks properties declared one level up.
    allErrors: true,
    strict: true,
    strictRequired: false,
    allowUnionTypes: true,
    discriminator: true,
    useDefaults,
    // ajv-formats would reference its formats as `require(...)`; naming them here keeps that in one
    // place, and esmImports below turns every require into an import.
    code: { source: true, esm: true, formats: _`require("ajv-formats/dist/formats").fullFormats` },
  };
}

async function readSchema(file: string): Promise<{ $id: string; title: string }> {
  return JSON.parse(await readFile(join(root, 'schemas', file), 'utf8'));
}

/**
 * Ajv's standalone code still loads its runtime helpers (and the formats) with `require`, even in
 * ESM output, and an ES module has no `require`: each one becomes a namespace import. Node hands a
 * CommonJS module over as the namespace's `default`, while Vitest and esbuild may unwrap a module
 * marked `__esModule`; `commonjs` takes `module.exports` either way.
 */
function esmImports(code: string): string {
  const specifiers = new Map<string, string>();
  const body = code
    .replace(/^"use strict";/, '')
    .replace(/require\("([^"]+)"\)/g, (_match, specifier: string) => {
      let local = specifiers.get(specifier);
      if (local === undefined) {
        local = `runtime${specifiers.size}`;
        specifiers.set(specifier, local);
      }
      return local;
    });
  if (specifiers.size === 0) return body;
  const lines = [...specifiers].map(
    ([specifier, local]) => `import * as ${local}Module from '${specifier}.js';\n`,
  );
  lines.push(
    'const commonjs = (namespace) => (namespace.default?.__esModule ? namespace.default : namespace);\n',
  );
  for (const local of specifiers.values()) lines.push(`const ${local} = commonjs(${local}Module);\n`);
  return lines.join('') + body;
}

/**
 * The Ajv instance the validators are generated from, with every schema registered. Tests compile
 * with it at run time to check that the generated code validates exactly as Ajv does.
 */
export async function createSchemaAjv(useDefaults: boolean): Promise<Ajv> {
  const ajv = new Ajv(ajvOptions(useDefaults));
  addFormats(ajv);
  for (const [schemaFile] of schemas) ajv.addSchema(await readSchema(schemaFile));
  return ajv;
}

async function generateValidatorModule(module: ValidatorModule): Promise<[string, string][]> {
  const ajv = await createSchemaAjv(module.useDefaults);
  const refs: Record<string, string> = {};
  for (const [exportName, { schema }] of Object.entries(module.exports)) {
    refs[exportName] = (await readSchema(schema)).$id;
  }
  const sources = [...new Set(Object.values(module.exports).map(({ schema }) => `schemas/${schema}`))];
  const banner = `// Generated from ${sources.join(', ')} by \`npm run gen:types\`. Do not edit.\n`;
  const js = `${banner}${esmImports(standaloneCode(ajv, refs))}\n`;

  const typeImports = Object.values(module.exports).map(
    ({ type, from }) => `import type { ${type} } from '${from}';\n`,
  );
  const declarations = Object.entries(module.exports).map(
    ([exportName, { type }]) => `export declare const ${exportName}: PrecompiledValidator<${type}>;\n`,
  );
  const validatorType =
    module.name === 'validators'
      ? [
          "import type { ErrorObject } from 'ajv';\n",
          ...typeImports,
          '\n/** A validator compiled at build time: after a call, `errors` lists the problems (null when valid). */\n',
          'export interface PrecompiledValidator<T> {\n  (data: unknown): data is T;\n  errors?: ErrorObject[] | null;\n}\n\n',
        ]
      : [...typeImports, "import type { PrecompiledValidator } from './validators.js';\n\n"];
  const dts = banner + validatorType.join('') + declarations.join('');
  return [
    [join(generated, `${module.name}.js`), js],
    [join(generated, `${module.name}.d.ts`), dts],
  ];
}

export async function generateTypes(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const [schemaFile, typeFile] of schemas) {
    const schema = await readSchema(schemaFile);
    const ts = await compile(schema as Parameters<typeof compile>[0], schema.title, {
      cwd: join(root, 'schemas'),
      bannerComment: `// Generated from schemas/${schemaFile} by \`npm run gen:types\`. Do not edit.`,
      additionalProperties: false,
      declareExternallyReferenced: typeFile !== 'lead-received-event.ts',
      style: { singleQuote: true },
      ignoreMinAndMaxItems: true,
    });
    const imports = typeFile === 'lead-received-event.ts' ? "import type { Lead } from './lead.ts';\n" : '';
    out.set(join(generated, typeFile), imports + ts);
  }
  return out;
}

/** The precompiled validators: for each module in VALIDATOR_MODULES its `.js` and `.d.ts`. */
export async function generateValidators(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const module of VALIDATOR_MODULES) {
    for (const [file, text] of await generateValidatorModule(module)) out.set(file, text);
  }
  return out;
}

/** Everything `npm run gen:types` writes, by absolute path. */
export async function generateAll(): Promise<Map<string, string>> {
  return new Map([...(await generateTypes()), ...(await generateValidators())]);
}

if (process.argv[1] === import.meta.filename) {
  for (const [file, text] of await generateAll()) {
    await writeFile(file, text);
    console.log(`wrote ${file}`);
  }
}
