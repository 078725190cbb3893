import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mapPayload, PRESETS } from '../../../../functions/mapping/index.ts';
import { BodyParseError, parseBody } from '../../../../functions/mapping/parse-body.ts';
import type { MappedLead } from '../../../../functions/mapping/types.ts';
import { MappingError } from '../../../../functions/mapping/types.ts';
import { leadSchemaErrors, senderFixture } from './lead-rules.ts';

const presetNames = Object.keys(PRESETS) as (keyof typeof PRESETS)[];

/** Values that look like lead fields, so arbitrary payloads often reach normalisation, not only shape checks. */
const leadish = fc.oneof(
  fc.emailAddress(),
  fc.constantFrom('+14155552671', '0491 22 33 44', 15550000000, 'Laura van der Berg', 'on', '72', '', ' '),
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
);
const leadishKey = fc.oneof(
  fc.constantFrom(
    'email',
    'Email Address',
    'phone',
    'name',
    'first_name',
    'company',
    'score',
    'utm_source',
    'consent',
  ),
  fc.string(),
);
const payloads = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, leadish, tie('object'), tie('array')),
  object: fc.dictionary(leadishKey, tie('value'), { maxKeys: 8 }),
  array: fc.array(tie('value'), { maxLength: 4 }),
})).value;

async function outcome(
  preset: (typeof presetNames)[number],
  payload: unknown,
): Promise<MappedLead | MappingError> {
  try {
    return await mapPayload(
      { preset },
      { payload, contentType: 'application/json', headers: {}, phoneRegion: 'US' },
    );
  } catch (error) {
    if (error instanceof MappingError) return error;
    throw error;
  }
}

function assertLeadOrMappingError(result: MappedLead | MappingError): void {
  if (result instanceof MappingError) return;
  expect(leadSchemaErrors(result)).toEqual([]);
}

describe('mapping fuzz', () => {
  it('the schema check used below does catch a broken lead', () => {
    expect(leadSchemaErrors({ firstName: 'No contact' })).not.toEqual([]);
    expect(leadSchemaErrors({ email: 'a@b.co', score: 101 })).not.toEqual([]);
  });

  it('every preset, on arbitrary JSON, resolves to a schema-valid lead or rejects with MappingError', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...presetNames), payloads, async (preset, payload) => {
        assertLeadOrMappingError(await outcome(preset, payload));
      }),
      { numRuns: 400 },
    );
  });

  it('every preset, on a sender fixture with one value replaced, resolves or rejects with MappingError', async () => {
    const fixtures = [
      ['typeform', 'typeform_form_response.json'],
      ['calendly', 'calendly_invitee_created.json'],
      ['webflow', 'webflow_form_submission.json'],
      ['tally', 'tally_form_response.json'],
      ['hubspot', 'hubspot_contact_creation.json'],
    ] as const;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...fixtures),
        fc.nat(),
        payloads,
        async ([preset, file], index, replacement) => {
          const payload = senderFixture(file).json;
          const slots: [Record<string, unknown> | unknown[], string | number][] = [];
          const walk = (node: unknown) => {
            if (Array.isArray(node))
              node.forEach((child, i) => {
                slots.push([node, i]);
                walk(child);
              });
            else if (typeof node === 'object' && node !== null) {
              for (const [key, child] of Object.entries(node)) {
                slots.push([node as Record<string, unknown>, key]);
                walk(child);
              }
            }
          };
          walk(payload);
          const slot = slots[index % slots.length];
          if (slot !== undefined) (slot[0] as Record<string | number, unknown>)[slot[1]] = replacement;
          assertLeadOrMappingError(await outcome(preset, payload));
        },
      ),
      { numRuns: 400 },
    );
  });

  it('JSONata over arbitrary payloads resolves to a valid lead or rejects with MappingError', async () => {
    const expressions = [
      '$',
      '{"email": email, "phone": phone, "name": name, "score": score, "custom": $}',
      '$.*',
    ];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...expressions), payloads, async (jsonata, payload) => {
        try {
          const lead = await mapPayload(
            { jsonata },
            { payload, contentType: 'application/json', headers: {}, phoneRegion: 'US' },
          );
          expect(leadSchemaErrors(lead)).toEqual([]);
        } catch (error) {
          expect(error).toBeInstanceOf(MappingError);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('parseBody only ever throws BodyParseError, whatever the bytes and content type', () => {
    const contentTypes = fc.oneof(
      fc.constantFrom(
        undefined,
        'application/json',
        'application/json; charset=latin1',
        'application/x-www-form-urlencoded',
        'application/x-www-form-urlencoded; charset=shift_jis',
        'multipart/form-data; boundary=XyZ',
        'multipart/form-data',
        'text/html',
      ),
      fc.string(),
    );
    const bodies = fc.oneof(
      fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
      fc.json().map((text) => Buffer.from(text)),
      fc
        .array(fc.tuple(fc.string({ maxLength: 10 }), fc.string({ maxLength: 20 }), fc.boolean()), {
          maxLength: 4,
        })
        .map((parts) =>
          Buffer.from(
            `${parts
              .map(
                ([name, value, file]) =>
                  `--XyZ\r\nContent-Disposition: form-data; name="${name}"${file ? '; filename="f"' : ''}\r\n\r\n${value}\r\n`,
              )
              .join('')}--XyZ--`,
          ),
        ),
    );
    fc.assert(
      fc.property(contentTypes, bodies, (contentType, body) => {
        try {
          parseBody(contentType, body);
        } catch (error) {
          expect(error).toBeInstanceOf(BodyParseError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
