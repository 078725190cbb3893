import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { awsDeliveryQueue, awsQueueName, localDeliveryQueue, queueNames } from '../../../cli/queues.ts';
import { describeDeadLetter } from '../../../functions/deliver/dead-letter.ts';
import { CONFIG } from '../functions/ingest/ingest-setup.ts';

const ENRICHING = {
  ...CONFIG,
  sources: {
    ...CONFIG.sources,
    meta: { ...CONFIG.sources.meta, enrich: { accessToken: 'env:META_PAGE_TOKEN' } },
  },
} as typeof CONFIG;

describe('the queues leadpipe dlq opens', () => {
  it('knows the enrichment stages of the senders the config enriches from, after the destinations', () => {
    // Act
    const names = queueNames(ENRICHING);

    // Assess
    expect(names).toEqual([...Object.keys(CONFIG.destinations), 'enrich:meta']);
    expect(queueNames(CONFIG)).not.toContain('enrich:meta');
  });

  it.each([
    ['hubspot', 'leadpipe-hubspot'],
    ['enrich:meta', 'leadpipe-enrich-meta'],
    ['enrich:hubspot', 'leadpipe-enrich-hubspot'],
  ])('names the SQS queue of %s as the stack does: %s', (destination, name) => {
    // Act, Assess
    expect(awsQueueName('leadpipe', destination)).toBe(name);
  });

  it('looks up the stage queue and its DLQ by the stack names with --aws', async () => {
    // Prepare
    const sqs = new SQSClient({ region: 'eu-west-1' });
    const mock = mockClient(sqs);
    mock.on(GetQueueUrlCommand).callsFake(({ QueueName }) => ({
      QueueUrl: `https://sqs.eu-west-1.amazonaws.com/123456789012/${QueueName}`,
    }));

    // Act
    const refs = await awsDeliveryQueue('enrich:meta', { prefix: 'acme', sqs });

    // Assess
    const asked = mock.commandCalls(GetQueueUrlCommand).map((call) => call.args[0].input.QueueName);
    expect(asked.sort()).toEqual(['acme-enrich-meta', 'acme-enrich-meta-dlq']);
    expect(refs.where).toBe('AWS (eu-west-1, acme-enrich-meta)');
    refs.close();
  });

  it('refuses a mistyped stage, suggesting it, before opening any data dir', () => {
    // Act, Assess
    expect(() => localDeliveryQueue(ENRICHING, 'enrich:mta', '/nonexistent')).toThrow(
      /no destination "enrich:mta" \(did you mean enrich:meta\?\)\. Destinations: .*enrich:meta$/,
    );
  });

  it("describes a stage's dead letter by the lead id ingest answered with and the event's source", () => {
    // Prepare
    const body = JSON.stringify({
      'detail-type': 'lead.reference',
      detail: { source: 'meta', reference: { sender: 'meta', id: '1' }, lead: { id: 'lead_1' } },
    });

    // Act
    const letter = describeDeadLetter({ messageId: 'm1', body, sentAt: 0, receiveCount: 1 });

    // Assess
    expect(letter).toMatchObject({ kind: 'lead', leadId: 'lead_1', source: 'meta' });
  });
});
