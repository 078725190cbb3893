import { describe, expect, it } from 'vitest';
import { decideFetch } from '../../../../functions/enrich/enrich.ts';

const NOW = 1_800_000_000_000;
const timing = {
  now: NOW,
  backoff: { baseSeconds: 2, capSeconds: 900 },
  horizonSeconds: 3600,
  blockedDelaySeconds: 3600,
  random: () => 0,
};

describe('decideFetch: what a failed fetch means for the reference', () => {
  it.each([
    [
      'a rate limit with a wait asked',
      { status: 'retry', reason: 'Graph error 32', retryAfterMs: 300_000 },
      { attempt: 1, firstReceivedAt: NOW },
      { action: 'retry', delaySeconds: 300, reason: 'Graph error 32' },
    ],
    [
      'a rate limit without one (backoff; zero jitter here)',
      { status: 'retry', reason: 'Graph error 4' },
      { attempt: 3, firstReceivedAt: NOW },
      { action: 'retry', delaySeconds: 0, reason: 'Graph error 4' },
    ],
    [
      'a retry past the horizon',
      { status: 'retry', reason: 'Graph error 2' },
      { attempt: 9, firstReceivedAt: NOW - 3_700_000 },
      { action: 'dead-letter' },
    ],
    [
      'an expired token, however old the reference',
      { status: 'blocked', reason: 'Graph error 190/463' },
      { attempt: 40, firstReceivedAt: NOW - 86_400_000 },
      { action: 'wait-blocked', delaySeconds: 3600, reason: 'Graph error 190/463' },
    ],
    [
      'an unknown lead',
      { status: 'rejected', reason: 'Graph error 100/33' },
      { attempt: 1, firstReceivedAt: NOW },
      { action: 'dead-letter', reason: 'Graph error 100/33' },
    ],
  ] as const)('%s', (_case, outcome, at, expected) => {
    // Act
    const action = decideFetch(outcome, { ...timing, ...at });

    // Assess
    expect(action).toMatchObject(expected);
  });
});
