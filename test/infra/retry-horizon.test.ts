import type { CfnElement } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_BACKOFF,
  DEFAULT_RETRY_HORIZON_SECONDS,
  MAX_RETRY_DELAY_SECONDS,
  MAX_RETRY_HORIZON_SECONDS,
  retryPlan,
  SQS_MAX_RECEIVE_COUNT,
} from '../../functions/deliver/backoff.ts';
import type { LeadpipeConfig } from '../../schemas/generated/config.ts';
import { exampleConfig, resourcesOf, type Synthesized, synthPipeline } from './synth.ts';

type QueueProperties = {
  QueueName: string;
  MessageRetentionPeriod: number;
  RedrivePolicy: { maxReceiveCount: number };
};

/** The destination queue's properties in the template (not its DLQ). */
function queueOf(synth: Synthesized, name: string): QueueProperties {
  const queues = Object.values(resourcesOf(synth.template, 'AWS::SQS::Queue')).map(
    (queue) => queue.Properties as QueueProperties,
  );
  const queue = queues.find((properties) => properties.QueueName === `leadpipe-${name}`);
  if (!queue) throw new Error(`no queue leadpipe-${name}`);
  return queue;
}

/** Receives a lead can take within `horizon` at a cap of `cap` with full jitter: the mean wait is cap / 2. */
const meanRetries = (horizonSeconds: number, capSeconds: number) => (2 * horizonSeconds) / capSeconds;

function withHorizon(horizonSeconds: number): LeadpipeConfig {
  const config = structuredClone(exampleConfig());
  const hubspot = config.destinations.hubspot;
  if (!hubspot) throw new Error('no hubspot in the example config');
  config.destinations.hubspot = {
    ...hubspot,
    delivery: { ...hubspot.delivery, retryHorizonSeconds: horizonSeconds },
  };
  return config;
}

let synth: Synthesized;
beforeAll(() => {
  synth = synthPipeline(exampleConfig());
});

describe('LeadPipeline: queues hold a lead for its whole retry horizon', () => {
  it.each(['hubspot', 'salesforce', 'slack'])(
    '%s keeps messages longer than the longest horizon plus the longest wait',
    (name) => {
      const queue = queueOf(synth, name);
      expect(queue.MessageRetentionPeriod).toBeGreaterThan(
        MAX_RETRY_HORIZON_SECONDS + MAX_RETRY_DELAY_SECONDS,
      );
      expect(queue.MessageRetentionPeriod).toBeGreaterThan(DEFAULT_RETRY_HORIZON_SECONDS);
    },
  );

  it.each([
    ['the default 24 h', undefined],
    ['a 1 h', 3600],
    ['a 3-day', 3 * 86_400],
    ['the longest (7-day)', MAX_RETRY_HORIZON_SECONDS],
  ])('sets the redrive backstop above what %s horizon needs', (_name, horizonSeconds) => {
    // Prepare
    const config = horizonSeconds === undefined ? exampleConfig() : withHorizon(horizonSeconds);
    const plan = retryPlan({ horizonSeconds });

    // Act
    const queue = queueOf(horizonSeconds === undefined ? synth : synthPipeline(config), 'hubspot');

    // Assess: twice the mean number of retries in the horizon, plus the blocked waits over the
    // retention (a blocked receive counts too), and within SQS's own limit.
    const { maxReceiveCount } = queue.RedrivePolicy;
    expect(maxReceiveCount).toBe(plan.maxReceiveCount);
    expect(maxReceiveCount).toBeLessThanOrEqual(SQS_MAX_RECEIVE_COUNT);
    const blockedReceives = queue.MessageRetentionPeriod / plan.blockedDelaySeconds;
    expect(maxReceiveCount).toBeGreaterThan(
      2 * meanRetries(plan.horizonSeconds, plan.backoff.capSeconds) + blockedReceives,
    );
  });

  it('keeps the 900 s cap for the default horizon: its receives fit without raising it', () => {
    expect(retryPlan({}).backoff).toEqual(DEFAULT_BACKOFF);
  });

  it('lets no deliver function send to its own queue (no loop for recursive loop detection to stop)', () => {
    for (const resources of Object.values(synth.pipeline.destinations)) {
      const queueArn = { 'Fn::GetAtt': [logicalId(resources.queue), 'Arn'] };
      type Document = { Statement: { Action: unknown; Resource: unknown }[] };
      const statements = Object.values(resourcesOf(synth.template, 'AWS::IAM::Policy')).flatMap(
        (policy) => (policy.Properties?.PolicyDocument as Document | undefined)?.Statement ?? [],
      );
      const onQueue = statements.filter((statement) =>
        [statement.Resource].flat().some((resource) => JSON.stringify(resource) === JSON.stringify(queueArn)),
      );
      expect(onQueue.flatMap((statement) => [statement.Action].flat())).not.toContain('sqs:SendMessage');
    }
  });
});

function logicalId(construct: IConstruct): string {
  return synth.stack.getLogicalId(construct.node.defaultChild as CfnElement);
}
