import { describe, expect, it } from 'vitest';
import { rotatingClients } from '../../../../../adapters/aws/lambda/rotating-clients.ts';
import type { RefreshableSecretResolver } from '../../../../../adapters/aws/secrets.ts';
import type { DestinationClients } from '../../../../../adapters/destination-clients.ts';
import type { Outcome } from '../../../../../functions/ports.ts';
import { buildLead } from '../../hubspot/lead-factory.ts';

/** Clients whose adapter accepts only `accepted`, built with whatever token the resolver gives. */
function vendor(accepted: () => string) {
  const built: string[] = [];
  const build = async (resolveSecret: (ref: string) => Promise<string>): Promise<DestinationClients> => {
    const token = await resolveSecret('secretsmanager:leadpipe/token');
    built.push(token);
    return {
      adapter: {
        maxBatchSize: 10,
        deliver: async (leads) =>
          new Map<string, Outcome>(
            leads.map((lead) => [
              lead.id,
              token === accepted() ? { status: 'delivered' } : { status: 'blocked', reason: 'invalid_auth' },
            ]),
          ),
      },
    };
  };
  return { build, built };
}

describe('rotatingClients', () => {
  it('keeps a refused lead blocked, without a second call, when the secret has not changed', async () => {
    const { build, built } = vendor(() => 'right');
    const resolveSecret: RefreshableSecretResolver = async () => 'wrong';
    const { adapter } = await rotatingClients({ build, resolveSecret, maxAgeMs: 300_000 }).ready();
    const lead = buildLead();

    const outcomes = await adapter.deliver([lead]);

    expect(outcomes.get(lead.id)).toEqual({ status: 'blocked', reason: 'invalid_auth' });
    expect(built).toEqual(['wrong']);
  });

  it('keeps the clients in use when the secret cannot be read again, and says so', async () => {
    let now = 0;
    const { build, built } = vendor(() => 'token');
    let fail = false;
    const resolveSecret: RefreshableSecretResolver = async () => {
      if (fail) throw new Error('AccessDeniedException');
      return 'token';
    };
    const errors: unknown[] = [];
    const { adapter } = await rotatingClients({
      build,
      resolveSecret,
      maxAgeMs: 1000,
      now: () => now,
      onRefreshError: (error) => errors.push(error),
    }).ready();
    fail = true;
    now = 5000;
    const lead = buildLead();

    const outcomes = await adapter.deliver([lead]);

    expect(outcomes.get(lead.id)?.status).toBe('delivered');
    expect(built).toEqual(['token']);
    expect(errors).toHaveLength(1);
  });

  it('rebuilds on a refusal within the max age, and not for an unchanged value past it', async () => {
    let now = 0;
    let stored = 'one';
    const { build, built } = vendor(() => stored);
    const clients = rotatingClients({
      build,
      resolveSecret: async () => stored,
      maxAgeMs: 1000,
      now: () => now,
    });
    const { adapter } = await clients.ready();

    now = 1500;
    await adapter.deliver([buildLead()]);
    stored = 'two';
    now = 1600;
    const early = await adapter.deliver([buildLead()]);
    now = 3000;
    const late = await adapter.deliver([buildLead()]);

    expect(built).toEqual(['one', 'two']);
    expect([...early.values()][0]?.status).toBe('delivered');
    expect([...late.values()][0]?.status).toBe('delivered');
  });
});
