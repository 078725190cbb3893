import { describe, expect, it } from 'vitest';
import {
  DestinationTypeError,
  forDestinationType,
} from '../../../../../adapters/aws/lambda/deliver-lambda.ts';
import type { DestinationClients } from '../../../../../adapters/destination-clients.ts';
import type { DestinationConfig, SlackDestination } from '../../../../../schemas/generated/config.ts';

const clients: DestinationClients = { adapter: { maxBatchSize: 1, deliver: async () => new Map() } };
const resolveSecret = async (ref: string) => ref;

function recordingSlackFactory() {
  const calls: { name: string; config: SlackDestination }[] = [];
  const factory = async (name: string, config: SlackDestination) => {
    calls.push({ name, config });
    return clients;
  };
  return { calls, factory };
}

describe('forDestinationType', () => {
  it('hands a destination of its type to the vendor factory', async () => {
    // Prepare
    const { calls, factory } = recordingSlackFactory();
    const config: DestinationConfig = { type: 'slack', token: 'ssm:/slack', channel: '#sales' };

    // Act
    const built = await forDestinationType('slack', factory)('chat', config, { resolveSecret });

    // Assess
    expect(built).toBe(clients);
    expect(calls).toEqual([{ name: 'chat', config }]);
  });

  it('refuses another vendor’s destination without calling the factory', async () => {
    // Prepare
    const { calls, factory } = recordingSlackFactory();
    const config: DestinationConfig = { type: 'hubspot', accessToken: 'secretsmanager:hubspot' };

    // Act
    const built = forDestinationType('slack', factory)('crm', config, { resolveSecret });

    // Assess
    await expect(built).rejects.toThrow(DestinationTypeError);
    await expect(built).rejects.toThrow(
      'Destination "crm" is of type hubspot; this function delivers to slack only',
    );
    expect(calls).toEqual([]);
  });
});
