import { describe, expect, it } from 'vitest';
import { matchesPattern } from '../../../../functions/routing/event-pattern.ts';
import {
  EVENT_SOURCE,
  LEAD_RECEIVED,
  OPS_ALERT,
  opsTopicRules,
  routingRules,
} from '../../../../functions/routing/rules.ts';
import type { LeadpipeConfig } from '../../../../schemas/generated/config.ts';

function config(destinations: LeadpipeConfig['destinations'], alerts?: string): LeadpipeConfig {
  return {
    sources: { demo: { verify: { scheme: 'none' }, mapping: { preset: 'generic' } } },
    destinations,
    ...(alerts ? { settings: { alerts: { destination: alerts, channel: '#ops' } } } : {}),
  };
}

const leadsOnly = { source: [EVENT_SOURCE], 'detail-type': [LEAD_RECEIVED] };

describe('routingRules', () => {
  it('gives a destination without a filter every lead', () => {
    // Act
    const rules = routingRules(config({ hubspot: { type: 'hubspot', accessToken: 'env:T' } }));

    // Assess
    expect(rules).toEqual([{ name: 'hubspot-leads', destination: 'hubspot', eventPattern: leadsOnly }]);
  });

  it('puts a filter under detail.lead', () => {
    // Act
    const rules = routingRules(
      config({
        slack: { type: 'slack', token: 'env:T', channel: '#c', filter: { score: [{ numeric: ['>=', 70] }] } },
      }),
    );

    // Assess
    expect(rules[0]?.eventPattern).toEqual({
      ...leadsOnly,
      detail: { lead: { score: [{ numeric: ['>=', 70] }] } },
    });
  });

  it('nests dotted filter keys, merging siblings under one parent', () => {
    // Act
    const rules = routingRules(
      config({
        hubspot: {
          type: 'hubspot',
          accessToken: 'env:T',
          filter: { 'utm.campaign': [{ prefix: 'spring' }], 'utm.source': ['google'], source: ['typeform'] },
        },
      }),
    );

    // Assess
    expect(rules[0]?.eventPattern.detail).toEqual({
      lead: { utm: { campaign: [{ prefix: 'spring' }], source: ['google'] }, source: ['typeform'] },
    });
  });

  it('adds one rule taking ops alerts to the alerts destination', () => {
    // Act
    const rules = routingRules(
      config(
        {
          hubspot: { type: 'hubspot', accessToken: 'env:T' },
          ops: { type: 'slack', token: 'env:T', channel: '#c' },
        },
        'ops',
      ),
    );

    // Assess
    expect(rules.map((rule) => rule.name)).toEqual(['hubspot-leads', 'ops-leads', 'ops-alerts']);
    expect(rules[2]).toEqual({
      name: 'ops-alerts',
      destination: 'ops',
      eventPattern: {
        source: [EVENT_SOURCE],
        'detail-type': [OPS_ALERT],
        detail: { destination: [{ 'anything-but': ['ops'] }, { exists: false }] },
      },
    });
  });

  it('adds no alerts rule when settings.alerts is absent', () => {
    const rules = routingRules(config({ ops: { type: 'slack', token: 'env:T', channel: '#c' } }));
    expect(rules.map((rule) => rule.eventPattern['detail-type'])).toEqual([[LEAD_RECEIVED]]);
  });
});

describe('ops alerts about the alerts destination itself', () => {
  const withOps = config(
    {
      hubspot: { type: 'hubspot', accessToken: 'env:T' },
      ops: { type: 'slack', token: 'env:T', channel: '#c' },
    },
    'ops',
  );
  const queueRule = routingRules(withOps).find((rule) => rule.name === 'ops-alerts');
  const [topicRule] = opsTopicRules(withOps);
  const event = (detail: object) => ({ source: EVENT_SOURCE, 'detail-type': OPS_ALERT, detail });

  it.each([
    [
      'credentials refused by ops',
      { kind: 'credentials-refused', destination: 'ops', reason: 'invalid_auth' },
      'topic',
    ],
    [
      'a lead dead-lettered at ops',
      { kind: 'dead-lettered', destination: 'ops', leadId: 'l', reason: 'r', attempts: 8 },
      'topic',
    ],
    [
      'credentials refused by hubspot',
      { kind: 'credentials-refused', destination: 'hubspot', reason: 'HTTP 401' },
      'queue',
    ],
    [
      'a quarantined payload (no destination)',
      { kind: 'quarantined', source: 'demo', quarantineId: 'q', reason: 'r' },
      'queue',
    ],
    ['an alarm (no destination)', { kind: 'alarm', alarm: 'a', state: 'ALARM', reason: 'r' }, 'queue'],
  ])('%s goes to the %s, never both and never neither', (_name, detail, expected) => {
    // Act (the local matcher, on the very patterns the CDK stack deploys)
    const toQueue = matchesPattern(queueRule?.eventPattern ?? {}, event(detail));
    const toTopic = matchesPattern(topicRule?.eventPattern ?? {}, event(detail));

    // Assess
    expect({ toQueue, toTopic }).toEqual({ toQueue: expected === 'queue', toTopic: expected === 'topic' });
  });

  it('names the topic rule after the alerts destination, and has none without settings.alerts', () => {
    expect(topicRule).toMatchObject({ name: 'ops-alerts-topic', about: 'ops' });
    expect(opsTopicRules(config({ ops: { type: 'slack', token: 'env:T', channel: '#c' } }))).toEqual([]);
  });
});
