/**
 * The repeat cap on ops alerts, one policy for both hosts: the same alert goes out at most once per
 * window per process, and the ones held back are counted into the next one that goes out. Both
 * alert publishers (adapters/aws/publisher.ts, adapters/embedded/bus.ts) carry it out through
 * createAlertThrottle; `decide` is the pure policy.
 */
import type { OpsAlert } from '../../schemas/generated/ops-alert-event.ts';

/** The window when `settings.alerts.repeatMinutes` is not set (the config schema's default too). */
export const DEFAULT_REPEAT_MINUTES = 15;
/** Keys remembered at most; past it, keys whose window has passed are forgotten first. */
export const MAX_THROTTLE_KEYS = 1000;

/** What the cap remembers of one key: when it last let an alert out, and how many it held back since. */
export interface ThrottleEntry {
  readonly sentAt: number;
  readonly suppressed: number;
}

export type ThrottleDecision =
  | { readonly action: 'send'; readonly alert: OpsAlert; readonly entry: ThrottleEntry }
  | { readonly action: 'suppress'; readonly entry: ThrottleEntry };

/**
 * What makes two alerts "the same": kind, what it is about (destination or source) and the reason.
 * Alarms are undefined: CloudWatch notifies on state changes only, so each one is news.
 */
export function alertKey(alert: OpsAlert): string | undefined {
  switch (alert.kind) {
    case 'dead-lettered':
    case 'credentials-refused':
      return JSON.stringify([alert.kind, alert.destination, alert.reason]);
    case 'quarantined':
      return JSON.stringify([alert.kind, alert.source, alert.reason]);
    case 'schema-drift':
      return JSON.stringify([alert.kind, alert.source, alert.added, alert.removed]);
    case 'alarm':
      return undefined;
  }
}

/**
 * Send or suppress one alert, given what the cap remembers of its key (undefined: never seen).
 * A sent alert carries the count held back since the last one (`suppressed`).
 */
export function decide(
  entry: ThrottleEntry | undefined,
  alert: OpsAlert,
  now: number,
  windowMs: number,
): ThrottleDecision {
  if (entry && now - entry.sentAt < windowMs) {
    return { action: 'suppress', entry: { sentAt: entry.sentAt, suppressed: entry.suppressed + 1 } };
  }
  const sent =
    entry && entry.suppressed > 0 && alert.kind !== 'alarm'
      ? {
          ...alert,
          suppressed: { count: entry.suppressed, since: new Date(entry.sentAt).toISOString() },
        }
      : alert;
  return { action: 'send', alert: sent, entry: { sentAt: now, suppressed: 0 } };
}

export interface AlertThrottle {
  /**
   * The alerts to publish now (repeats held back, counts attached). Call `commit` once they are
   * published; until then nothing is remembered, so a failed publish holds back nothing.
   */
  admit(alerts: readonly OpsAlert[]): { send: OpsAlert[]; suppressed: number; commit(): void };
}

export interface AlertThrottleOptions {
  /** @default DEFAULT_REPEAT_MINUTES */
  repeatMinutes?: number;
  now?: () => number;
}

/** The per-process memory of the cap around `decide`. */
export function createAlertThrottle(options: AlertThrottleOptions = {}): AlertThrottle {
  const windowMs = (options.repeatMinutes ?? DEFAULT_REPEAT_MINUTES) * 60_000;
  const now = options.now ?? Date.now;
  const entries = new Map<string, ThrottleEntry>();
  return {
    admit(alerts) {
      const at = now();
      const pending = new Map<string, ThrottleEntry>();
      const send: OpsAlert[] = [];
      let suppressed = 0;
      for (const alert of alerts) {
        const key = alertKey(alert);
        if (key === undefined) {
          send.push(alert);
          continue;
        }
        const decision = decide(pending.get(key) ?? entries.get(key), alert, at, windowMs);
        pending.set(key, decision.entry);
        if (decision.action === 'send') send.push(decision.alert);
        else suppressed++;
      }
      return {
        send,
        suppressed,
        commit: () => {
          for (const [key, entry] of pending) entries.set(key, entry);
          forgetPast(entries, at, windowMs);
        },
      };
    },
  };
}

/** Bounds the memory: past MAX_THROTTLE_KEYS, keys whose window has passed go (their count with them). */
function forgetPast(entries: Map<string, ThrottleEntry>, now: number, windowMs: number): void {
  if (entries.size <= MAX_THROTTLE_KEYS) return;
  for (const [key, entry] of entries) {
    if (now - entry.sentAt >= windowMs) entries.delete(key);
  }
}
