import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../functions/config/load.ts';
import { matchesPattern } from '../../../../functions/routing/event-pattern.ts';
import { type EventPattern, routingRules } from '../../../../functions/routing/rules.ts';
import { fullLead, leadReceived } from '../../schemas/lead-factory.ts';

// Cases follow the EventBridge user guide, "Content filtering in Amazon EventBridge event patterns".
describe('matchesPattern', () => {
  it.each<[string, EventPattern, unknown, boolean]>([
    ['exact string', { a: ['x'] }, { a: 'x' }, true],
    ['exact string, other value', { a: ['x'] }, { a: 'y' }, false],
    ['exact string is case-sensitive', { a: ['x'] }, { a: 'X' }, false],
    ['one of several alternatives', { a: ['x', 'y'] }, { a: 'y' }, true],
    ['exact number', { a: [5] }, { a: 5 }, true],
    ['exact number against its string', { a: [5] }, { a: '5' }, false],
    ['boolean true', { a: [true] }, { a: true }, true],
    ['boolean against the string "true"', { a: [true] }, { a: 'true' }, false],
    ['null matches null', { a: [null] }, { a: null }, true],
    ['null does not match a missing field', { a: [null] }, {}, false],
    ['null does not match an empty string', { a: [null] }, { a: '' }, false],
    ['exact value on a missing field', { a: ['x'] }, { b: 'x' }, false],
    ['prefix', { a: [{ prefix: 'lead.' }] }, { a: 'lead.received' }, true],
    ['prefix, other start', { a: [{ prefix: 'lead.' }] }, { a: 'ops.alert' }, false],
    ['prefix on a number', { a: [{ prefix: '1' }] }, { a: 12 }, false],
    ['exists true on a present field', { a: [{ exists: true }] }, { a: 'x' }, true],
    ['exists true on a null field', { a: [{ exists: true }] }, { a: null }, true],
    ['exists true on a missing field', { a: [{ exists: true }] }, {}, false],
    ['exists false on a missing field', { a: [{ exists: false }] }, {}, true],
    ['exists false on a present field', { a: [{ exists: false }] }, { a: 0 }, false],
    ['exists true on an object (not a leaf)', { a: [{ exists: true }] }, { a: { b: 1 } }, false],
    ['numeric >= at the bound', { a: [{ numeric: ['>=', 70] }] }, { a: 70 }, true],
    ['numeric >= below the bound', { a: [{ numeric: ['>=', 70] }] }, { a: 69 }, false],
    ['numeric > at the bound', { a: [{ numeric: ['>', 70] }] }, { a: 70 }, false],
    ['numeric < below', { a: [{ numeric: ['<', 10] }] }, { a: 9.5 }, true],
    ['numeric <= at the bound', { a: [{ numeric: ['<=', 10] }] }, { a: 10 }, true],
    ['numeric =', { a: [{ numeric: ['=', 3] }] }, { a: 3 }, true],
    ['numeric on a numeric string', { a: [{ numeric: ['>=', 70] }] }, { a: '75' }, false],
    ['numeric on a missing field', { a: [{ numeric: ['>=', 0] }] }, {}, false],
    ['two-sided range inside', { a: [{ numeric: ['>', 0, '<=', 5] }] }, { a: 5 }, true],
    ['two-sided range at the open end', { a: [{ numeric: ['>', 0, '<=', 5] }] }, { a: 0 }, false],
    ['two-sided range above', { a: [{ numeric: ['>', 0, '<=', 5] }] }, { a: 5.01 }, false],
    ['anything-but a single value, other value', { a: [{ 'anything-but': 'spam' }] }, { a: 'ok' }, true],
    ['anything-but a single value, that value', { a: [{ 'anything-but': 'spam' }] }, { a: 'spam' }, false],
    ['anything-but a list, value in it', { a: [{ 'anything-but': ['x', 'y'] }] }, { a: 'y' }, false],
    ['anything-but a list, value not in it', { a: [{ 'anything-but': ['x', 'y'] }] }, { a: 'z' }, true],
    ['anything-but a number', { a: [{ 'anything-but': 0 }] }, { a: 1 }, true],
    ['anything-but on a missing field', { a: [{ 'anything-but': 'x' }] }, {}, false],
    ['array in the event: one element matches', { a: ['x'] }, { a: ['w', 'x'] }, true],
    ['array in the event: no element matches', { a: ['x'] }, { a: ['w', 'v'] }, false],
    ['array in the event: numeric on any element', { a: [{ numeric: ['>', 5] }] }, { a: [1, 9] }, true],
    ['nested objects', { detail: { lead: { score: [80] } } }, { detail: { lead: { score: 80 } } }, true],
    [
      'nested objects, other leaf',
      { detail: { lead: { score: [80] } } },
      { detail: { lead: { score: 79 } } },
      false,
    ],
    ['nested objects, missing parent', { detail: { lead: { score: [80] } } }, { detail: {} }, false],
    ['nested pattern against a leaf', { detail: { lead: { score: [80] } } }, { detail: 'lead' }, false],
    ['every field must match (both do)', { a: ['x'], b: [1] }, { a: 'x', b: 1 }, true],
    ['every field must match (one does not)', { a: ['x'], b: [1] }, { a: 'x', b: 2 }, false],
    ['fields not in the pattern are ignored', { a: ['x'] }, { a: 'x', z: 'anything' }, true],
    ['mixed alternatives: exact or prefix', { a: ['exact', { prefix: 'pre' }] }, { a: 'prefixed' }, true],
    ['an event that is not an object', { a: ['x'] }, 'x', false],
  ])('%s', (_name, pattern, event, expected) => {
    expect(matchesPattern(pattern, event)).toBe(expected);
  });
});

describe('routingRules patterns on the local bus', () => {
  async function defaultRules() {
    const file = join(import.meta.dirname, '../../../../leadpipe.config.yaml');
    return routingRules(parseConfig(await readFile(file, 'utf8'), file));
  }

  function envelope(detailType: string, detail: unknown) {
    return { version: '0', source: 'leadpipe', 'detail-type': detailType, account: '0', detail };
  }

  it.each<[string, number | undefined, string[]]>([
    ['a hot lead (score 70)', 70, ['hubspot', 'salesforce', 'slack']],
    ['a hot lead (score 100)', 100, ['hubspot', 'salesforce', 'slack']],
    ['a warm lead (score 69)', 69, ['hubspot', 'salesforce']],
    ['a lead without a score', undefined, ['hubspot', 'salesforce']],
  ])('route %s as the default config says', async (_name, score, expected) => {
    // Prepare
    const rules = await defaultRules();
    const lead = fullLead({ score });
    if (score === undefined) delete lead.score;

    // Act
    const event = envelope('lead.received', leadReceived(lead));
    const destinations = rules
      .filter((rule) => matchesPattern(rule.eventPattern, event))
      .map((rule) => rule.destination);

    // Assess
    expect(destinations).toEqual(expected);
  });

  it('route ops alerts only to the alerts destination', async () => {
    // Prepare
    const rules = await defaultRules();
    const event = envelope('ops.alert', {
      kind: 'credentials-refused',
      destination: 'hubspot',
      reason: '401',
    });

    // Act
    const matched = rules.filter((rule) => matchesPattern(rule.eventPattern, event)).map((rule) => rule.name);

    // Assess
    expect(matched).toEqual(['slack-alerts']);
  });

  it('route nothing from another source', async () => {
    const rules = await defaultRules();
    const event = { ...envelope('lead.received', leadReceived(fullLead())), source: 'someone.else' };
    expect(rules.filter((rule) => matchesPattern(rule.eventPattern, event))).toEqual([]);
  });
});
