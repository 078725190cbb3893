import { createHash } from 'node:crypto';

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/** The stable lead id: the same source and delivery always give the same id. */
export function leadIdFor(source: string, deliveryId: string): string {
  return `lead_${sha256(`${source}\n${deliveryId}`).slice(0, 32)}`;
}

/** For senders without a delivery id: a hash of source + raw body, so a resend of the same bytes is a duplicate. */
export function bodyDeliveryId(source: string, body: Buffer): string {
  return `sha256:${createHash('sha256').update(`${source}\n`).update(body).digest('hex')}`;
}

export function bodySha256(body: Buffer): string {
  return sha256(body);
}
