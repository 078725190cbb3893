import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { CloudWatchAlarmEvent, Context } from 'aws-lambda';
import { createAlarmHandler } from '../../../functions/alarm/alarm.ts';
import { createLogger } from '../../../functions/observability/logger.ts';
import { createAlertPublisher } from '../publisher.ts';
import { readEnvironment } from './environment.ts';

export interface AlarmLambdaOptions {
  env?: Readonly<Record<string, string | undefined>>;
  eventbridge?: EventBridgeClient;
  logger?: ReturnType<typeof createLogger>;
}

export type AlarmLambda = (event: CloudWatchAlarmEvent, context: Context) => Promise<void>;

/** The alarm function as deployed: CloudWatch alarm actions in, ops.alert events on the bus out. */
export function createAlarmLambda(options: AlarmLambdaOptions = {}): AlarmLambda {
  const env = readEnvironment(['pipeline', 'busName'], options.env);
  const logger = options.logger ?? createLogger({ serviceName: `${env.pipeline}-alarm` });
  const forward = createAlarmHandler({
    raiseAlerts: createAlertPublisher({
      client: options.eventbridge ?? new EventBridgeClient({}),
      busName: env.busName,
    }),
    logger,
  });
  return async (event, context) => {
    logger.addContext(context);
    await forward(event);
  };
}

let deployed: AlarmLambda | undefined;

/** The Lambda entry point. */
export const handler: AlarmLambda = (event, context) => {
  deployed ??= createAlarmLambda();
  return deployed(event, context);
};
