import type { DestinationAdapter, OpsAlertSink, Outcome, SecretResolver } from '../../../functions/ports.ts';
import type { DestinationClients } from '../../destination-clients.ts';
import type { RefreshableSecretResolver } from '../secrets.ts';

/** Clients built with one set of secret values, and when those values were last checked against the store. */
interface Built {
  clients: DestinationClients;
  /** Every secret reference the factory resolved, with the value it got. */
  secrets: ReadonlyMap<string, string>;
  checkedAt: number;
}

export interface RotatingClientsOptions {
  /** The vendor's clients factory, bound to its destination: builds clients with the secrets it resolves. */
  build: (resolveSecret: SecretResolver) => Promise<DestinationClients>;
  resolveSecret: RefreshableSecretResolver;
  /** Secret values older than this are read again (through the resolver's own cache of the same age). */
  maxAgeMs: number;
  now?: () => number;
  /** Told when a secret could not be read again; the clients in use are kept. */
  onRefreshError?: (error: unknown) => void;
}

/**
 * A destination's clients that follow secret rotation without the delivery engine knowing: the
 * adapter and ops alerter returned by `ready()` delegate to clients rebuilt whenever a secret's
 * value has changed, checked once the values are `maxAgeMs` old and, bypassing the cache, as soon
 * as the vendor refuses the credentials; refused ("blocked") items are then retried once with the
 * new clients. `ready()` rejects while the first build cannot read its secrets, and tries again
 * on the next call.
 */
export function rotatingClients(options: RotatingClientsOptions): { ready(): Promise<DestinationClients> } {
  const now = options.now ?? (() => Date.now());
  let built: Built | undefined;
  let pending: Promise<Built> | undefined;
  let wrapped: Promise<DestinationClients> | undefined;

  const buildNow = async (): Promise<Built> => {
    const secrets = new Map<string, string>();
    const clients = await options.build(async (ref) => {
      const value = await options.resolveSecret(ref);
      secrets.set(ref, value);
      return value;
    });
    return { clients, secrets, checkedAt: now() };
  };

  /** Reads the secrets again; rebuilds the clients only when a value changed. One check at a time. */
  const recheck = (seen: Built, forceFetch: boolean): Promise<Built> => {
    pending ??= (async () => {
      try {
        if (built !== seen) return built ?? seen;
        const changed = await secretsChanged(seen.secrets, options.resolveSecret, forceFetch);
        built = changed ? await buildNow() : { ...seen, checkedAt: now() };
        return built;
      } catch (error) {
        options.onRefreshError?.(error);
        return seen;
      } finally {
        pending = undefined;
      }
    })();
    return pending;
  };

  const current = async (): Promise<Built> => {
    if (!built) throw new Error('rotatingClients: used before ready()');
    return now() - built.checkedAt >= options.maxAgeMs ? recheck(built, false) : built;
  };

  /** After a refusal: the clients to retry with, or undefined when the secrets have not changed. */
  const renewed = async (refused: Built): Promise<Built | undefined> => {
    const next = await recheck(refused, true);
    return next.clients === refused.clients ? undefined : next;
  };

  const adapter = (maxBatchSize: number): DestinationAdapter => ({
    maxBatchSize,
    async deliver(leads, deliverOptions) {
      const used = await current();
      const outcomes = await used.clients.adapter.deliver(leads, deliverOptions);
      const blocked = leads.filter((lead) => outcomes.get(lead.id)?.status === 'blocked');
      if (blocked.length === 0) return outcomes;
      const next = await renewed(used);
      if (!next) return outcomes;
      const retried = await next.clients.adapter.deliver(blocked, deliverOptions);
      for (const lead of blocked) {
        const outcome = retried.get(lead.id);
        if (outcome) outcomes.set(lead.id, outcome);
      }
      return outcomes;
    },
  });

  const opsAlerts: OpsAlertSink = {
    async alert(alerts) {
      const used = await current();
      const sink = used.clients.opsAlerts;
      if (!sink) return new Map();
      const outcomes = await sink.alert(alerts);
      const blocked = blockedKeys(outcomes);
      if (blocked.length === 0) return outcomes;
      const next = await renewed(used);
      if (!next?.clients.opsAlerts) return outcomes;
      const again = blocked.flatMap((index) => alerts.slice(index, index + 1));
      const retried = await next.clients.opsAlerts.alert(again);
      return mergeRetried(outcomes, blocked, retried);
    },
  };

  return {
    ready() {
      wrapped ??= (async () => {
        built = await buildNow();
        const { clients } = built;
        return {
          adapter: adapter(clients.adapter.maxBatchSize),
          ...(clients.opsAlerts ? { opsAlerts } : {}),
        };
      })();
      // A secret that could not be read is retried on the next batch, not remembered forever.
      wrapped.catch(() => {
        wrapped = undefined;
      });
      return wrapped;
    },
  };
}

/** True when any secret's value in the store differs from the one the clients were built with. */
export async function secretsChanged(
  used: ReadonlyMap<string, string>,
  resolveSecret: RefreshableSecretResolver,
  forceFetch: boolean,
): Promise<boolean> {
  const values = await Promise.all(
    [...used].map(async ([ref, value]) => (await resolveSecret(ref, { forceFetch })) !== value),
  );
  return values.some(Boolean);
}

/** The keys whose outcome is `blocked`, in key order. */
export function blockedKeys(outcomes: ReadonlyMap<number, Outcome>): number[] {
  return [...outcomes]
    .filter(([, outcome]) => outcome.status === 'blocked')
    .map(([index]) => index)
    .sort((a, b) => a - b);
}

/** `outcomes` with the outcome of each retried key (`retried` is indexed by position in `keys`) put in. */
export function mergeRetried(
  outcomes: ReadonlyMap<number, Outcome>,
  keys: readonly number[],
  retried: ReadonlyMap<number, Outcome>,
): Map<number, Outcome> {
  const merged = new Map(outcomes);
  keys.forEach((key, position) => {
    const outcome = retried.get(position);
    if (outcome) merged.set(key, outcome);
  });
  return merged;
}
