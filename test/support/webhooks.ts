import { randomBytes } from 'node:crypto';
import type { SecretResolver } from '../../functions/ports.ts';
import { schemeFor } from '../../functions/verify/index.ts';
import type { LeadpipeConfig } from '../../schemas/generated/config.ts';

export interface WebhookAnswer {
  status: number;
  body: string;
}

/** Posts payloads to one source of a running pipeline, signed as that source's sender would. */
export interface WebhookSender {
  readonly url: string;
  send(payload: unknown, options?: { deliveryId?: string }): Promise<WebhookAnswer>;
}

/**
 * A sender for `source`: its configured scheme and newest secret, a fresh delivery id per post
 * (unless given), JSON bodies. Sources with scheme `none` are posted unsigned.
 */
export async function createWebhookSender(options: {
  baseUrl: string;
  config: LeadpipeConfig;
  source: string;
  resolveSecret: SecretResolver;
  now?: () => Date;
}): Promise<WebhookSender> {
  const source = options.config.sources[options.source];
  if (!source) throw new Error(`The config has no source "${options.source}"`);
  const scheme = schemeFor(source.verify);
  const secretRef = source.verify.secrets?.[0];
  const secret = scheme && secretRef ? await options.resolveSecret(secretRef) : undefined;
  const now = options.now ?? (() => new Date());
  const url = `${options.baseUrl.replace(/\/$/, '')}/webhooks/${encodeURIComponent(options.source)}`;
  return {
    url,
    async send(payload, sendOptions = {}) {
      const body = Buffer.from(JSON.stringify(payload));
      const deliveryId = sendOptions.deliveryId ?? `msg_${randomBytes(12).toString('hex')}`;
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (scheme && secret !== undefined) {
        Object.assign(headers, scheme.sign({ method: 'POST', url, body, deliveryId }, secret, now()));
      }
      const response = await fetch(url, { method: 'POST', headers, body });
      return { status: response.status, body: await response.text() };
    },
  };
}

/** Runs `task` over every item with at most `concurrency` running at once; results in item order. */
export async function mapConcurrently<T, R>(
  items: readonly T[],
  concurrency: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  return results;
}

/** Posts every payload (bounded concurrency) and returns the answers in order. */
export function sendAll(
  sender: WebhookSender,
  payloads: readonly unknown[],
  concurrency = 32,
): Promise<WebhookAnswer[]> {
  return mapConcurrently(payloads, concurrency, (payload) => sender.send(payload));
}
