// The API documents as the local host serves them (/openapi.json, /asyncapi.json): the YAML sources
// with every `$ref` to a JSON Schema file inlined, so a client needs no second request.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parse } from 'yaml';

/** A parsed JSON or YAML object. */
export type JsonObject = { [key: string]: unknown };

export interface ApiDocuments {
  /** schemas/openapi.yaml: the HTTP API. */
  openapi: JsonObject;
  /** schemas/asyncapi.yaml: the events. */
  asyncapi: JsonObject;
}

/** Where the two documents and the JSON Schemas they reference live. */
export const API_DOCUMENTS_DIR = import.meta.dirname;

/** Both documents, each self-contained (see inlineSchemaFiles). */
export function loadApiDocuments(dir = API_DOCUMENTS_DIR): ApiDocuments {
  return {
    openapi: readSelfContained(join(dir, 'openapi.yaml')),
    asyncapi: readSelfContained(join(dir, 'asyncapi.yaml')),
  };
}

function readSelfContained(file: string): JsonObject {
  const document: unknown = parse(readFileSync(file, 'utf8'));
  if (!isObject(document)) throw new Error(`${file} is not a YAML mapping`);
  return inlineSchemaFiles(document, file);
}

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Keywords whose values are data, not schema or document nodes: a `$ref` in them is not a reference. */
const DATA_KEYWORDS = new Set(['enum', 'const', 'default', 'example', 'examples']);

/**
 * A copy of an OpenAPI or AsyncAPI document (read from `file`) in which every `$ref` to a JSON
 * Schema file points into the document instead: each file referenced, directly or from another such
 * file, is embedded once as `components.schemas.<its title>` without `$id` and `$schema` (so its
 * pointers resolve against the document), and its own references are rewritten to match. A title
 * that is already a component is an error, as is a reference to anything but a local file.
 */
export function inlineSchemaFiles(document: JsonObject, file: string): JsonObject {
  const components = isObject(document.components) ? document.components : {};
  const own = isObject(components.schemas) ? components.schemas : {};
  const embedded: JsonObject = {};
  const names = new Map<string, string>();

  const embed = (schemaFile: string): string => {
    const known = names.get(schemaFile);
    if (known !== undefined) return known;
    const parsed = JSON.parse(readFileSync(schemaFile, 'utf8')) as JsonObject;
    const { $id: _id, $schema: _dialect, ...schema } = parsed;
    const name = typeof schema.title === 'string' ? schema.title : '';
    if (!/^[A-Za-z0-9._-]+$/.test(name)) {
      throw new Error(`${schemaFile}: its title "${name}" cannot name a component`);
    }
    if (Object.hasOwn(own, name) || Object.hasOwn(embedded, name))
      throw new Error(`${schemaFile}: its title "${name}" is already a component`);
    names.set(schemaFile, name);
    embedded[name] = rewrite(schema, schemaFile, `/components/schemas/${name}`);
    return name;
  };

  /** `base` is the file the node was read from; `root` the pointer at which that file sits in the result. */
  function rewrite(node: unknown, base: string, root: string): unknown {
    if (Array.isArray(node)) return node.map((item) => rewrite(item, base, root));
    if (!isObject(node)) return node;
    const out: JsonObject = {};
    for (const [key, value] of Object.entries(node)) {
      out[key] = DATA_KEYWORDS.has(key) ? value : rewrite(value, base, root);
    }
    if (typeof out.$ref === 'string') out.$ref = retarget(out.$ref, base, root);
    return out;
  }

  function retarget(ref: string, base: string, root: string): string {
    const hash = ref.indexOf('#');
    const path = hash === -1 ? ref : ref.slice(0, hash);
    const pointer = hash === -1 ? '' : ref.slice(hash + 1);
    if (path === '') return `#${root}${pointer}`;
    if (/^[a-z][a-z0-9+.-]*:/i.test(path)) throw new Error(`${base}: $ref ${ref} is not a local file`);
    return `#/components/schemas/${embed(resolve(dirname(base), path))}${pointer}`;
  }

  const result = rewrite(document, file, '') as JsonObject;
  if (names.size === 0) return result;
  const resultComponents = isObject(result.components) ? result.components : {};
  const schemas = isObject(resultComponents.schemas) ? resultComponents.schemas : {};
  return { ...result, components: { ...resultComponents, schemas: { ...schemas, ...embedded } } };
}
