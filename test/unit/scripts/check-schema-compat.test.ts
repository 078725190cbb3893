import { describe, expect, it } from 'vitest';
import { EVENT_CONTRACTS, type JsonSchema } from '../../../infra/event-contracts.ts';
import { checkAll, checkEvent, compareSchemas } from '../../../scripts/check-schema-compat.ts';

/** A small released event: tests change one thing at a time from here. */
function released(): JsonSchema {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['kind', 'schema_version', 'lead'],
    properties: {
      kind: { enum: ['a', 'b'] },
      schema_version: { type: 'integer', const: 1 },
      note: { type: 'string', maxLength: 10, description: 'free text' },
      lead: { $ref: '#/definitions/Lead' },
      tags: { type: 'array', items: { type: 'string' } },
      custom: { type: 'object', additionalProperties: { type: 'string' } },
      alert: {
        oneOf: [
          { title: 'One', type: 'object', properties: { one: { type: 'string' } } },
          { title: 'Two', type: 'object', properties: { two: { type: 'string' } } },
        ],
      },
    },
    definitions: {
      Lead: {
        type: 'object',
        required: ['id'],
        properties: { id: { type: 'string', pattern: '^lead_' }, score: { type: 'integer', minimum: 0 } },
      },
    },
  };
}

function changed(change: (schema: JsonSchema) => void): JsonSchema {
  const schema = structuredClone(released());
  change(schema);
  return schema;
}

// biome-ignore lint/suspicious/noExplicitAny: the cases reach into nested parsed JSON.
const props = (schema: JsonSchema): any => schema.properties;
// biome-ignore lint/suspicious/noExplicitAny: as above.
const lead = (schema: JsonSchema): any => (schema.definitions as any).Lead;

describe('compareSchemas: breaking changes, each at its path', () => {
  it.each<[string, (schema: JsonSchema) => void, string, RegExp]>([
    ['a removed property', (s) => delete props(s).note, 'note', /removed/],
    [
      'a renamed property',
      (s) => {
        props(s).remark = props(s).note;
        delete props(s).note;
      },
      'note',
      /removed/,
    ],
    ['a newly required property', (s) => (s.required as string[]).push('note'), 'note', /newly required/],
    [
      'a property no longer required',
      (s) => (s.required = ['kind', 'schema_version']),
      'lead',
      /no longer required/,
    ],
    [
      'a new required property',
      (s) => {
        props(s).extra = { type: 'string' };
        (s.required as string[]).push('extra');
      },
      'extra',
      /newly required/,
    ],
    ['a narrowed enum', (s) => (props(s).kind.enum = ['a']), 'kind', /values narrowed/],
    ['a widened enum', (s) => (props(s).kind.enum = ['a', 'b', 'c']), 'kind', /values widened/],
    ['a const changed', (s) => (props(s).schema_version.const = 2), 'schema_version', /values narrowed/],
    ['a narrowed type', (s) => (props(s).tags.items.type = 'null'), 'tags[]', /type narrowed/],
    ['a widened type', (s) => (lead(s).properties.score.type = 'number'), 'lead.score', /type widened/],
    [
      'a lowered maximum',
      (s) => (props(s).note.maxLength = 5),
      'note',
      /maxLength changed \(10 → 5\).*no longer validate/,
    ],
    [
      'a raised maximum',
      (s) => (props(s).note.maxLength = 20),
      'note',
      /maxLength changed \(10 → 20\).*consumers/,
    ],
    ['an added minimum', (s) => (props(s).note.minLength = 1), 'note', /minLength added/],
    ['a removed minimum', (s) => delete lead(s).properties.score.minimum, 'lead.score', /minimum removed/],
    ['a changed pattern', (s) => (lead(s).properties.id.pattern = '^ld_'), 'lead.id', /pattern changed/],
    ['a changed format', (s) => (props(s).note.format = 'email'), 'note', /format changed/],
    [
      'a narrowed additionalProperties',
      (s) => (props(s).custom.additionalProperties.maxLength = 3),
      'custom.*',
      /maxLength added/,
    ],
    ['a closed object', (s) => (lead(s).additionalProperties = false), 'lead', /closed/],
    [
      'a property declared where any was allowed',
      (s) => (lead(s).properties.extra = { type: 'string' }),
      'lead.extra',
      /any property was allowed/,
    ],
    ['a removed oneOf variant', (s) => props(s).alert.oneOf.pop(), 'alert(oneOf Two)', /removed/],
    [
      'an added oneOf variant',
      (s) => props(s).alert.oneOf.push({ title: 'Three', type: 'object' }),
      'alert(oneOf Three)',
      /added/,
    ],
    [
      'a change inside a variant',
      (s) => (props(s).alert.oneOf[0].properties.one.type = 'integer'),
      'alert(oneOf One).one',
      /type/,
    ],
  ])('%s', (_name, change, path, message) => {
    // Act
    const problems = compareSchemas(released(), changed(change));

    // Assess
    expect(problems).toContainEqual({ path, message: expect.stringMatching(message) });
  });
});

describe('compareSchemas: compatible changes', () => {
  it.each<[string, (schema: JsonSchema) => void]>([
    ['none', () => {}],
    [
      'a new optional property on a closed object',
      (s) => (props(s).extra = { type: 'string', maxLength: 256 }),
    ],
    [
      'a new optional property with the shape of additionalProperties',
      (s) => (props(s).custom.properties = { plan: { type: 'string' } }),
    ],
    ['an opened object', (s) => delete s.additionalProperties],
    [
      'descriptions, titles, examples and defaults',
      (s) => {
        props(s).note.description = 'other words';
        props(s).note.examples = ['hi'];
        s.title = 'Renamed';
        lead(s).properties.score.default = 0;
      },
    ],
    [
      'reordered required and enum',
      (s) => {
        s.required = ['lead', 'kind', 'schema_version'];
        props(s).kind.enum = ['b', 'a'];
      },
    ],
    ['reordered oneOf variants (matched by title)', (s) => props(s).alert.oneOf.reverse()],
    [
      'a const written as a one-value enum',
      (s) => (props(s).schema_version = { type: 'integer', enum: [1] }),
    ],
    [
      'a definition renamed, the $ref following it',
      (s) => {
        const definitions = s.definitions as JsonSchema;
        definitions.Prospect = definitions.Lead;
        delete definitions.Lead;
        props(s).lead.$ref = '#/definitions/Prospect';
      },
    ],
  ])('%s', (_name, change) => {
    expect(compareSchemas(released(), changed(change))).toEqual([]);
  });
});

describe('checkEvent: schema_version', () => {
  const [contract] = EVENT_CONTRACTS;
  if (contract === undefined) throw new Error('no event contracts');
  const v1 = new Map([[1, released()]]);

  it('names the event, the file, the version and the path of a breaking change', () => {
    const lines = checkEvent(
      contract,
      changed((s) => delete props(s).note),
      v1,
    );
    expect(lines).toEqual([
      expect.stringMatching(
        /^lead\.received \(schemas\/lead-received\.event\.schema\.json, schema_version 1\): detail\.note: removed/,
      ),
    ]);
  });

  it('accepts any change once schema_version is bumped and its baseline added', () => {
    const v2 = changed((s) => {
      delete props(s).note;
      props(s).schema_version.const = 2;
    });
    expect(checkEvent(contract, v2, new Map([...v1, [2, v2]]))).toEqual([]);
  });

  it('asks for the baseline of a bumped version', () => {
    const v2 = changed((s) => (props(s).schema_version.const = 2));
    expect(checkEvent(contract, v2, v1)).toEqual([
      expect.stringContaining('a new version: add its baseline, schemas/released/lead.received.v2.json'),
    ]);
  });

  it('refuses a version below the released one', () => {
    expect(checkEvent(contract, released(), new Map([[2, released()]]))).toEqual([
      expect.stringContaining('below the released v2'),
    ]);
  });

  it('asks for a first baseline when nothing is released', () => {
    expect(checkEvent(contract, released(), new Map())).toEqual([
      expect.stringContaining('nothing released yet'),
    ]);
  });
});

describe('the project event schemas', () => {
  it('are compatible with schemas/released/ (or bumped schema_version and added a baseline)', () => {
    expect(checkAll()).toEqual([]);
  });
});
