// Checks that each event schema is compatible with the one last released for the same
// schema_version (schemas/released/<detail-type>.v<schema_version>.json), or that schema_version
// was bumped and the new version's baseline added. `npm test` runs it; `npm run schemas:release`
// records the current schemas as released.
//
// Compatible means both of these hold, for the event's `detail` with every $ref resolved:
//
// 1. Events already published stay valid under the new schema: they sit in queues and
//    dead-letter queues for up to 14 days, are redriven and replayed, and are read by the new code.
//    So no newly required property, no narrowed type, enum/const, bound (minimum, maxLength…),
//    no changed pattern or format, no removed variant of a oneOf/anyOf, no object newly closed.
// 2. Events published under the new schema are still what consumers built for the old one
//    expect, properties they do not know ignored (tolerant readers): no property removed or
//    renamed (even an optional one: consumers lose it silently), none no longer required, no
//    widened type, enum/const or bound, no added variant of a oneOf/anyOf.
//
// Allowed therefore: a new optional property (where the object was closed, or with the shape
// of the old additionalProperties), opening a closed object, and any change to annotations
// (title, description, $comment, examples, default, deprecated); reordering `required`, `enum`
// or the variants of a oneOf (matched by title when every variant has one). Any other change to a
// keyword is reported as breaking: the check is conservative, never permissive. Anything else
// needs a new schema_version (its const) and a new baseline. An event without schema_version
// (ops.alert today) is version 1 until it has one.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  bundleSchema,
  EVENT_CONTRACTS,
  type EventContract,
  type JsonSchema,
  readDetail,
  SCHEMAS_DIR,
  schemaLoader,
} from '../infra/event-contracts.ts';

export const RELEASED_DIR = join(SCHEMAS_DIR, 'released');

/** One breaking difference: where (a path into the event's detail) and what. */
export interface Incompatibility {
  readonly path: string;
  readonly message: string;
}

const ANNOTATIONS = new Set([
  'title',
  'description',
  '$comment',
  'examples',
  'default',
  'deprecated',
  'readOnly',
  'writeOnly',
  '$schema',
  '$id',
  'definitions',
  '$defs',
]);
const LOWER_BOUNDS = ['minimum', 'exclusiveMinimum', 'minLength', 'minItems', 'minProperties'];
const UPPER_BOUNDS = ['maximum', 'exclusiveMaximum', 'maxLength', 'maxItems', 'maxProperties'];
const HANDLED = new Set([
  ...ANNOTATIONS,
  ...LOWER_BOUNDS,
  ...UPPER_BOUNDS,
  '$ref',
  'type',
  'enum',
  'const',
  'required',
  'properties',
  'additionalProperties',
  'items',
  'oneOf',
  'anyOf',
  'allOf',
]);

const OLD_EVENTS = 'events already published would no longer validate';
const OLD_CONSUMERS = 'consumers built for the released version may receive what they do not expect';

const isObject = (value: unknown): value is JsonSchema =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    isObject(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
const show = (value: unknown) => JSON.stringify(value);

function joinPath(path: string, segment: string): string {
  if (segment.startsWith('[') || segment.startsWith('(')) return `${path}${segment}`;
  return path ? `${path}.${segment}` : segment;
}

/** Follows local `$ref`s (draft-7 semantics: keywords beside a $ref are ignored). */
function resolve(node: unknown, root: JsonSchema, seen: string[] = []): { schema: JsonSchema; ref?: string } {
  if (node === true || node === undefined) return { schema: {} };
  if (node === false) return { schema: { not: {} } };
  if (!isObject(node) || typeof node.$ref !== 'string') return { schema: node as JsonSchema };
  const ref = node.$ref;
  if (seen.includes(ref)) throw new Error(`$ref cycle through ${ref}`);
  let target: unknown = root;
  for (const part of ref.replace(/^#\/?/, '').split('/').filter(Boolean)) {
    target = isObject(target) ? target[part.replaceAll('~1', '/').replaceAll('~0', '~')] : undefined;
  }
  if (target === undefined) throw new Error(`$ref ${ref} does not resolve in the bundled schema`);
  return { ...resolve(target, root, [...seen, ref]), ref };
}

/** The allowed values of enum/const, or undefined for "any value". */
function allowedValues(schema: JsonSchema): Set<string> | undefined {
  if ('const' in schema) return new Set([canonical(schema.const)]);
  if (Array.isArray(schema.enum)) return new Set(schema.enum.map(canonical));
  return undefined;
}

const ALL_TYPES = ['array', 'boolean', 'integer', 'null', 'number', 'object', 'string'];
function types(schema: JsonSchema): Set<string> {
  const listed = schema.type === undefined ? ALL_TYPES : ([] as unknown[]).concat(schema.type).map(String);
  // `number` includes the integers.
  return new Set(listed.includes('number') ? [...listed, 'integer'] : listed);
}

const subset = <T>(a: Set<T>, b: Set<T>) => [...a].every((value) => b.has(value));

/**
 * Every breaking difference between a released schema and its successor, both bundled (refs local),
 * by path into the data. Empty when the successor is compatible (see the header of this file).
 */
export function compareSchemas(released: JsonSchema, current: JsonSchema): Incompatibility[] {
  const problems: Incompatibility[] = [];
  const seen = new Set<string>();
  const report = (path: string, message: string) => problems.push({ path: path || '(top level)', message });

  const compare = (oldNode: unknown, newNode: unknown, path: string): void => {
    const oldResolved = resolve(oldNode, released);
    const newResolved = resolve(newNode, current);
    // Recursive schemas: a pair of references is compared once.
    if (oldResolved.ref !== undefined && newResolved.ref !== undefined) {
      const key = `${oldResolved.ref} ${newResolved.ref}`;
      if (seen.has(key)) return;
      seen.add(key);
    }
    const before = oldResolved.schema;
    const after = newResolved.schema;

    const oldTypes = types(before);
    const newTypes = types(after);
    if (!subset(oldTypes, newTypes)) {
      report(
        path,
        `type narrowed from ${show(before.type ?? 'any')} to ${show(after.type ?? 'any')}: ${OLD_EVENTS}`,
      );
    } else if (!subset(newTypes, oldTypes)) {
      report(
        path,
        `type widened from ${show(before.type ?? 'any')} to ${show(after.type ?? 'any')}: ${OLD_CONSUMERS}`,
      );
    }

    const oldValues = allowedValues(before);
    const newValues = allowedValues(after);
    const describeValues = (schema: JsonSchema) =>
      show('const' in schema ? schema.const : (schema.enum ?? 'any'));
    if (oldValues !== undefined && (newValues === undefined || !subset(newValues, oldValues))) {
      report(
        path,
        `values widened from ${describeValues(before)} to ${describeValues(after)}: ${OLD_CONSUMERS}`,
      );
    }
    if (newValues !== undefined && (oldValues === undefined || !subset(oldValues, newValues))) {
      report(
        path,
        `values narrowed from ${describeValues(before)} to ${describeValues(after)}: ${OLD_EVENTS}`,
      );
    }

    for (const [bounds, tighter] of [
      [LOWER_BOUNDS, (a: number, b: number) => a > b],
      [UPPER_BOUNDS, (a: number, b: number) => a < b],
    ] as const) {
      for (const keyword of bounds) {
        const was = before[keyword];
        const is = after[keyword];
        if (canonical(was) === canonical(is)) continue;
        const narrowed =
          was === undefined || (typeof was === 'number' && typeof is === 'number' && tighter(is, was));
        const change = `${keyword} ${was === undefined ? 'added' : is === undefined ? 'removed' : 'changed'} (${show(was ?? 'none')} → ${show(is ?? 'none')})`;
        report(path, `${change}: ${narrowed ? OLD_EVENTS : OLD_CONSUMERS}`);
      }
    }

    compareObjects(before, after, path);

    if (isObject(before.items) || isObject(after.items))
      compare(before.items, after.items, joinPath(path, '[]'));
    for (const keyword of ['oneOf', 'anyOf', 'allOf'] as const) compareVariants(keyword, before, after, path);

    // Whatever else (pattern, format, not, if/then/else, propertyNames…): equal or breaking.
    const others = new Set([...Object.keys(before), ...Object.keys(after)].filter((k) => !HANDLED.has(k)));
    for (const keyword of others) {
      if (canonical(before[keyword]) !== canonical(after[keyword])) {
        report(
          path,
          `${keyword} changed (${show(before[keyword] ?? 'none')} → ${show(after[keyword] ?? 'none')}): it cannot be shown compatible`,
        );
      }
    }
  };

  const compareObjects = (before: JsonSchema, after: JsonSchema, path: string): void => {
    const oldRequired = new Set((before.required as string[] | undefined) ?? []);
    const newRequired = new Set((after.required as string[] | undefined) ?? []);
    for (const name of newRequired) {
      if (!oldRequired.has(name)) report(joinPath(path, name), `newly required: ${OLD_EVENTS}`);
    }
    for (const name of oldRequired) {
      if (!newRequired.has(name)) report(joinPath(path, name), `no longer required: ${OLD_CONSUMERS}`);
    }
    const oldProperties = (before.properties as JsonSchema | undefined) ?? {};
    const newProperties = (after.properties as JsonSchema | undefined) ?? {};
    for (const name of Object.keys(oldProperties)) {
      if (!(name in newProperties)) {
        report(
          joinPath(path, name),
          'removed (a rename is a removal): consumers built for the released version lose it',
        );
      } else compare(oldProperties[name], newProperties[name], joinPath(path, name));
    }
    const oldAdditional = before.additionalProperties;
    for (const name of Object.keys(newProperties)) {
      if (name in oldProperties || newRequired.has(name)) continue;
      // A new optional property: fine where nothing else could be there, or with the shape anything else had.
      if (oldAdditional === false) continue;
      if (isObject(oldAdditional)) compare(oldAdditional, newProperties[name], joinPath(path, name));
      else
        report(
          joinPath(path, name),
          `declared where any property was allowed: ${OLD_EVENTS} if they carry it otherwise`,
        );
    }
    const newAdditional = after.additionalProperties;
    if (oldAdditional !== false && newAdditional === false) {
      report(path, `closed (additionalProperties: false): ${OLD_EVENTS} if they carry other properties`);
    } else if (oldAdditional !== false && newAdditional !== false) {
      if (isObject(oldAdditional) || isObject(newAdditional))
        compare(oldAdditional, newAdditional, joinPath(path, '*'));
    }
  };

  const compareVariants = (
    keyword: 'oneOf' | 'anyOf' | 'allOf',
    before: JsonSchema,
    after: JsonSchema,
    path: string,
  ) => {
    const oldList = (before[keyword] as unknown[] | undefined) ?? [];
    const newList = (after[keyword] as unknown[] | undefined) ?? [];
    if (oldList.length === 0 && newList.length === 0) return;
    const title = (variant: unknown, root: JsonSchema) => resolve(variant, root).schema.title;
    const titled = (list: unknown[], root: JsonSchema) => {
      const titles = list.map((variant) => title(variant, root));
      return titles.every((t) => typeof t === 'string') && new Set(titles).size === titles.length;
    };
    const byTitle = titled(oldList, released) && titled(newList, current);
    const keyOf = (variant: unknown, index: number, root: JsonSchema) =>
      byTitle ? String(title(variant, root)) : String(index);
    const oldMap = new Map(oldList.map((variant, i) => [keyOf(variant, i, released), variant]));
    const newMap = new Map(newList.map((variant, i) => [keyOf(variant, i, current), variant]));
    const at = (key: string) => joinPath(path, byTitle ? `(${keyword} ${key})` : `(${keyword}[${key}])`);
    // allOf: a removed part widens, an added one narrows; oneOf/anyOf the other way round.
    const removed = keyword === 'allOf' ? OLD_CONSUMERS : OLD_EVENTS;
    const added = keyword === 'allOf' ? OLD_EVENTS : OLD_CONSUMERS;
    for (const [key, variant] of oldMap) {
      if (!newMap.has(key)) report(at(key), `removed: ${removed}`);
      else compare(variant, newMap.get(key), at(key));
    }
    for (const key of newMap.keys()) if (!oldMap.has(key)) report(at(key), `added: ${added}`);
  };

  compare(released, current, '');
  return problems;
}

/** The event's schema_version: the const (or highest enum value) of its `schema_version`, else 1. */
export function schemaVersionOf(schema: JsonSchema): number {
  const property = (schema.properties as JsonSchema | undefined)?.schema_version;
  if (!isObject(property)) return 1;
  if (typeof property.const === 'number') return property.const;
  if (Array.isArray(property.enum)) return Math.max(...property.enum.map(Number));
  throw new Error('schema_version must have a const (or an enum) to be checked');
}

export const baselineFile = (contract: EventContract, version: number) =>
  `${contract.detailType}.v${version}.json`;

/** The released baselines of one event, by schema_version, from the files in `dir`. */
export function readReleased(contract: EventContract, dir = RELEASED_DIR): Map<number, JsonSchema> {
  const released = new Map<number, JsonSchema>();
  const pattern = new RegExp(`^${contract.detailType.replaceAll('.', '\\.')}\\.v(\\d+)\\.json$`);
  for (const file of readdirSync(dir)) {
    const match = pattern.exec(file);
    if (match?.[1]) released.set(Number(match[1]), JSON.parse(readFileSync(join(dir, file), 'utf8')));
  }
  return released;
}

/** One line per problem of one event, each naming the path to fix; empty when it is fine. */
export function checkEvent(
  contract: EventContract,
  current: JsonSchema,
  released: ReadonlyMap<number, JsonSchema>,
): string[] {
  const version = schemaVersionOf(current);
  const where = `${contract.detailType} (schemas/${contract.file}, schema_version ${version})`;
  const baseline = released.get(version);
  const latest = Math.max(0, ...released.keys());
  if (baseline === undefined) {
    const fix = `add its baseline, schemas/released/${baselineFile(contract, version)} (npm run schemas:release)`;
    if (latest === 0) return [`${where}: nothing released yet: ${fix}`];
    if (version < latest) return [`${where}: below the released v${latest}: schema_version must not go back`];
    return [`${where}: a new version: ${fix}`];
  }
  return compareSchemas(baseline, current).map(({ path, message }) =>
    `${where}: detail${path === '(top level)' ? '' : `.${path}`}: ${message}`.replace('detail.(', 'detail ('),
  );
}

/** Checks every event of the project against its baselines. */
export function checkAll(schemasDir = SCHEMAS_DIR, releasedDir = join(schemasDir, 'released')): string[] {
  const load = schemaLoader(schemasDir);
  return EVENT_CONTRACTS.flatMap((contract) =>
    checkEvent(contract, bundleSchema(readDetail(contract, load), load), readReleased(contract, releasedDir)),
  );
}

/**
 * Records the current schemas as released: writes a missing baseline, or rewrites one the current
 * schema is compatible with (so later changes are checked against what was added since).
 * Returns what it refused.
 */
export function release(schemasDir = SCHEMAS_DIR, releasedDir = join(schemasDir, 'released')): string[] {
  const load = schemaLoader(schemasDir);
  const refused: string[] = [];
  for (const contract of EVENT_CONTRACTS) {
    const current = bundleSchema(readDetail(contract, load), load);
    const released = readReleased(contract, releasedDir);
    const version = schemaVersionOf(current);
    const baseline = released.get(version);
    const problems =
      baseline === undefined
        ? checkEvent(contract, current, released).filter((line) => !line.includes('npm run schemas:release'))
        : checkEvent(contract, current, released);
    if (problems.length > 0) refused.push(...problems);
    else
      writeFileSync(
        join(releasedDir, baselineFile(contract, version)),
        `${JSON.stringify(current, null, 2)}\n`,
      );
  }
  return refused;
}

if (process.argv[1] === import.meta.filename) {
  const writing = process.argv.includes('--release');
  const problems = writing ? release() : checkAll();
  for (const line of problems) console.error(line);
  if (problems.length > 0) {
    console.error(
      writing
        ? 'Not released: make these changes compatible, or bump schema_version first.'
        : 'Event schemas are not compatible with their released versions: make the change compatible, or bump schema_version (its const) and run `npm run schemas:release`.',
    );
    process.exit(1);
  }
  console.log(
    writing
      ? `released: ${EVENT_CONTRACTS.map((c) => c.detailType).join(', ')}`
      : `event schemas compatible with schemas/released/: ${EVENT_CONTRACTS.map((c) => c.detailType).join(', ')}`,
  );
}
