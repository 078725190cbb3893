import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import type { FormatsPlugin } from 'ajv-formats';
import addFormatsModule from 'ajv-formats';
import type { MappedLead } from '../../../../functions/mapping/types.ts';

// ajv-formats is CommonJS: Node hands its module.exports over as the default, which carries `.default` too.
const addFormats = (addFormatsModule as unknown as { default: FormatsPlugin }).default;

const schema = JSON.parse(
  readFileSync(new URL('../../../../schemas/lead.schema.json', import.meta.url), 'utf8'),
);
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
const validate = ajv.compile(schema);

/** Errors from the Lead schema for a mapped lead, given the identity fields ingest would add. */
export function leadSchemaErrors(mapped: MappedLead): string[] {
  const { deliveryId: _deliveryId, ...fields } = mapped;
  const lead = {
    ...fields,
    id: 'lead_0123456789abcdef0123456789abcdef',
    source: 'test',
    receivedAt: '2026-01-01T00:00:00.000Z',
    schemaVersion: 1,
    correlationId: 'corr-1',
  };
  if (validate(lead)) return [];
  return (validate.errors ?? []).map((error) => `${error.instancePath} ${error.message ?? ''}`);
}

/** A sender fixture, as bytes and as parsed JSON. */
export function senderFixture(name: string): { bytes: Buffer; json: unknown } {
  const bytes = readFileSync(new URL(`../../../fixtures/senders/${name}`, import.meta.url));
  return { bytes, json: JSON.parse(bytes.toString('utf8')) };
}
