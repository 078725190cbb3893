// The events on the bus as contracts: which JSON Schemas describe them, how one becomes a single
// self-contained document (its `$ref`s to other schema files resolved), and how that document is
// written in JSON Schema draft 4, the dialect EventBridge's schema registry takes besides OpenAPI 3.
// Pure functions, no CDK: the registry construct (event-schemas.ts) and the compatibility check
// (scripts/check-schema-compat.ts) both build on them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LEAD_REFERENCE } from '../functions/enrich/reference.ts';
import { EVENT_SOURCE, LEAD_RECEIVED, OPS_ALERT } from '../functions/routing/rules.ts';

/** A JSON Schema document or subschema, as parsed JSON. */
export type JsonSchema = { [keyword: string]: unknown };

export interface EventContract {
  /** The EventBridge detail-type. */
  readonly detailType: string;
  /** The schema of the event's `detail`, a file in schemas/. */
  readonly file: string;
  /** The schema's name in the registry, `<source>@<Name>` as EventBridge names discovered schemas. */
  readonly registryName: string;
}

/** Every event leadpipe publishes on its bus (schemas/asyncapi.yaml lists the same). */
export const EVENT_CONTRACTS: readonly EventContract[] = [
  {
    detailType: LEAD_RECEIVED,
    file: 'lead-received.event.schema.json',
    registryName: `${EVENT_SOURCE}@LeadReceived`,
  },
  {
    detailType: LEAD_REFERENCE,
    file: 'lead-reference.event.schema.json',
    registryName: `${EVENT_SOURCE}@LeadReference`,
  },
  { detailType: OPS_ALERT, file: 'ops-alert.event.schema.json', registryName: `${EVENT_SOURCE}@OpsAlert` },
];

export const SCHEMAS_DIR = join(import.meta.dirname, '..', 'schemas');
/** Every schema's `$id` is this plus its file name. */
export const SCHEMA_BASE_URL = 'https://leadpipe.dev/schemas/';
export const DRAFT_4 = 'http://json-schema.org/draft-04/schema#';

/** Reads schemas/<file>. */
export function readSchemaFile(file: string, dir = SCHEMAS_DIR): JsonSchema {
  return JSON.parse(readFileSync(join(dir, file), 'utf8')) as JsonSchema;
}

/** A loader for bundleSchema: a schema's `$id` is SCHEMA_BASE_URL + its file name, read from `dir`. */
export function schemaLoader(dir = SCHEMAS_DIR): (url: string) => JsonSchema {
  return (url) => {
    const file = new URL(url).pathname.split('/').pop() ?? '';
    const schema = readSchemaFile(file, dir);
    if (schema.$id !== url) throw new Error(`schemas/${file}: its $id is ${String(schema.$id)}, not ${url}`);
    return schema;
  };
}

const isObject = (value: unknown): value is JsonSchema =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Keywords whose value is a map of subschemas, a subschema, or an array of subschemas. */
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', 'definitions', '$defs', 'dependentSchemas']);
const SCHEMA_VALUES = new Set([
  'additionalProperties',
  'additionalItems',
  'items',
  'not',
  'if',
  'then',
  'else',
  'propertyNames',
  'contains',
]);
const SCHEMA_ARRAYS = new Set(['allOf', 'anyOf', 'oneOf', 'prefixItems', 'items']);

/** Applies `visit` to every subschema position of `schema` (not to `enum`, `const`, `default`… data). */
function mapSubschemas(schema: JsonSchema, visit: (sub: unknown, keyword: string, key?: string) => unknown) {
  const out: JsonSchema = {};
  for (const [keyword, value] of Object.entries(schema)) {
    if (SCHEMA_MAPS.has(keyword) && isObject(value)) {
      out[keyword] = Object.fromEntries(
        Object.entries(value).map(([key, sub]) => [key, visit(sub, keyword, key)]),
      );
    } else if (SCHEMA_ARRAYS.has(keyword) && Array.isArray(value)) {
      out[keyword] = value.map((sub, index) => visit(sub, keyword, String(index)));
    } else if (SCHEMA_VALUES.has(keyword) && (isObject(value) || typeof value === 'boolean')) {
      out[keyword] = visit(value, keyword);
    } else {
      out[keyword] = value;
    }
  }
  return out;
}

/** `#/$defs/x/…` → `/definitions/x/…`: the pointer part of a local reference, in draft-4 spelling. */
function pointerOf(hash: string): string {
  return decodeURIComponent(hash.replace(/^#/, '')).replace(/^\/\$defs\//, '/definitions/');
}

/**
 * One self-contained document from a schema and the schema files it references: each referenced
 * file is embedded once under `definitions/<its title>` (without its `$id`, so references inside it
 * resolve in the one document), every `$ref` rewritten to a local pointer, `$defs` folded into
 * `definitions`. Keywords are left in the source dialect.
 */
export function bundleSchema(root: JsonSchema, load: (url: string) => JsonSchema): JsonSchema {
  const rootUrl = String(root.$id ?? 'urn:leadpipe:root');
  const embedded = new Map<string, string>();
  const definitions: JsonSchema = {};
  const rootDefinitions = { ...(root.definitions as JsonSchema), ...(root.$defs as JsonSchema) };

  const embed = (url: string): string => {
    const known = embedded.get(url);
    if (known !== undefined) return known;
    const schema = load(url);
    const key = String(schema.title ?? url.split('/').pop());
    if (key in rootDefinitions || [...embedded.values()].includes(key)) {
      throw new Error(`${url}: its title "${key}" is already a definition of ${rootUrl}`);
    }
    embedded.set(url, key);
    const { $id: _id, $schema: _schema, ...rest } = schema;
    definitions[key] = rewrite(rest, url, `/definitions/${key}`);
    return key;
  };

  function rewrite(node: unknown, baseUrl: string, at: string): unknown {
    if (!isObject(node)) return node;
    const out = mapSubschemas(node, (sub) => rewrite(sub, baseUrl, at));
    if ('$defs' in out) {
      out.definitions = { ...(out.definitions as JsonSchema), ...(out.$defs as JsonSchema) };
      delete out.$defs;
    }
    if (typeof out.$ref === 'string') {
      const target = new URL(out.$ref, baseUrl);
      const document = target.href.replace(/#.*$/, '');
      const pointer = pointerOf(target.hash);
      if (document === rootUrl) out.$ref = `#${pointer}`;
      else if (document === baseUrl) out.$ref = `#${at}${pointer}`;
      else out.$ref = `#/definitions/${embed(document)}${pointer}`;
    }
    return out;
  }

  const bundled = rewrite(root, rootUrl, '') as JsonSchema;
  if (Object.keys(definitions).length > 0) {
    bundled.definitions = { ...(bundled.definitions as JsonSchema), ...definitions };
  }
  return bundled;
}

/** Draft-6+ annotations draft 4 does not know: dropped, they change no validation. */
const LATER_ANNOTATIONS = new Set([
  '$comment',
  'examples',
  'deprecated',
  'readOnly',
  'writeOnly',
  'contentMediaType',
  'contentEncoding',
  'contentSchema',
]);
/** Assertions draft 4 cannot express: dropped, so the draft-4 document accepts more, never less. */
const INEXPRESSIBLE = new Set(['propertyNames', 'contains', 'unevaluatedProperties', 'unevaluatedItems']);
/** Keywords a reference may point through: dropping them would break the document. */
const UNSUPPORTED = new Set([
  '$anchor',
  '$dynamicRef',
  '$dynamicAnchor',
  '$recursiveRef',
  '$recursiveAnchor',
]);

export interface Draft4Result {
  readonly schema: JsonSchema;
  /** JSON pointers of the assertions draft 4 cannot express, dropped (the document is looser there). */
  readonly dropped: readonly string[];
}

/**
 * A bundled draft-6/7/2019/2020 schema in draft-4 spelling: `const` → a one-value `enum`, numeric
 * `exclusiveMinimum`/`exclusiveMaximum` → `minimum`/`maximum` with the boolean flag, `$defs` →
 * `definitions`, `if`/`then`/`else` → `anyOf` clauses, `dependentRequired`/`dependentSchemas` →
 * `dependencies`, `prefixItems` → array `items`, boolean schemas → `{}` / `{ not: {} }`, keywords
 * beside a `$ref` (ignored by draft 4) moved into an `allOf` with it; `$id`s and later annotations
 * removed. What draft 4 cannot express at all is dropped and listed in `dropped`.
 */
export function toDraft4(schema: JsonSchema): Draft4Result {
  const dropped: string[] = [];
  const converted = convert(schema, '', dropped) as JsonSchema;
  return { schema: { $schema: DRAFT_4, ...converted }, dropped };
}

const negate = (schema: JsonSchema): JsonSchema =>
  Object.keys(schema).length === 1 && isObject(schema.not) ? schema.not : { not: schema };

function convert(node: unknown, pointer: string, dropped: string[]): unknown {
  if (node === true) return {};
  if (node === false) return { not: {} };
  if (!isObject(node)) return node;
  const out: JsonSchema = {};
  const hasPrefixItems = 'prefixItems' in node;
  for (const [keyword, value] of Object.entries(node)) {
    const at = `${pointer}/${keyword}`;
    if (keyword === '$schema' || keyword === '$id' || keyword === 'id' || LATER_ANNOTATIONS.has(keyword))
      continue;
    if (UNSUPPORTED.has(keyword)) throw new Error(`${at}: draft 4 has no equivalent of ${keyword}`);
    if (INEXPRESSIBLE.has(keyword)) {
      dropped.push(at);
      continue;
    }
    const sub = (value: unknown, path: string) => convert(value, path, dropped);
    if (
      keyword === '$defs' ||
      keyword === 'definitions' ||
      keyword === 'properties' ||
      keyword === 'patternProperties'
    ) {
      const target = keyword === '$defs' ? 'definitions' : keyword;
      const map = Object.fromEntries(
        Object.entries(value as JsonSchema).map(([k, v]) => [k, sub(v, `${at}/${k}`)]),
      );
      out[target] = { ...(out[target] as JsonSchema), ...map };
    } else if (keyword === 'dependentRequired' || keyword === 'dependentSchemas') {
      const map = Object.fromEntries(
        Object.entries(value as JsonSchema).map(([k, v]) => [
          k,
          keyword === 'dependentSchemas' ? sub(v, `${at}/${k}`) : v,
        ]),
      );
      out.dependencies = { ...(out.dependencies as JsonSchema), ...map };
    } else if (keyword === 'prefixItems') {
      out.items = (value as unknown[]).map((v, i) => sub(v, `${at}/${i}`));
    } else if (keyword === 'items' && hasPrefixItems) {
      out.additionalItems = typeof value === 'boolean' ? value : sub(value, at);
    } else if (SCHEMA_ARRAYS.has(keyword) && Array.isArray(value)) {
      out[keyword] = value.map((v, i) => sub(v, `${at}/${i}`));
    } else if (
      SCHEMA_VALUES.has(keyword) &&
      keyword !== 'additionalProperties' &&
      keyword !== 'additionalItems'
    ) {
      out[keyword] = sub(value, at);
    } else if ((keyword === 'additionalProperties' || keyword === 'additionalItems') && isObject(value)) {
      out[keyword] = sub(value, at);
    } else if (keyword === '$ref' && typeof value === 'string') {
      out.$ref = value.startsWith('#') ? `#${pointerOf(value)}` : value;
    } else {
      out[keyword] = value;
    }
  }

  if ('const' in out) {
    const only = out.const;
    delete out.const;
    const same = (v: unknown) => JSON.stringify(v) === JSON.stringify(only);
    out.enum = Array.isArray(out.enum) ? out.enum.filter(same) : [only];
  }
  boundToDraft4(out, 'exclusiveMinimum', 'minimum', (bound, other) => bound >= other);
  boundToDraft4(out, 'exclusiveMaximum', 'maximum', (bound, other) => bound <= other);

  const clauses: JsonSchema[][] = [];
  const condition = out.if as JsonSchema | undefined;
  if (condition !== undefined) {
    if (out.then !== undefined) clauses.push([negate(condition), out.then as JsonSchema]);
    if (out.else !== undefined) clauses.push([condition, out.else as JsonSchema]);
  }
  delete out.if;
  delete out.then;
  delete out.else;
  const [only] = clauses;
  if (clauses.length === 1 && only !== undefined && out.anyOf === undefined) out.anyOf = only;
  else if (clauses.length > 0) {
    out.allOf = [...((out.allOf as unknown[]) ?? []), ...clauses.map((anyOf) => ({ anyOf }))];
  }

  // Draft 4 ignores every keyword beside a $ref: the assertions go beside it in an allOf, and
  // the annotations and definitions (which references point into) stay where they are.
  if (typeof out.$ref === 'string') {
    const { $ref, title, description, definitions, ...rest } = out;
    if (Object.keys(rest).length > 0 || definitions !== undefined) {
      const kept = Object.entries({ title, description, definitions }).filter(([, v]) => v !== undefined);
      const parts = Object.keys(rest).length > 0 ? [{ $ref }, rest] : [{ $ref }];
      return { ...Object.fromEntries(kept), allOf: parts };
    }
  }
  return out;
}

/** Numeric exclusive bound (draft 6+) → draft 4's inclusive keyword plus the boolean flag; the stricter bound wins. */
function boundToDraft4(
  schema: JsonSchema,
  exclusive: 'exclusiveMinimum' | 'exclusiveMaximum',
  inclusive: 'minimum' | 'maximum',
  stricter: (bound: number, other: number) => boolean,
): void {
  const bound = schema[exclusive];
  if (typeof bound !== 'number') return;
  const other = schema[inclusive];
  if (typeof other !== 'number' || stricter(bound, other)) {
    schema[inclusive] = bound;
    schema[exclusive] = true;
  } else {
    delete schema[exclusive];
  }
}

/** The standard envelope fields EventBridge puts around every `detail`. */
function envelopeProperties(contract: EventContract): JsonSchema {
  return {
    version: { type: 'string' },
    id: { type: 'string' },
    'detail-type': { enum: [contract.detailType] },
    source: { enum: [EVENT_SOURCE] },
    account: { type: 'string' },
    time: { type: 'string', format: 'date-time' },
    region: { type: 'string' },
    resources: { type: 'array', items: { type: 'string' } },
  };
}

/**
 * What the schema registry holds for one event: the whole EventBridge event in draft 4, its
 * `detail` the event's JSON Schema with every reference resolved, their definitions at the top.
 */
export function registryDocument(contract: EventContract, load: (url: string) => JsonSchema): Draft4Result {
  const detailSchema = readDetail(contract, load);
  const { schema, dropped } = toDraft4(bundleSchema(detailSchema, load));
  const { $schema, definitions, title, description, ...detail } = schema;
  assertRefsUnder(detail, '#/definitions/', contract.file);
  return {
    schema: {
      $schema,
      title: contract.registryName.split('@').pop(),
      description:
        `An EventBridge event \`${contract.detailType}\` from source \`${EVENT_SOURCE}\`, generated from schemas/${contract.file}. ${String(description ?? '')}`.trim(),
      type: 'object',
      required: ['detail-type', 'source', 'detail'],
      properties: { ...envelopeProperties(contract), detail: { title, description, ...detail } },
      ...(definitions === undefined ? {} : { definitions }),
    },
    dropped: dropped.map((pointer) => `/properties/detail${pointer}`),
  };
}

/** The event's own schema (its `detail`), through the loader. */
export function readDetail(contract: EventContract, load: (url: string) => JsonSchema): JsonSchema {
  return load(`${SCHEMA_BASE_URL}${contract.file}`);
}

/** The detail moves one level down, so a reference into it (not into the shared definitions) would break. */
function assertRefsUnder(node: unknown, prefix: string, file: string): void {
  if (Array.isArray(node)) for (const item of node) assertRefsUnder(item, prefix, file);
  if (!isObject(node)) return;
  if (typeof node.$ref === 'string' && !node.$ref.startsWith(prefix)) {
    throw new Error(`schemas/${file}: $ref ${node.$ref} must point into definitions to be registered`);
  }
  for (const value of Object.values(node)) assertRefsUnder(value, prefix, file);
}
