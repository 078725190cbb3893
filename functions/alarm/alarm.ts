import type { Logger } from '@aws-lambda-powertools/logger';
import type { CloudWatchAlarmEvent } from 'aws-lambda';
import type { AlarmAlert } from '../../schemas/generated/ops-alert-event.ts';
import type { AlertPublisher } from '../ports.ts';

const STATES = new Set<AlarmAlert['state']>(['OK', 'ALARM', 'INSUFFICIENT_DATA']);
/** CloudWatch reasons can list many datapoints; Slack shows a few hundred characters anyway. */
const MAX_REASON = 1000;

/** Not a CloudWatch alarm action event: nothing to tell ops. */
export class AlarmEventError extends Error {
  override readonly name = 'AlarmEventError';
}

/** The ops alert for one alarm state change, as CloudWatch sends it to a Lambda alarm action. */
export function alarmAlert(event: CloudWatchAlarmEvent): AlarmAlert {
  const name = event.alarmData?.alarmName;
  const state = event.alarmData?.state?.value as AlarmAlert['state'] | undefined;
  if (event.source !== 'aws.cloudwatch' || !name || !state || !STATES.has(state)) {
    throw new AlarmEventError(
      'Expected a CloudWatch alarm state change (source aws.cloudwatch, alarmData.state)',
    );
  }
  return {
    kind: 'alarm',
    alarm: name,
    state,
    reason: (event.alarmData.state.reason ?? '').slice(0, MAX_REASON),
  };
}

/**
 * Turns alarm state changes into ops.alert events on the bus; the routing rule for settings.alerts
 * takes them to the ops Slack channel like every other alert. A failure to publish throws, so
 * Lambda's asynchronous retries try again.
 */
export function createAlarmHandler(deps: { raiseAlerts: AlertPublisher; logger: Logger }) {
  return async (event: CloudWatchAlarmEvent): Promise<void> => {
    const alert = alarmAlert(event);
    await deps.raiseAlerts([alert]);
    deps.logger.info('Alarm forwarded', { alarm: alert.alarm, state: alert.state });
  };
}
