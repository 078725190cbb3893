import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { App, Aspects, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { OPS_ALERT } from '../../functions/routing/rules.ts';
import {
  bundleSchema,
  DRAFT_4,
  EVENT_CONTRACTS,
  type JsonSchema,
  registryDocument,
  schemaLoader,
  toDraft4,
} from '../../infra/event-contracts.ts';
import { EventSchemas } from '../../infra/event-schemas.ts';
import { eventBridgeEnvelope, fullLead, leadReceived } from '../unit/schemas/lead-factory.ts';
import { exampleConfig, resourcesOf, synthPipeline } from './synth.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** if/then/else, built from entries: a literal `then` key reads to Biome as a thenable. */
const conditional = (condition: JsonSchema, then?: JsonSchema, otherwise?: JsonSchema): JsonSchema =>
  Object.fromEntries(
    [
      ['if', condition],
      ['then', then],
      ['else', otherwise],
    ].filter(([, value]) => value !== undefined),
  );

describe('toDraft4', () => {
  it.each<[string, JsonSchema, JsonSchema]>([
    ['const → a one-value enum', { const: 'a' }, { enum: ['a'] }],
    ['const beside an enum → their intersection', { const: 'a', enum: ['a', 'b'] }, { enum: ['a'] }],
    [
      'numeric exclusiveMinimum → minimum + true',
      { exclusiveMinimum: 0 },
      { minimum: 0, exclusiveMinimum: true },
    ],
    [
      'numeric exclusiveMaximum → maximum + true',
      { exclusiveMaximum: 9 },
      { maximum: 9, exclusiveMaximum: true },
    ],
    ['the stricter of minimum and exclusiveMinimum', { minimum: 5, exclusiveMinimum: 1 }, { minimum: 5 }],
    [
      '$defs → definitions, and the $ref with it',
      { $defs: { a: { type: 'string' } }, $ref: '#/$defs/a' },
      {
        definitions: { a: { type: 'string' } },
        allOf: [{ $ref: '#/definitions/a' }],
      },
    ],
    [
      'if/then → anyOf [not if, then]',
      conditional({ required: ['a'] }, { required: ['b'] }),
      { anyOf: [{ not: { required: ['a'] } }, { required: ['b'] }] },
    ],
    [
      'if { not X }/then → anyOf [X, then]',
      conditional({ not: { required: ['a'] } }, { required: ['b'] }),
      { anyOf: [{ required: ['a'] }, { required: ['b'] }] },
    ],
    [
      'if/then/else → two anyOf clauses in allOf',
      conditional({ type: 'string' }, { minLength: 1 }, { minimum: 0 }),
      {
        allOf: [
          { anyOf: [{ not: { type: 'string' } }, { minLength: 1 }] },
          { anyOf: [{ type: 'string' }, { minimum: 0 }] },
        ],
      },
    ],
    ['dependentRequired → dependencies', { dependentRequired: { a: ['b'] } }, { dependencies: { a: ['b'] } }],
    [
      'prefixItems/items → items/additionalItems',
      { prefixItems: [{ type: 'string' }], items: false },
      { items: [{ type: 'string' }], additionalItems: false },
    ],
    [
      'boolean schemas → {} and { not: {} }',
      { properties: { a: true, b: false } },
      { properties: { a: {}, b: { not: {} } } },
    ],
    [
      'keywords beside a $ref → allOf',
      { $ref: '#/definitions/a', description: 'd', maxLength: 3 },
      { description: 'd', allOf: [{ $ref: '#/definitions/a' }, { maxLength: 3 }] },
    ],
    [
      '$id, $comment and examples removed',
      { $id: 'x', $comment: 'c', examples: [1], type: 'integer' },
      { type: 'integer' },
    ],
    [
      'nested subschemas converted',
      { properties: { a: { items: { const: 1 } } }, oneOf: [{ const: 2 }] },
      { properties: { a: { items: { enum: [1] } } }, oneOf: [{ enum: [2] }] },
    ],
    [
      'enum, default and format left as they are',
      { enum: [{ const: 1 }], default: { const: 1 }, format: 'email' },
      { enum: [{ const: 1 }], default: { const: 1 }, format: 'email' },
    ],
  ])('%s', (_name, input, expected) => {
    expect(toDraft4(input)).toEqual({ schema: { $schema: DRAFT_4, ...expected }, dropped: [] });
  });

  it('drops what draft 4 cannot express, and says where', () => {
    const { schema, dropped } = toDraft4({ properties: { custom: { propertyNames: { maxLength: 3 } } } });
    expect(schema).toEqual({ $schema: DRAFT_4, properties: { custom: {} } });
    expect(dropped).toEqual(['/properties/custom/propertyNames']);
  });

  it('refuses what a reference may point through', () => {
    expect(() => toDraft4({ $anchor: 'a' })).toThrow('/$anchor: draft 4 has no equivalent');
  });
});

describe('bundleSchema', () => {
  it('embeds a referenced file once under its title, its own references rewritten', () => {
    // Prepare
    const files: Record<string, JsonSchema> = {
      'https://x.test/b.json': {
        $id: 'https://x.test/b.json',
        title: 'B',
        $defs: { n: { type: 'number' } },
        properties: { n: { $ref: '#/$defs/n' } },
      },
    };
    const root = {
      $id: 'https://x.test/a.json',
      properties: { b: { $ref: 'b.json' }, c: { $ref: 'b.json#/$defs/n' } },
    };

    // Act
    const bundled = bundleSchema(root, (url) => files[url] as JsonSchema);

    // Assess
    expect(bundled).toEqual({
      $id: 'https://x.test/a.json',
      properties: { b: { $ref: '#/definitions/B' }, c: { $ref: '#/definitions/B/definitions/n' } },
      definitions: {
        B: {
          title: 'B',
          definitions: { n: { type: 'number' } },
          properties: { n: { $ref: '#/definitions/B/definitions/n' } },
        },
      },
    });
  });
});

/** Every keyword position of a document, as [JSON pointer, keyword, value]. */
function* keywords(node: unknown, pointer = ''): Generator<[string, string, unknown]> {
  if (Array.isArray(node)) for (const [i, item] of node.entries()) yield* keywords(item, `${pointer}/${i}`);
  if (typeof node !== 'object' || node === null || Array.isArray(node)) return;
  for (const [key, value] of Object.entries(node)) {
    yield [pointer, key, value];
    if (key !== 'enum' && key !== 'default') yield* keywords(value, `${pointer}/${key}`);
  }
}

/**
 * The draft-4 document as the project's Ajv (draft 7) reads it: ajv-draft-04 is not installed, and
 * the only draft-4 keyword with another meaning in draft 7 is the boolean exclusive bound.
 */
function toDraft7(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toDraft7);
  if (typeof node !== 'object' || node === null) return node;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === '$schema') continue;
    out[key] = key === 'enum' || key === 'default' ? value : toDraft7(value);
  }
  for (const [exclusive, inclusive] of [
    ['exclusiveMinimum', 'minimum'],
    ['exclusiveMaximum', 'maximum'],
  ]) {
    if (out[exclusive as string] === true) {
      out[exclusive as string] = out[inclusive as string];
      delete out[inclusive as string];
    } else if (out[exclusive as string] === false) delete out[exclusive as string];
  }
  return out;
}

describe('EventSchemas: the registry', () => {
  let template: Template;
  let annotations: Annotations;
  let contents: Record<string, JsonSchema>;

  beforeAll(() => {
    // Prepare: the construct alone, with cdk-nag.
    const app = new App();
    const stack = new Stack(app, 'Test', { env: { account: '111122223333', region: 'eu-west-1' } });
    new EventSchemas(stack, 'EventSchemas', { prefix: 'leadpipe' });
    Aspects.of(app).add(new AwsSolutionsChecks());
    template = Template.fromStack(stack);
    annotations = Annotations.fromStack(stack);
    contents = Object.fromEntries(
      Object.values(resourcesOf(template, 'AWS::EventSchemas::Schema')).map((resource) => [
        String(resource.Properties?.SchemaName),
        JSON.parse(String(resource.Properties?.Content)) as JsonSchema,
      ]),
    );
  });

  it('is one registry named from the prefix, holding one draft-4 schema per event', () => {
    template.resourceCountIs('AWS::EventSchemas::Registry', 1);
    template.hasResourceProperties('AWS::EventSchemas::Registry', { RegistryName: 'leadpipe-events' });
    for (const contract of EVENT_CONTRACTS) {
      template.hasResourceProperties('AWS::EventSchemas::Schema', {
        SchemaName: contract.registryName,
        Type: 'JSONSchemaDraft4',
        RegistryName: { 'Fn::GetAtt': [Match.stringLikeRegexp('Registry'), 'RegistryName'] },
      });
    }
    expect(Object.keys(contents).sort()).toEqual([
      'leadpipe@LeadReceived',
      'leadpipe@LeadReference',
      'leadpipe@OpsAlert',
    ]);
  });

  it('passes cdk-nag', () => {
    expect(annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual([]);
  });

  it.each(EVENT_CONTRACTS.map((contract) => [contract.registryName]))(
    '%s is self-contained draft 4: no $defs, const, $id, if, numeric exclusive bound; local references that resolve',
    (name) => {
      const content = contents[name] as JsonSchema;
      expect(content.$schema).toBe(DRAFT_4);
      for (const [pointer, keyword, value] of keywords(content)) {
        const at = `${pointer}/${keyword}`;
        expect(
          ['$defs', 'const', '$id', 'if', 'then', 'else', '$comment', 'propertyNames'],
          at,
        ).not.toContain(keyword);
        if (keyword === 'exclusiveMinimum' || keyword === 'exclusiveMaximum')
          expect(typeof value, at).toBe('boolean');
        if (keyword === '$schema') expect(pointer, at).toBe('');
        if (keyword === '$ref') {
          expect(value, at).toMatch(/^#\/definitions\/[^/]+$/);
          const definition = String(value).split('/').pop() ?? '';
          expect(Object.keys(content.definitions as JsonSchema), at).toContain(definition);
        }
      }
      expect(JSON.stringify(content).length).toBeLessThan(100_000);
    },
  );

  it('lists what the lead.received schema loses in draft 4: only the key limits of lead.custom', () => {
    const lead = EVENT_CONTRACTS[0];
    expect(lead && registryDocument(lead, schemaLoader()).dropped).toEqual([
      '/properties/detail/definitions/Lead/properties/custom/propertyNames',
    ]);
  });

  it('accepts a valid lead.received and ops.alert event, and refuses broken ones', () => {
    // Prepare: compiled as draft 7 after the one keyword that differs is converted back (see toDraft7).
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    const validate = (name: string) => ajv.compile(toDraft7(contents[name]) as JsonSchema);
    const leadEvent = validate('leadpipe@LeadReceived');
    const opsEvent = validate('leadpipe@OpsAlert');
    const event = eventBridgeEnvelope('lead.received', leadReceived(fullLead()));
    const alert = eventBridgeEnvelope(OPS_ALERT, {
      kind: 'quarantined',
      source: 'demo',
      quarantineId: 'q1',
      reason: 'no email',
    });

    // Act, Assess
    expect(leadEvent(event), JSON.stringify(leadEvent.errors)).toBe(true);
    expect(opsEvent(alert), JSON.stringify(opsEvent.errors)).toBe(true);
    expect(
      leadEvent(
        eventBridgeEnvelope('lead.received', leadReceived(fullLead({ email: undefined, phone: undefined }))),
      ),
    ).toBe(false);
    expect(leadEvent(eventBridgeEnvelope('lead.received', leadReceived(fullLead({ score: 101 }))))).toBe(
      false,
    );
    expect(leadEvent(eventBridgeEnvelope(OPS_ALERT, leadReceived(fullLead())))).toBe(false);
    expect(opsEvent(eventBridgeEnvelope(OPS_ALERT, { kind: 'quarantined', source: 'demo' }))).toBe(false);
  });
});

describe('LeadPipeline: the event schema registry', () => {
  it('is part of the pipeline, named from its prefix', () => {
    const { template } = synthPipeline(exampleConfig(), { prefix: 'acme' });
    template.hasResourceProperties('AWS::EventSchemas::Registry', { RegistryName: 'acme-events' });
    template.resourceCountIs('AWS::EventSchemas::Schema', EVENT_CONTRACTS.length);
  });
});
