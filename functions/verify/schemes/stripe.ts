import { timestampedHmacScheme } from './timestamped-header.ts';

/** Stripe: `Stripe-Signature: t=<seconds>,v1=<hex HMAC-SHA256("t.body")>[,v1=…]`; v0 and unknown schemes ignored. */
export const stripe = timestampedHmacScheme('Stripe-Signature');
