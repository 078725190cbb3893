import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { leadFromMapped, leadReceived } from '../../functions/ingest/ingest.ts';
import { mapPayload } from '../../functions/mapping/index.ts';
import { LEAD_LIMITS } from '../../functions/mapping/normalise.ts';
import { parseBody } from '../../functions/mapping/parse-body.ts';
import type { Lead } from '../../schemas/generated/lead.ts';
import { describeErrors, validateLead } from '../../schemas/validate.ts';
import { fullLead } from '../unit/schemas/lead-factory.ts';

/**
 * A lead.received event must fit one EventBridge entry (256 KiB) whatever a sender posts: the lead schema bounds
 * every field, and the worst lead the schema admits, serialised with its escapes, still fits. A lead that does not
 * fit could never be published, and its sender would be answered 503 on every retry.
 */
const EVENTBRIDGE_ENTRY_LIMIT = 256 * 1024;

interface SchemaNode {
  type?: string | string[];
  maxLength?: number;
  maxProperties?: number;
  pattern?: string;
  format?: string;
  const?: unknown;
  enum?: unknown[];
  properties?: Record<string, SchemaNode>;
  additionalProperties?: boolean | SchemaNode;
  propertyNames?: SchemaNode;
}

const schema = JSON.parse(
  readFileSync(new URL('../../schemas/lead.schema.json', import.meta.url), 'utf8'),
) as SchemaNode;

/** Every string and open object in the schema, by path, with the limit that bounds it (undefined: none). */
function limits(node: SchemaNode, path: string, out: Map<string, number | undefined>): void {
  const types = Array.isArray(node.type) ? node.type : [node.type];
  // A pattern without open repetition (`lead_[0-9a-f]{32}`, E.164) bounds its string by itself.
  const fixedShape = node.pattern !== undefined && !/[*+]/.test(node.pattern.replace(/\\./g, ''));
  const constrained =
    node.const !== undefined || node.enum !== undefined || node.format === 'date-time' || fixedShape;
  if (types.includes('string') && !constrained) out.set(path, node.maxLength);
  for (const [name, child] of Object.entries(node.properties ?? {})) limits(child, `${path}.${name}`, out);
  if (typeof node.additionalProperties === 'object') {
    out.set(`${path}{}`, node.maxProperties);
    out.set(`${path}{key}`, node.propertyNames?.maxLength);
    limits(node.additionalProperties, `${path}{value}`, out);
  }
}

const node = (path: string): SchemaNode => {
  let at = schema;
  for (const part of path.split('.')) at = at.properties?.[part] as SchemaNode;
  return at;
};
const max = (path: string): number => node(path).maxLength as number;

/** `length` code points of `fill` repeated (a fill may mix one- and two-unit code points). */
function cps(fill: string, length: number): string {
  const points = [...fill];
  return Array.from({ length }, (_, i) => points[i % points.length]).join('');
}

/** The largest lead the schema accepts, every bounded string at its limit, written in `fill`. */
function worstLead(fill: string): Lead {
  const customNode = node('custom');
  const keyMax = customNode.propertyNames?.maxLength as number;
  const valueMax = (customNode.additionalProperties as SchemaNode).maxLength as number;
  const custom: Record<string, string> = {};
  for (let i = 0; i < (customNode.maxProperties as number); i++) {
    const prefix = `k${i}-`;
    custom[prefix + cps(fill, keyMax - prefix.length)] = cps(fill, valueMax);
  }
  const text = (path: string) => cps(fill, max(path));
  // The schema's email pattern admits any non-space, non-control character around one @ and a dot.
  const emailMax = max('email');
  const mailFill = fill.replace(/\s/g, '') || 'a';
  const email = `${cps(mailFill, 64)}@${cps(mailFill, emailMax - 64 - 1 - 4)}.${cps(mailFill, 3)}`;
  const base = fullLead();
  return {
    ...base,
    // Fixed-shape ids (not counted as free strings above) still cost their bytes.
    personId: `person_${'f'.repeat(32)}`,
    source: text('source'),
    correlationId: text('correlationId'),
    email,
    firstName: text('firstName'),
    lastName: text('lastName'),
    company: text('company'),
    message: text('message'),
    consent: { marketing: true, terms: true, text: text('consent.text') },
    utm: {
      source: text('utm.source'),
      medium: text('utm.medium'),
      campaign: text('utm.campaign'),
      term: text('utm.term'),
      content: text('utm.content'),
    },
    attribution: {
      referrer: text('attribution.referrer'),
      landingPage: text('attribution.landingPage'),
      formId: text('attribution.formId'),
      formName: text('attribution.formName'),
      externalId: text('attribution.externalId'),
    },
    score: 100,
    custom,
    raw: {
      deliveryId: text('raw.deliveryId'),
      deliveryIdFrom: 'body-hash',
      contentType: text('raw.contentType'),
      sha256: 'f'.repeat(64),
      bytes: 262_144,
    },
  };
}

/** What EventBridge counts for an entry: Time (14), Source, DetailType and Detail in UTF-8. */
function entryBytes(detail: object): number {
  return 14 + Buffer.byteLength('leadpipe') + Buffer.byteLength('lead.received') + detailBytes(detail);
}
const detailBytes = (detail: object) => Buffer.byteLength(JSON.stringify(detail));

describe('the lead schema bounds the lead.received event by construction', () => {
  it('gives every free string a maxLength and every open object a maxProperties and key length', () => {
    // Prepare
    const found = new Map<string, number | undefined>();
    // Act
    limits(schema, 'lead', found);
    // Assess
    const unbounded = [...found].filter(([, limit]) => limit === undefined).map(([path]) => path);
    expect(unbounded).toEqual([]);
  });

  it('refuses a control character or a lone surrogate, which JSON would escape to six bytes', () => {
    for (const bad of ['a\u0000b', 'a\u001bb', 'a\ud800b']) {
      expect(validateLead(fullLead({ message: bad }))).toBe(false);
      expect(validateLead(fullLead({ custom: { note: bad } }))).toBe(false);
    }
    expect(validateLead(fullLead({ message: 'tab\there\r\nand a new line' }))).toBe(true);
  });

  it.each([
    ['quotes', '"'],
    ['backslashes', '\\'],
    ['non-BMP emoji', '😀'],
    ['quotes, backslashes, emoji and a ZWJ sequence', '"\\😀👩🏽‍💻\n'],
  ])('keeps the worst lead the schema admits, full of %s, under 256 KiB as an event', (_name, fill) => {
    // Prepare
    const lead = worstLead(fill);
    // Act
    const valid = validateLead(lead);
    const event = leadReceived(lead, new Date('2026-03-02T10:00:00Z'));
    // Assess
    expect(valid, describeErrors(validateLead.errors).join('; ')).toBe(true);
    expect(detailBytes(event)).toBeLessThan(EVENTBRIDGE_ENTRY_LIMIT);
    // The arithmetic in schemas/lead.schema.json promises headroom, not just a fit.
    expect(entryBytes(event)).toBeLessThan(200 * 1024);
  });

  it('uses the schema limits in mapping, so mapping never produces a lead the schema refuses for length', () => {
    expect(LEAD_LIMITS).toMatchObject({
      email: max('email'),
      firstName: max('firstName'),
      lastName: max('lastName'),
      company: max('company'),
      message: max('message'),
      consentText: max('consent.text'),
      utm: max('utm.source'),
      url: max('attribution.landingPage'),
      id: max('attribution.formId'),
      customKeys: node('custom').maxProperties,
      customKey: node('custom').propertyNames?.maxLength,
      customValue: (node('custom').additionalProperties as SchemaNode).maxLength,
    });
  });
});

describe('a large form post of characters JSON escapes', () => {
  const boundary = '----leadpipeBoundary';

  /** A 223 KB multipart body: an email, a message and 55 answers of 4,000 quotes each. */
  function quoteHeavyBody(): Buffer {
    const parts = [
      'Content-Disposition: form-data; name="email"\r\n\r\nquotes@example.com',
      `Content-Disposition: form-data; name="message"\r\n\r\n${'"'.repeat(3000)}`,
      ...Array.from(
        { length: 55 },
        (_, i) => `Content-Disposition: form-data; name="answer${i}"\r\n\r\n${'"'.repeat(4000)}`,
      ),
    ];
    return Buffer.from(`${parts.map((part) => `--${boundary}\r\n${part}\r\n`).join('')}--${boundary}--\r\n`);
  }

  it('maps to a lead whose event fits one EventBridge entry, long values cut with a visible marker', async () => {
    // Prepare
    const body = quoteHeavyBody();
    const contentType = `multipart/form-data; boundary=${boundary}`;
    expect(body.length).toBeGreaterThan(223_000);
    expect(body.length).toBeLessThan(256 * 1024);
    // Act
    const mapped = await mapPayload(
      { preset: 'generic' },
      { payload: parseBody(contentType, body), contentType, headers: {}, phoneRegion: 'US' },
    );
    const built = leadFromMapped(mapped, {
      source: 'form',
      deliveryId: 'msg_quotes',
      deliveryIdFrom: 'sender',
      correlationId: 'msg_quotes',
      receivedAt: '2026-03-02T10:00:00.000Z',
      contentType,
      body,
    });
    // Assess
    expect(built).toHaveProperty('lead');
    const lead = (built as { lead: Lead }).lead;
    expect(entryBytes(leadReceived(lead, new Date()))).toBeLessThan(EVENTBRIDGE_ENTRY_LIMIT);
    expect(lead.message).toBe('"'.repeat(3000));
    const answer = String(lead.custom?.answer0);
    expect(answer).toMatch(/… \[truncated: \d+ characters\]$/);
    expect([...answer]).toHaveLength(LEAD_LIMITS.customValue);
  });

  it('drops control characters and mends lone surrogates during mapping, so the lead is kept', async () => {
    // Prepare
    const payload = { email: 'a@example.com', message: 'hi\u0000 there\ud800', note: 'x\u001by' };
    // Act
    const mapped = await mapPayload(
      { preset: 'generic' },
      { payload, contentType: 'application/json', headers: {}, phoneRegion: 'US' },
    );
    // Assess
    expect(mapped).toMatchObject({ message: 'hi there\ufffd', custom: { note: 'xy' } });
  });

  it('quarantines as invalid_lead a lead whose provenance the schema still refuses', () => {
    // Prepare
    const body = Buffer.from('{}');
    // Act
    const built = leadFromMapped(
      { email: 'a@example.com' },
      {
        source: 'form',
        deliveryId: 'd'.repeat(max('raw.deliveryId') + 1),
        deliveryIdFrom: 'sender',
        correlationId: 'c',
        receivedAt: '2026-03-02T10:00:00.000Z',
        contentType: 'application/json',
        body,
      },
    );
    // Assess
    expect(built).toMatchObject({ problem: { code: 'invalid_lead' } });
  });
});
