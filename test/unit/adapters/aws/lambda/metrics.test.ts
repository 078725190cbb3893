import { Metrics } from '@aws-lambda-powertools/metrics';
import { describe, expect, it, vi } from 'vitest';
import { METRIC, powertoolsMetrics } from '../../../../../adapters/aws/lambda/metrics.ts';

function spiedMetrics() {
  const metrics = new Metrics({ namespace: 'Test', serviceName: 'test' });
  const add = vi.spyOn(metrics, 'addMetric').mockImplementation(() => metrics);
  const publish = vi.spyOn(metrics, 'publishStoredMetrics').mockImplementation(() => metrics);
  return { metrics, add, publish };
}

describe('powertoolsMetrics', () => {
  it('adds counts and publishes them once per flush', () => {
    const { metrics, add, publish } = spiedMetrics();
    const counter = powertoolsMetrics({ service: 'leadpipe', metrics });

    counter.count(METRIC.delivered, 3);
    counter.count(METRIC.retried);
    counter.flush();

    expect(add.mock.calls).toEqual([
      ['Delivered', 'Count', 3],
      ['Retried', 'Count', 1],
    ]);
    expect(publish).toHaveBeenCalledTimes(1);
  });

  it('writes nothing for an invocation that counted nothing', () => {
    const { metrics, publish } = spiedMetrics();
    const counter = powertoolsMetrics({ service: 'leadpipe', metrics });

    counter.count(METRIC.delivered);
    counter.flush();
    counter.flush();

    expect(publish).toHaveBeenCalledTimes(1);
  });
});
