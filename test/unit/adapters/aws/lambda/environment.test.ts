import { describe, expect, it } from 'vitest';
import {
  ENVIRONMENT,
  EnvironmentError,
  readEnvironment,
} from '../../../../../adapters/aws/lambda/environment.ts';

describe('readEnvironment', () => {
  it('reads the named settings', () => {
    const env = { [ENVIRONMENT.tableName]: 't', [ENVIRONMENT.busName]: 'b', OTHER: 'x' };
    expect(readEnvironment(['tableName', 'busName'], env)).toEqual({ tableName: 't', busName: 'b' });
  });

  it('lists every missing or empty variable at once', () => {
    const error = (() => {
      try {
        readEnvironment(['tableName', 'busName', 'queueUrl'], { [ENVIRONMENT.busName]: '' });
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(EnvironmentError);
    expect((error as EnvironmentError).missing).toEqual([
      ENVIRONMENT.tableName,
      ENVIRONMENT.busName,
      ENVIRONMENT.queueUrl,
    ]);
  });
});
