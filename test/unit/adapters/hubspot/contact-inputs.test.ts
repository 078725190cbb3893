import { describe, expect, it } from 'vitest';
import { chunk, contactProperties, groupLeadsByEmail } from '../../../../adapters/hubspot/contact-inputs.ts';
import { buildLead } from './lead-factory.ts';

describe('groupLeadsByEmail', () => {
  it('maps the default lead fields to HubSpot contact properties, all as strings', () => {
    // Prepare
    const lead = buildLead({ email: ' Ada@Example.com ', phone: '+442071838750' });

    // Act
    const { inputs } = groupLeadsByEmail([lead]);

    // Assess
    expect(inputs).toEqual([
      {
        email: 'ada@example.com',
        traceId: lead.id,
        leadIds: [lead.id],
        properties: {
          email: 'ada@example.com',
          firstname: 'Ada',
          lastname: 'Lovelace',
          phone: '+442071838750',
          company: 'Analytical Engines Ltd',
          message: 'Please call me back',
        },
      },
    ]);
  });

  it('merges leads that share an email into one input where later non-empty values win', () => {
    // Prepare
    const first = buildLead({ email: 'same@example.com', firstName: 'Ada', company: 'First Co' });
    const second = buildLead({
      email: 'SAME@example.com',
      firstName: '',
      company: 'Second Co',
      message: undefined,
    });

    // Act
    const { inputs } = groupLeadsByEmail([first, second]);

    // Assess
    expect(inputs).toHaveLength(1);
    expect(inputs[0]?.leadIds).toEqual([first.id, second.id]);
    expect(inputs[0]?.properties).toMatchObject({
      firstname: 'Ada',
      company: 'Second Co',
      message: 'Please call me back',
    });
  });

  it('sets aside leads without an email', () => {
    // Prepare
    const phoneOnly = buildLead({ email: undefined, phone: '+15555550100' });

    // Act
    const { inputs, withoutEmail } = groupLeadsByEmail([phoneOnly, buildLead()]);

    // Assess
    expect(withoutEmail).toEqual([phoneOnly]);
    expect(inputs).toHaveLength(1);
  });
});

describe('contactProperties', () => {
  it.each([
    ['a nested string', 'utm.campaign', { utm: { campaign: 'spring' } }, 'spring'],
    ['a number', 'score', { score: 80 }, '80'],
    ['a boolean', 'consent.marketing', { consent: { marketing: true } }, 'true'],
    ['a custom answer', 'custom.budget', { custom: { budget: 5000 } }, '5000'],
  ])('writes %s as a string', (_case, field, overrides, expected) => {
    // Prepare
    const lead = buildLead(overrides);

    // Act
    const properties = contactProperties(lead, { [field]: 'target' });

    // Assess
    expect(properties).toEqual({ target: expected });
  });

  it.each([
    ['a missing field', 'utm.campaign', {}],
    ['a blank string', 'company', { company: '   ' }],
    ['an object', 'utm', { utm: { campaign: 'x' } }],
  ])('leaves out %s', (_case, field, overrides) => {
    // Prepare
    const lead = buildLead({ company: undefined, ...overrides });

    // Act
    const properties = contactProperties(lead, { [field]: 'target' });

    // Assess
    expect(properties).toEqual({});
  });
});

describe('chunk', () => {
  it.each([
    [0, []],
    [100, [100]],
    [150, [100, 50]],
    [201, [100, 100, 1]],
  ])('splits %i items into runs of at most 100', (count, sizes) => {
    // Prepare
    const items = Array.from({ length: count }, (_, i) => i);

    // Act
    const runs = chunk(items, 100);

    // Assess
    expect(runs.map((run) => run.length)).toEqual(sizes);
    expect(runs.flat()).toEqual(items);
  });
});
