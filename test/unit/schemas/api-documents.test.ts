import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { DiagnosticSeverity, Parser } from '@asyncapi/parser';
import {
  type Config,
  createConfig,
  lint,
  lintFromString,
  type NormalizedProblem,
} from '@redocly/openapi-core';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { EVENT_CONTRACTS } from '../../../infra/event-contracts.ts';
import { inlineSchemaFiles, type JsonObject, loadApiDocuments } from '../../../schemas/api-documents.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const OPENAPI_FILE = join(ROOT, 'schemas', 'openapi.yaml');
const ASYNCAPI_FILE = join(ROOT, 'schemas', 'asyncapi.yaml');
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/**
 * Redocly warnings accepted on the AsyncAPI document, each with why it cannot be fixed here. (The
 * OpenAPI document has none.)
 */
const ACCEPTED_REDOCLY_ASYNCAPI_WARNINGS = [
  // lead.schema.json says "an email, else a phone" as `if: {not: {required: [email]}}, then:
  // {required: [phone]}`; the rule looks for `properties` beside each `required` and does not see the
  // parent's. Valid JSON Schema, and the schema is the source of the Lead type: not changed for a linter.
  { ruleId: 'no-required-schema-properties-undefined', pointer: '#/if/not/required/0' },
  { ruleId: 'no-required-schema-properties-undefined', pointer: '#/then/required/0' },
];
/** AsyncAPI parser diagnostics below warning accepted, with why. */
const ACCEPTED_ASYNCAPI_INFOS = [
  // The document is AsyncAPI 3.0 by decision (the version the project pins); the parser suggests 3.1.
  'asyncapi-latest-version',
];

let redoclyConfig: Config;
beforeAll(async () => {
  redoclyConfig = await createConfig({ extends: ['recommended'] });
});

const describeProblem = (problem: NormalizedProblem) =>
  `${problem.severity} ${problem.ruleId}: ${problem.message} at ${problem.location[0]?.pointer ?? '?'}` +
  ` in ${relative(ROOT, problem.location[0]?.source.absoluteRef ?? '')}`;

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The node a local `$ref` (`#/a/b`) points at. */
function atPointer(document: JsonObject, ref: string): unknown {
  let node: unknown = document;
  for (const raw of ref.replace(/^#\/?/, '').split('/').filter(Boolean)) {
    const key = decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~');
    node = isObject(node) || Array.isArray(node) ? (node as Record<string, unknown>)[key] : undefined;
  }
  return node;
}

/** Follows local `$ref`s until a node that is not one. */
function deref(document: JsonObject, node: unknown): JsonObject {
  let current = node;
  for (let hops = 0; isObject(current) && typeof current.$ref === 'string'; hops++) {
    if (hops > 20 || !current.$ref.startsWith('#')) throw new Error(`cannot follow ${current.$ref}`);
    current = atPointer(document, current.$ref);
  }
  if (!isObject(current)) throw new Error(`not an object: ${JSON.stringify(node)}`);
  return current;
}

/** Every `$ref` string in a document. */
function refsIn(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const item of node) refsIn(item, out);
  else if (isObject(node)) {
    if (typeof node.$ref === 'string') out.push(node.$ref);
    for (const value of Object.values(node)) refsIn(value, out);
  }
  return out;
}

interface DocumentedResponse {
  where: string;
  status: string;
  headers: string[];
  codes: string[];
}

/** Every response of every operation, with its header names (lower-cased) and the error codes its schemas allow. */
function responsesOf(document: JsonObject): DocumentedResponse[] {
  const out: DocumentedResponse[] = [];
  for (const [path, item] of Object.entries(deref(document, document.paths))) {
    for (const method of METHODS) {
      const operation = (item as JsonObject)[method];
      if (!isObject(operation)) continue;
      for (const [status, raw] of Object.entries(deref(document, operation.responses))) {
        const response = deref(document, raw);
        const content = isObject(response.content) ? Object.values(response.content) : [];
        const codes = content.flatMap((media) =>
          isObject(media) && media.schema !== undefined ? errorCodes(document, media.schema, false) : [],
        );
        out.push({
          where: `${method.toUpperCase()} ${path} ${status}`,
          status,
          headers: Object.keys(isObject(response.headers) ? response.headers : {}).map((h) =>
            h.toLowerCase(),
          ),
          codes,
        });
      }
    }
  }
  return out;
}

/** The `code` enums of `{"error":{"code"}}` shapes in a schema, through refs and compositions. */
function errorCodes(document: JsonObject, raw: unknown, insideError: boolean): string[] {
  const schema = deref(document, raw);
  const codes: string[] = [];
  for (const keyword of ['allOf', 'oneOf', 'anyOf']) {
    const parts = schema[keyword];
    if (Array.isArray(parts))
      for (const part of parts) codes.push(...errorCodes(document, part, insideError));
  }
  const properties = isObject(schema.properties) ? schema.properties : {};
  if (insideError && isObject(properties.code)) {
    const code = deref(document, properties.code);
    if (Array.isArray(code.enum)) codes.push(...code.enum.map(String));
  }
  if (!insideError && properties.error !== undefined)
    codes.push(...errorCodes(document, properties.error, true));
  return codes;
}

describe('schemas/openapi.yaml', () => {
  it("passes Redocly's recommended rules with no error and no warning", async () => {
    // Act
    const problems = await lint({ ref: OPENAPI_FILE, config: redoclyConfig });

    // Assess
    expect(problems.map(describeProblem)).toEqual([]);
  });

  it('passes them as the local host serves it, self-contained (/openapi.json)', async () => {
    // Prepare
    const { openapi } = loadApiDocuments();

    // Act
    const problems = await lintFromString({
      source: JSON.stringify(openapi),
      absoluteRef: join(tmpdir(), 'openapi.json'),
      config: redoclyConfig,
    });

    // Assess
    expect(problems.map(describeProblem)).toEqual([]);
  });

  it('makes the lint fail when the document is broken (the check is not vacuous)', async () => {
    // Prepare: no servers, and an operation without a summary.
    const { openapi } = loadApiDocuments();
    const { servers: _servers, ...broken } = structuredClone(openapi);
    delete deref(broken, atPointer(broken, '#/paths/~1live/get')).summary;

    // Act
    const problems = await lintFromString({
      source: JSON.stringify(broken),
      absoluteRef: join(tmpdir(), 'broken-openapi.json'),
      config: redoclyConfig,
    });

    // Assess
    const errors = problems.filter((problem) => problem.severity === 'error').map((p) => p.ruleId);
    expect(errors).toEqual(expect.arrayContaining(['no-empty-servers', 'operation-summary']));
  });
});

describe('schemas/asyncapi.yaml', () => {
  const parser = new Parser();
  const significant = (diagnostics: Awaited<ReturnType<Parser['validate']>>) =>
    diagnostics
      .filter(
        (d) =>
          d.severity === DiagnosticSeverity.Error ||
          d.severity === DiagnosticSeverity.Warning ||
          !ACCEPTED_ASYNCAPI_INFOS.includes(String(d.code)),
      )
      .map((d) => `${d.severity} ${d.code}: ${d.message} at ${d.path.join('/')}`);

  it('is valid for the AsyncAPI parser: no error, no warning', async () => {
    // Act
    const diagnostics = await parser.validate(readFileSync(ASYNCAPI_FILE, 'utf8'), { source: ASYNCAPI_FILE });

    // Assess
    expect(significant(diagnostics)).toEqual([]);
  });

  it('is valid as the local host serves it, self-contained (/asyncapi.json)', async () => {
    // Prepare
    const { asyncapi } = loadApiDocuments();

    // Act
    const diagnostics = await parser.validate(JSON.stringify(asyncapi));
    const { document } = await parser.parse(JSON.stringify(asyncapi));

    // Assess
    expect(significant(diagnostics)).toEqual([]);
    expect(
      document
        ?.messages()
        .all()
        .map((message) => message.name())
        .sort(),
    ).toEqual(['config', 'lead.received', 'lead.reference', 'ledger', 'ops.alert']);
  });

  it('makes the parser report an error when the document is broken (the check is not vacuous)', async () => {
    // Prepare: an operation on a channel that does not exist.
    const { asyncapi } = loadApiDocuments();
    const broken = structuredClone(asyncapi);
    deref(broken, atPointer(broken, '#/operations/publishLeadReceived')).channel = {
      $ref: '#/channels/nowhere',
    };

    // Act
    const diagnostics = await parser.validate(JSON.stringify(broken));

    // Assess
    expect(diagnostics.filter((d) => d.severity === DiagnosticSeverity.Error)).not.toEqual([]);
  });

  it("passes Redocly's recommended rules too, but for the accepted warnings", async () => {
    // Act
    const problems = await lint({ ref: ASYNCAPI_FILE, config: redoclyConfig });

    // Assess
    const unexpected = problems.filter(
      (problem) =>
        !ACCEPTED_REDOCLY_ASYNCAPI_WARNINGS.some(
          (accepted) =>
            problem.severity === 'warn' &&
            problem.ruleId === accepted.ruleId &&
            problem.location[0]?.pointer === accepted.pointer &&
            problem.location[0]?.source.absoluteRef.endsWith('lead.schema.json'),
        ),
    );
    expect(unexpected.map(describeProblem)).toEqual([]);
  });

  it('has one channel per event on the bus, its payload the event contract schema', () => {
    // Prepare
    const document = parse(readFileSync(ASYNCAPI_FILE, 'utf8')) as JsonObject;
    const channels = Object.values(deref(document, document.channels)).map((channel) =>
      deref(document, channel),
    );

    // Act
    const payloads = EVENT_CONTRACTS.map((contract) => {
      const channel = channels.find((c) => c.address === contract.detailType);
      const messages = Object.values(isObject(channel?.messages) ? channel.messages : {});
      return messages.map((message) => deref(document, message).payload);
    });

    // Assess
    expect(payloads).toEqual(EVENT_CONTRACTS.map((contract) => [{ $ref: `./${contract.file}` }]));
  });
});

describe('loadApiDocuments', () => {
  const documents = loadApiDocuments();

  it.each(['openapi', 'asyncapi'] as const)(
    'leaves no $ref out of the %s document, and each one resolves',
    (name) => {
      // Act
      const refs = refsIn(documents[name]);

      // Assess
      expect(refs.filter((ref) => !ref.startsWith('#'))).toEqual([]);
      expect(refs.filter((ref) => atPointer(documents[name], ref) === undefined)).toEqual([]);
    },
  );

  it('embeds each schema file once, by its title, without $id and $schema', () => {
    // Act
    const { openapi, asyncapi } = documents;
    const openapiSchemas = deref(openapi, atPointer(openapi, '#/components/schemas'));
    const asyncapiSchemas = deref(asyncapi, atPointer(asyncapi, '#/components/schemas'));

    // Assess
    const ledgerEvent = JSON.parse(readFileSync(join(ROOT, 'schemas', 'ledger-event.schema.json'), 'utf8'));
    const { $id: _id, $schema: _schema, ...withoutIds } = ledgerEvent;
    const pointingIntoDocument = JSON.parse(
      JSON.stringify(withoutIds).replaceAll(
        '"#/definitions/',
        '"#/components/schemas/LedgerEvent/definitions/',
      ),
    );
    expect(openapiSchemas.LedgerEvent).toEqual(pointingIntoDocument);
    expect(Object.keys(asyncapiSchemas)).toEqual(
      expect.arrayContaining(['LeadReceivedEvent', 'Lead', 'OpsAlert', 'LedgerEvent']),
    );
    expect(deref(asyncapi, asyncapiSchemas.LeadReceivedEvent).properties).toMatchObject({
      lead: { $ref: '#/components/schemas/Lead' },
    });
  });

  describe('inlineSchemaFiles', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'leadpipe-api-documents-'));
      const write = (file: string, value: unknown) => writeFileSync(join(dir, file), JSON.stringify(value));
      write('a.schema.json', {
        $id: 'https://example.test/a.schema.json',
        title: 'A',
        definitions: { x: { type: 'string' } },
        properties: { x: { $ref: '#/definitions/x' }, b: { $ref: 'b.schema.json' } },
        examples: [{ $ref: 'data, not a reference' }],
      });
      write('b.schema.json', { title: 'B', properties: { a: { $ref: 'a.schema.json#/definitions/x' } } });
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('rewrites references within and between the files, and leaves data alone', () => {
      // Prepare
      const document = {
        openapi: '3.1.0',
        components: { schemas: { Own: { $ref: './a.schema.json#/properties/b' } } },
      };

      // Act
      const result = inlineSchemaFiles(document, join(dir, 'openapi.yaml'));

      // Assess
      expect(result.components).toEqual({
        schemas: {
          Own: { $ref: '#/components/schemas/A/properties/b' },
          A: {
            title: 'A',
            definitions: { x: { type: 'string' } },
            properties: {
              x: { $ref: '#/components/schemas/A/definitions/x' },
              b: { $ref: '#/components/schemas/B' },
            },
            examples: [{ $ref: 'data, not a reference' }],
          },
          B: { title: 'B', properties: { a: { $ref: '#/components/schemas/A/definitions/x' } } },
        },
      });
    });

    it.each([
      [
        'a title that is already a component',
        { components: { schemas: { A: {} } }, x: { $ref: 'a.schema.json' } },
        /already a component/,
      ],
      ['a reference to a URL', { x: { $ref: 'https://example.test/a.schema.json' } }, /not a local file/],
    ])('refuses %s', (_case, document, message) => {
      expect(() => inlineSchemaFiles(document, join(dir, 'openapi.yaml'))).toThrow(message);
    });
  });
});

// ── Completeness: what the code answers is what the document says ──────────────────────────────

/** Where refusals are written: the functions, and each host's own HTTP layer. */
function sourceFiles(): string[] {
  const under = (dir: string, recursive: boolean) =>
    readdirSync(join(ROOT, dir), { recursive })
      .map(String)
      .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
      .map((file) => join(ROOT, dir, file));
  return [
    ...under('functions', true),
    ...under('local', false),
    ...under(join('adapters', 'aws', 'lambda'), false),
  ];
}

function createProgram(rootNames: string[]): ts.Program {
  const configFile = join(ROOT, 'tsconfig.json');
  const { config } = ts.readConfigFile(configFile, ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, ROOT);
  return ts.createProgram(rootNames, { ...options, noEmit: true });
}

interface Refusal {
  where: string;
  /** Undefined when the code does not say it next to the code. */
  statuses?: number[];
  codes: string[];
}

/** The values of a literal type or a union of them; undefined when the type is wider (a plain string or number). */
function literals(checker: ts.TypeChecker, node: ts.Node): (string | number)[] | undefined {
  const type = checker.getTypeAtLocation(node);
  const parts = type.isUnion() ? type.types : [type];
  const values = parts.map((part) =>
    part.isStringLiteral() || part.isNumberLiteral() ? part.value : undefined,
  );
  return values.every((value) => value !== undefined) ? (values as (string | number)[]) : undefined;
}

const isStatus = (value: string | number) => typeof value === 'number' && value >= 400 && value <= 599;

/**
 * Every refusal the code writes: `new HttpError(status, code, …)` and calls like it (a status then a
 * code), `{ error: { code } }` bodies (their status from the call or object around them), and
 * `{ status, code }` refusals. `unreadable` lists calls whose code is not a literal or a union of them.
 */
function findRefusals(
  program: ts.Program,
  files: readonly string[],
): { refusals: Refusal[]; unreadable: string[] } {
  const checker = program.getTypeChecker();
  const refusals: Refusal[] = [];
  const unreadable: string[] = [];
  for (const file of files) {
    const source = program.getSourceFile(file);
    if (!source) throw new Error(`${file} is not in the program`);
    const where = (node: ts.Node) =>
      `${relative(ROOT, file)}:${source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1}`;
    const visit = (node: ts.Node): void => {
      if (ts.isNewExpression(node) && node.expression.getText(source) === 'HttpError') {
        const [status, code] = node.arguments ?? [];
        const statuses = status && literals(checker, status);
        const codes = code && literals(checker, code);
        if (codes === undefined) unreadable.push(`${where(node)}: ${code?.getText(source)}`);
        else {
          refusals.push({
            where: where(node),
            ...(statuses?.every(isStatus) ? { statuses: statuses as number[] } : {}),
            codes: codes.map(String),
          });
        }
      } else if (ts.isCallExpression(node)) {
        // A helper called like HttpError: a status, then a snake_case code (console.lambda.ts's refusal()).
        node.arguments.forEach((arg, index) => {
          const next = node.arguments[index + 1];
          const statuses = literals(checker, arg);
          if (!(next && ts.isStringLiteral(next) && /^[a-z]+(_[a-z]+)*$/.test(next.text))) return;
          if (statuses?.every(isStatus)) {
            refusals.push({ where: where(node), statuses: statuses as number[], codes: [next.text] });
          }
        });
      }
      if (ts.isObjectLiteralExpression(node)) {
        const code = property(node, 'code');
        if (code && ts.isStringLiteral(code)) {
          const status = property(node, 'status');
          const inError = errorBodyStatus(node, source);
          if (status && ts.isNumericLiteral(status)) {
            refusals.push({ where: where(node), statuses: [Number(status.text)], codes: [code.text] });
          } else if (inError !== undefined) {
            refusals.push({
              where: where(node),
              ...(inError ? { statuses: [inError] } : {}),
              codes: [code.text],
            });
          }
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return { refusals, unreadable };
}

function property(object: ts.ObjectLiteralExpression, name: string): ts.Expression | undefined {
  for (const member of object.properties) {
    if (ts.isPropertyAssignment(member) && member.name.getText() === name) return member.initializer;
  }
  return undefined;
}

/**
 * For an object that is the `error` of a body (`{ error: <it> }`, maybe through a conditional): the
 * status beside it (a numeric argument before the body, or a `status` / `statusCode` of the object
 * around it), 0 when none is said, undefined when the object is not such an `error`.
 */
function errorBodyStatus(node: ts.ObjectLiteralExpression, source: ts.SourceFile): number | undefined {
  let value: ts.Node = node;
  while (ts.isConditionalExpression(value.parent) || ts.isParenthesizedExpression(value.parent))
    value = value.parent;
  const assignment = value.parent;
  if (!ts.isPropertyAssignment(assignment) || assignment.name.getText(source) !== 'error') return undefined;
  const body = assignment.parent;
  const around = body.parent;
  if (ts.isCallExpression(around)) {
    const index = around.arguments.indexOf(body as ts.Expression);
    const status = around.arguments.slice(0, index).findLast(ts.isNumericLiteral);
    return status ? Number(status.text) : 0;
  }
  if (ts.isPropertyAssignment(around) && ts.isObjectLiteralExpression(around.parent)) {
    const status = property(around.parent, 'status') ?? property(around.parent, 'statusCode');
    return status && ts.isNumericLiteral(status) ? Number(status.text) : 0;
  }
  return 0;
}

describe('completeness', () => {
  const openapi = loadApiDocuments().openapi;
  const documented = responsesOf(openapi);
  /** References to the components inlined from schema files (not in openapi.yaml's own components). */
  const source = parse(readFileSync(OPENAPI_FILE, 'utf8')) as { components: { schemas: JsonObject } };
  const inlined = Object.keys(deref(openapi, atPointer(openapi, '#/components/schemas'))).filter(
    (name) => !(name in source.components.schemas),
  );
  const embedded = new RegExp(`^#/components/schemas/(${inlined.join('|')})(/|$)`);
  let program: ts.Program;
  let files: string[];
  beforeAll(() => {
    files = sourceFiles();
    program = createProgram(files);
  }, 120_000);

  it('documents every refusal code the code answers, under its status', () => {
    // Prepare
    const byStatus = new Map<number, Set<string>>();
    for (const response of documented) {
      const codes = byStatus.get(Number(response.status)) ?? new Set<string>();
      for (const code of response.codes) codes.add(code);
      byStatus.set(Number(response.status), codes);
    }
    const anywhere = new Set(documented.flatMap((response) => response.codes));

    // Act
    const { refusals, unreadable } = findRefusals(program, files);

    // Assess
    expect(unreadable, 'refusal codes this test cannot read: make them literals').toEqual([]);
    const found = new Set(refusals.flatMap((refusal) => refusal.codes));
    // The scan itself works: it finds the codes of ingest, the local host and the console.
    expect([...found]).toEqual(
      expect.arrayContaining([
        'unknown_source',
        'signature_invalid',
        'empty_body',
        'starting',
        'internal_error',
      ]),
    );
    const missing = refusals.flatMap(({ where, statuses, codes }) =>
      codes
        .filter((code) =>
          statuses === undefined ? !anywhere.has(code) : !statuses.some((s) => byStatus.get(s)?.has(code)),
        )
        .map((code) => `${where}: ${statuses?.join(' or ') ?? 'any status'} ${code}`),
    );
    expect(missing).toEqual([]);
  });

  it('documents every console API route of functions/console/types.ts', () => {
    // Prepare
    const header = readFileSync(join(ROOT, 'functions', 'console', 'types.ts'), 'utf8').split('*/')[0] ?? '';
    const routes = [...header.matchAll(/^\s*\*\s+(GET|POST)\s+(\/ops\/api\/[^\s?]+)/gm)].map(
      ([, method, path]) => [String(method).toLowerCase(), String(path)] as const,
    );

    // Act
    const undocumented = routes.filter(([method, path]) => {
      const item = atPointer(openapi, `#/paths/${path.replaceAll('/', '~1')}`);
      return !isObject(item) || !isObject(item[method]);
    });

    // Assess
    expect(routes.length).toBeGreaterThanOrEqual(10);
    expect(undocumented).toEqual([]);
  });

  it("documents every GET the local host's HTTP layer answers itself", () => {
    // Prepare
    const server = readFileSync(join(ROOT, 'local', 'http-server.ts'), 'utf8');
    const probes = /const PROBES[^=]*= new Map\(\[([\s\S]*?)\]\);/.exec(server)?.[1] ?? '';
    const paths = [...probes.matchAll(/\['(\/[^']*)'/g)].map(([, path]) => String(path));

    // Act
    const undocumented = paths.filter(
      (path) => !isObject(atPointer(openapi, `#/paths/${path.replaceAll('/', '~1')}/get`)),
    );

    // Assess
    expect(paths).toEqual(expect.arrayContaining(['/live', '/ready', '/health', '/metrics']));
    expect(undocumented).toEqual([]);
  });

  it('declares Allow on every 405 and Retry-After on every 409, 429 and 503', () => {
    // Prepare: the readiness probe's 503 is a state, not a refusal to retry (http-server.ts sends no Retry-After).
    const probeStates = new Set(['GET /ready 503', 'GET /health 503']);

    // Act
    const lacking = documented.flatMap((response) => {
      if (response.status === '405' && !response.headers.includes('allow'))
        return [`${response.where}: Allow`];
      const retried = ['409', '429', '503'].includes(response.status) && !probeStates.has(response.where);
      if (retried && !response.headers.includes('retry-after')) return [`${response.where}: Retry-After`];
      return [];
    });

    // Assess
    expect(documented.filter((response) => response.status === '405').length).toBeGreaterThan(10);
    expect(lacking).toEqual([]);
  });

  /** The TypeScript types the component schemas mirror, by file. */
  const MIRRORED: Record<string, readonly string[]> = {
    'functions/console/types.ts': [
      'SourceCatalogEntry',
      'DestinationOverview',
      'Overview',
      'FeedPage',
      'DeadLettersPage',
      'RedriveAnswer',
      'QuarantineListEntry',
      'QuarantinePage',
      'QuarantineEntryView',
    ],
    'functions/ports.ts': ['LedgerLead', 'LedgerTimeline', 'LedgerPage', 'QueueDepth', 'RedriveResult'],
    'functions/deliver/dead-letter.ts': ['DeadLetter'],
    'functions/quarantine/replay.ts': ['ReplayResult'],
  };

  it('mirrors every type of the console contract', () => {
    // Prepare
    const checker = program.getTypeChecker();
    const source = program.getSourceFile(join(ROOT, 'functions', 'console', 'types.ts'));
    const module = source && checker.getSymbolAtLocation(source);

    // Act
    const exported = (module ? checker.getExportsOfModule(module) : [])
      .filter((symbol) => symbol.flags & ts.SymbolFlags.Interface)
      .map((symbol) => symbol.name);

    // Assess
    expect(exported.length).toBeGreaterThan(5);
    expect(exported.filter((name) => !MIRRORED['functions/console/types.ts']?.includes(name))).toEqual([]);
  });

  it.each(Object.entries(MIRRORED).flatMap(([file, names]) => names.map((name) => [name, file] as const)))(
    'has component schema %s with the properties and required ones of the type in %s',
    (name, file) => {
      // Prepare
      const checker = program.getTypeChecker();
      const source = program.getSourceFile(join(ROOT, file));
      const module = source && checker.getSymbolAtLocation(source);
      const symbol = module && checker.getExportsOfModule(module).find((s) => s.name === name);
      if (!symbol) throw new Error(`${file} exports no ${name}`);
      const schema = atPointer(openapi, `#/components/schemas/${name}`);

      // Act
      const differences = compareShapes(
        checker,
        embedded,
        checker.getDeclaredTypeOfSymbol(symbol),
        schema,
        name,
        openapi,
      );

      // Assess
      expect(differences).toEqual([]);
    },
  );

  it('says what the live config is in one shape in both documents', () => {
    // Prepare
    const asyncapi = loadApiDocuments().asyncapi;

    // Act
    const inOpenapi = atPointer(openapi, '#/components/schemas/ConfigVersion');
    const inAsyncapi = atPointer(asyncapi, '#/components/schemas/ConfigVersion');

    // Assess
    expect(inOpenapi).toBeDefined();
    expect(inOpenapi).toEqual(inAsyncapi);
  });

  it("matches a lead id as lead.schema.json's id does", () => {
    // Prepare
    const lead = JSON.parse(readFileSync(join(ROOT, 'schemas', 'lead.schema.json'), 'utf8'));

    // Act
    const leadId = atPointer(openapi, '#/components/schemas/LeadId') as JsonObject;

    // Assess
    expect(leadId.pattern).toBe(lead.properties.id.pattern);
  });
});

/** The properties a schema allows and the ones it requires, through allOf. */
function objectShape(document: JsonObject, raw: unknown): { properties: JsonObject; required: Set<string> } {
  const schema = deref(document, raw);
  const properties: JsonObject = { ...(isObject(schema.properties) ? schema.properties : {}) };
  const required = new Set(Array.isArray(schema.required) ? schema.required.map(String) : []);
  for (const part of Array.isArray(schema.allOf) ? schema.allOf : []) {
    const shape = objectShape(document, part);
    Object.assign(properties, shape.properties);
    for (const name of shape.required) required.add(name);
  }
  return { properties, required };
}

/**
 * Where a schema and a TypeScript type disagree on property names or on which are required, into
 * nested objects and arrays of them; a union of objects against a oneOf, member by member, matched
 * by their `status`.
 */
function compareShapes(
  checker: ts.TypeChecker,
  generated: RegExp,
  type: ts.Type,
  raw: unknown,
  at: string,
  document: JsonObject,
  depth = 0,
): string[] {
  if (raw === undefined) return [`${at}: no schema`];
  // A schema file's own component is the source of its generated type: nothing to compare.
  if (isObject(raw) && typeof raw.$ref === 'string' && generated.test(raw.$ref)) return [];
  const schema = deref(document, raw);
  const bare = checker.getNonNullableType(type);
  if (checker.isArrayType(bare)) {
    const [element] = checker.getTypeArguments(bare as ts.TypeReference);
    return element && schema.items !== undefined
      ? compareShapes(checker, generated, element, schema.items, `${at}[]`, document, depth + 1)
      : [];
  }
  if (bare.isUnion() && Array.isArray(schema.oneOf)) {
    const variants = schema.oneOf.map((variant) => deref(document, variant));
    return bare.types.flatMap((member) => {
      const status = member.getProperty('status');
      const value = status && checker.getTypeOfSymbol(status);
      const tag = value?.isStringLiteral() ? value.value : '?';
      const variant = variants.find(
        (v) => isObject(v.properties) && deref(document, v.properties.status).const === tag,
      );
      return variant
        ? compareShapes(checker, generated, member, variant, `${at}(${tag})`, document, depth + 1)
        : [`${at}: no variant ${tag}`];
    });
  }
  const props = checker.getPropertiesOfType(bare);
  // Primitives, literal unions, records and generated types (their schema is the source) end the walk.
  if (props.length === 0 || bare.isUnion() || depth > 4 || !(bare.flags & ts.TypeFlags.Object)) return [];
  if (checker.getIndexInfosOfType(bare).length > 0) return [];
  const shape = objectShape(document, schema);
  const differences: string[] = [];
  const names = props.map((p) => p.name).sort();
  const schemaNames = Object.keys(shape.properties).sort();
  if (names.join() !== schemaNames.join()) differences.push(`${at}: properties ${schemaNames} ≠ ${names}`);
  const required = props
    .filter((p) => !(p.flags & ts.SymbolFlags.Optional))
    .map((p) => p.name)
    .sort();
  if ([...shape.required].sort().join() !== required.join()) {
    differences.push(`${at}: required ${[...shape.required].sort()} ≠ ${required}`);
  }
  for (const prop of props) {
    const sub = shape.properties[prop.name];
    if (sub === undefined) continue;
    const nested = compareShapes(
      checker,
      generated,
      checker.getTypeOfSymbol(prop),
      sub,
      `${at}.${prop.name}`,
      document,
      depth + 1,
    );
    differences.push(...nested);
  }
  return differences;
}
