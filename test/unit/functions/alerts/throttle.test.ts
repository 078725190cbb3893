import { describe, expect, it } from 'vitest';
import {
  alertKey,
  createAlertThrottle,
  DEFAULT_REPEAT_MINUTES,
  decide,
  MAX_THROTTLE_KEYS,
} from '../../../../functions/alerts/throttle.ts';
import configSchema from '../../../../schemas/config.schema.json' with { type: 'json' };
import type { OpsAlert } from '../../../../schemas/generated/ops-alert-event.ts';
import { validateOpsAlert } from '../../../../schemas/validate.ts';

const WINDOW = 15 * 60_000;
const T0 = Date.parse('2026-03-04T05:00:00.000Z');
const refused: OpsAlert = { kind: 'credentials-refused', destination: 'slack', reason: 'invalid_auth' };

describe('decide (the repeat cap on ops alerts)', () => {
  it('sends an alert it has never seen, as it is', () => {
    expect(decide(undefined, refused, T0, WINDOW)).toEqual({
      action: 'send',
      alert: refused,
      entry: { sentAt: T0, suppressed: 0 },
    });
  });

  it('suppresses the same alert inside the window and counts it', () => {
    expect(decide({ sentAt: T0, suppressed: 4 }, refused, T0 + WINDOW - 1, WINDOW)).toEqual({
      action: 'suppress',
      entry: { sentAt: T0, suppressed: 5 },
    });
  });

  it('sends it again once the window has passed, with the count held back since the last one', () => {
    // Act
    const decision = decide({ sentAt: T0, suppressed: 37 }, refused, T0 + WINDOW, WINDOW);

    // Assess
    expect(decision).toEqual({
      action: 'send',
      alert: { ...refused, suppressed: { count: 37, since: '2026-03-04T05:00:00.000Z' } },
      entry: { sentAt: T0 + WINDOW, suppressed: 0 },
    });
    // What it sends is still a valid ops.alert, which the deliver engine checks.
    expect(validateOpsAlert(decision.action === 'send' ? decision.alert : undefined)).toBe(true);
  });
});

describe('alertKey', () => {
  it.each<[string, OpsAlert, OpsAlert, boolean]>([
    ['same kind, destination and reason', refused, { ...refused }, true],
    ['another destination', refused, { ...refused, destination: 'ops' }, false],
    ['another reason', refused, { ...refused, reason: 'token_revoked' }, false],
    [
      'dead letters of two leads with one reason',
      { kind: 'dead-lettered', destination: 'hubspot', leadId: 'a', reason: 'HTTP 400', attempts: 1 },
      { kind: 'dead-lettered', destination: 'hubspot', leadId: 'b', reason: 'HTTP 400', attempts: 1 },
      true,
    ],
    [
      'two quarantined payloads of one source and reason',
      { kind: 'quarantined', source: 'form', quarantineId: 'q1', reason: 'no email' },
      { kind: 'quarantined', source: 'form', quarantineId: 'q2', reason: 'no email' },
      true,
    ],
  ])('%s: same alert is %s', (_name, one, other, same) => {
    expect(alertKey(one) === alertKey(other)).toBe(same);
  });

  it('never caps alarms: CloudWatch only notifies on a state change', () => {
    expect(alertKey({ kind: 'alarm', alarm: 'a', state: 'ALARM', reason: 'r' })).toBeUndefined();
  });
});

describe('createAlertThrottle', () => {
  it('lets one of a batch of repeats out, and remembers only what was committed', () => {
    // Prepare
    const clock = { now: T0 };
    const throttle = createAlertThrottle({ now: () => clock.now });

    // Act
    const failed = throttle.admit([refused, refused, refused]);
    const retried = throttle.admit([refused]);
    retried.commit();
    const next = throttle.admit([refused]);

    // Assess: the first publish failed (no commit), so the retry goes out; after it, repeats are held.
    expect(failed).toMatchObject({ send: [refused], suppressed: 2 });
    expect(retried).toMatchObject({ send: [refused], suppressed: 0 });
    expect(next).toMatchObject({ send: [], suppressed: 1 });
  });

  it('takes its window from repeatMinutes', () => {
    // Prepare
    const clock = { now: T0 };
    const throttle = createAlertThrottle({ repeatMinutes: 1, now: () => clock.now });
    throttle.admit([refused]).commit();

    // Act
    clock.now += 60_000;
    const later = throttle.admit([refused]);

    // Assess
    expect(later.send).toHaveLength(1);
  });

  it('forgets keys whose window has passed once it holds more than MAX_THROTTLE_KEYS', () => {
    // Prepare
    const clock = { now: T0 };
    const throttle = createAlertThrottle({ now: () => clock.now });
    const many = Array.from({ length: MAX_THROTTLE_KEYS + 1 }, (_, index) => ({
      ...refused,
      reason: `r${index}`,
    }));
    throttle.admit(many).commit();
    throttle.admit([{ ...refused, reason: 'r0' }]).commit();

    // Act: past the window, one more key makes the cap forget the old ones.
    clock.now += WINDOW;
    throttle.admit([{ ...refused, reason: 'new' }]).commit();
    const again = throttle.admit([{ ...refused, reason: 'r0' }]);

    // Assess: r0's held-back count went with its key, so it goes out as it is.
    expect(again.send).toEqual([{ ...refused, reason: 'r0' }]);
  });

  it('defaults to the window the config schema documents', () => {
    const alerts = configSchema.definitions.settings.properties.alerts.properties;
    expect(alerts.repeatMinutes.default).toBe(DEFAULT_REPEAT_MINUTES);
  });
});
