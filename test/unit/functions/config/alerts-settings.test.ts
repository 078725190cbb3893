import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../../functions/config/errors.ts';
import { parseConfig } from '../../../../functions/config/load.ts';

/** A config whose settings.alerts is `alerts` (a Slack destination `slack` exists). */
const withAlerts = (alerts: Record<string, unknown>) =>
  JSON.stringify({
    settings: { alerts: { destination: 'slack', channel: '#ops', ...alerts } },
    sources: { demo: { verify: { scheme: 'none' }, mapping: { preset: 'generic' } } },
    destinations: { slack: { type: 'slack', token: 'env:SLACK_TOKEN', channel: '#leads' } },
  });

const problems = (text: string): string[] => {
  try {
    parseConfig(text, 'test.json');
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
};

describe('settings.alerts: notify and repeatMinutes', () => {
  it('takes email addresses and HTTPS endpoints as secret references, and fills in the 15-minute cap', () => {
    // Act
    const config = parseConfig(
      withAlerts({
        notify: [
          { email: 'ops@acme.example' },
          { https: 'secretsmanager:leadpipe/pager#url' },
          { https: 'env:CHAT_WEBHOOK_URL' },
        ],
      }),
      'test.json',
    );

    // Assess
    expect(config.settings?.alerts?.notify).toHaveLength(3);
    expect(config.settings?.alerts?.repeatMinutes).toBe(15);
  });

  it.each([
    [
      'an inline webhook URL (it carries its token)',
      { https: 'https://events.pagerduty.com/integration/abc/enqueue' },
    ],
    [
      'an SSM reference (CloudFormation cannot resolve a SecureString for SNS)',
      { https: 'ssm:/leadpipe/pager' },
    ],
    ['something that is not an email address', { email: 'not an address' }],
    ['an unknown protocol', { sms: '+15550100' }],
  ])('refuses %s', (_name, subscriber) => {
    expect(problems(withAlerts({ notify: [subscriber] })).join('\n')).toMatch(/settings\.alerts\.notify/);
  });

  it.each([0, 1441, 1.5])('refuses repeatMinutes %s', (repeatMinutes) => {
    expect(problems(withAlerts({ repeatMinutes })).join('\n')).toMatch(/repeatMinutes/);
  });
});
