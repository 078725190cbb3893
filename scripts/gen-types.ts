// Generates the TypeScript types from the JSON Schemas, the single source of truth.
// `npm run gen:types` writes them; a unit test fails when they are stale.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { compile } from 'json-schema-to-typescript';

const root = join(import.meta.dirname, '..');
const schemas = [
  ['lead.schema.json', 'lead.ts'],
  ['lead-received.event.schema.json', 'lead-received-event.ts'],
  ['config.schema.json', 'config.ts'],
  ['ops-alert.event.schema.json', 'ops-alert-event.ts'],
] as const;

export async function generateTypes(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const [schemaFile, typeFile] of schemas) {
    const schema = JSON.parse(await readFile(join(root, 'schemas', schemaFile), 'utf8'));
    const ts = await compile(schema, schema.title, {
      cwd: join(root, 'schemas'),
      bannerComment: `// Generated from schemas/${schemaFile} by \`npm run gen:types\`. Do not edit.`,
      additionalProperties: false,
      declareExternallyReferenced: typeFile !== 'lead-received-event.ts',
      style: { singleQuote: true },
      ignoreMinAndMaxItems: true,
    });
    const imports = typeFile === 'lead-received-event.ts' ? "import type { Lead } from './lead.ts';\n" : '';
    out.set(join(root, 'schemas', 'generated', typeFile), imports + ts);
  }
  return out;
}

if (process.argv[1] === import.meta.filename) {
  for (const [file, ts] of await generateTypes()) {
    await writeFile(file, ts);
    console.log(`wrote ${file}`);
  }
}
