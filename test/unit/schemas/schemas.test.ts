import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { Lead } from '../../../schemas/generated/lead.ts';
import {
  describeErrors,
  validateLead,
  validateLeadReceived,
  validateOpsAlert,
} from '../../../schemas/validate.ts';
import { generateAll } from '../../../scripts/gen-types.ts';
import { fullLead, leadReceived } from './lead-factory.ts';

describe('generated types and validators', () => {
  it('are up to date with the JSON Schemas (run `npm run gen:types` if this fails)', async () => {
    // Prepare
    const expected = await generateAll();

    // Act
    const actual = await Promise.all(
      [...expected.keys()].map(async (file) => [file, await readFile(file, 'utf8')]),
    );

    // Assess
    // 6 type files, then validators.js/.d.ts and config-validator.js/.d.ts.
    expect(expected.size).toBe(10);
    for (const [file, text] of actual) expect(text, file).toBe(expected.get(file as string));
  });
});

describe('validateLead', () => {
  it('accepts a lead with every field filled in', () => {
    expect(validateLead(fullLead()), describeErrors(validateLead.errors).join('; ')).toBe(true);
  });

  it.each([
    ['no email but a phone', { email: undefined }],
    ['no phone but an email', { phone: undefined }],
    ['score at the bounds (0)', { score: 0 }],
    ['score at the bounds (100)', { score: 100 }],
  ])('accepts a lead with %s', (_name, change) => {
    const lead = withChange(fullLead(), change);
    expect(validateLead(lead), describeErrors(validateLead.errors).join('; ')).toBe(true);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['an id not in lead_<32 hex> form', { id: 'lead_123' }, '/id'],
    ['an empty source', { source: '' }, '/source'],
    ['a receivedAt that is not a date-time', { receivedAt: 'yesterday' }, '/receivedAt'],
    ['a submittedAt that is not a date-time', { submittedAt: '2026-13-01' }, '/submittedAt'],
    ['an email that is not an email', { email: 'not-an-email' }, '/email'],
    ['a phone not in E.164', { phone: '415 555 0123' }, '/phone'],
    ['an empty firstName', { firstName: '' }, '/firstName'],
    ['an empty lastName', { lastName: '' }, '/lastName'],
    ['a company longer than 255', { company: 'x'.repeat(256) }, '/company'],
    ['a message longer than 32000', { message: 'x'.repeat(32_001) }, '/message'],
    ['consent.marketing not a boolean', { consent: { marketing: 'yes' } }, '/consent/marketing'],
    ['an unknown consent property', { consent: { gdpr: true } }, '/consent'],
    ['an unknown utm property', { utm: { gclid: 'x' } }, '/utm'],
    ['an unknown attribution property', { attribution: { page: 'x' } }, '/attribution'],
    ['a score above 100', { score: 101 }, '/score'],
    ['a negative score', { score: -1 }, '/score'],
    ['a fractional score', { score: 70.5 }, '/score'],
    ['a custom value that is an object', { custom: { nested: { a: 1 } } }, '/custom/nested'],
    ['raw without sha256', { raw: { deliveryId: 'd', bytes: 1 } }, '/raw'],
    ['raw.sha256 not 64 hex', { raw: { deliveryId: 'd', sha256: 'abc', bytes: 1 } }, '/raw/sha256'],
    [
      'raw.deliveryIdFrom unknown',
      { raw: { deliveryId: 'd', sha256: 'a'.repeat(64), bytes: 1, deliveryIdFrom: 'guess' } },
      '/raw/deliveryIdFrom',
    ],
    ['schemaVersion 2', { schemaVersion: 2 }, '/schemaVersion'],
    ['an empty correlationId', { correlationId: '' }, '/correlationId'],
    ['an unknown top-level property', { favouriteColour: 'blue' }, ''],
    ['neither email nor phone', { email: undefined, phone: undefined }, ''],
    ['no id', { id: undefined }, ''],
  ])('refuses a lead with %s', (_name, change, path) => {
    // Prepare
    const lead = withChange(fullLead(), change);

    // Act
    const valid = validateLead(lead);

    // Assess
    expect(valid).toBe(false);
    expect(validateLead.errors?.map((error) => error.instancePath)).toContain(path);
  });
});

describe('validateLeadReceived and validateOpsAlert', () => {
  it('accept a lead.received detail and each kind of ops alert', () => {
    expect(validateLeadReceived(leadReceived(fullLead()))).toBe(true);
    expect(
      validateOpsAlert({
        kind: 'dead-lettered',
        destination: 'hubspot',
        leadId: 'l',
        reason: 'r',
        attempts: 3,
      }),
    ).toBe(true);
    expect(validateOpsAlert({ kind: 'credentials-refused', destination: 'hubspot', reason: 'r' })).toBe(true);
    expect(validateOpsAlert({ kind: 'quarantined', source: 's', quarantineId: 'q', reason: 'r' })).toBe(true);
    expect(validateOpsAlert({ kind: 'schema-drift', source: 's', added: ['a'], removed: [] })).toBe(true);
  });

  it.each<[string, unknown]>([
    ['a lead.received detail with an invalid lead', leadReceived(fullLead({ score: 500 }))],
    [
      'a lead.received detail with another event_type',
      { ...leadReceived(fullLead()), event_type: 'lead.updated' },
    ],
  ])('refuse %s', (_name, detail) => {
    expect(validateLeadReceived(detail)).toBe(false);
  });

  it.each<[string, unknown]>([
    ['an unknown kind', { kind: 'exploded', destination: 'hubspot', reason: 'r' }],
    [
      'a dead-lettered alert carrying an email',
      {
        kind: 'dead-lettered',
        destination: 'h',
        leadId: 'l',
        reason: 'r',
        attempts: 1,
        email: 'jane@example.com',
      },
    ],
    [
      'a dead-lettered alert without attempts',
      { kind: 'dead-lettered', destination: 'h', leadId: 'l', reason: 'r' },
    ],
  ])('refuse an ops alert with %s', (_name, alert) => {
    expect(validateOpsAlert(alert)).toBe(false);
  });
});

describe('describeErrors', () => {
  it('names each path in dotted form and drops if/oneOf wrappers', () => {
    // Prepare
    validateLead({ ...fullLead(), utm: { gclid: 'x' }, score: 101 });

    // Act
    const lines = describeErrors(validateLead.errors, 'detail.lead');

    // Assess
    expect(lines).toEqual(
      expect.arrayContaining([
        'detail.lead.utm: unknown property "gclid" (check its spelling)',
        expect.stringMatching(/^detail\.lead\.score: /),
      ]),
    );
    expect(lines.some((line) => line.includes('"if"'))).toBe(false);
  });
});

/** A copy of `lead` with `change` applied; an undefined value removes the property. */
function withChange(lead: Lead, change: Record<string, unknown>): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...lead };
  for (const [key, value] of Object.entries(change)) {
    if (value === undefined) delete copy[key];
    else copy[key] = value;
  }
  return copy;
}
