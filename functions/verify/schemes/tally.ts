import { hmacScheme } from './hmac.ts';

/** Tally: `Tally-Signature: <base64 HMAC-SHA256(body)>` with the webhook's signing secret; no timestamp. */
export const tally = hmacScheme({
  header: 'Tally-Signature',
  algorithm: 'sha256',
  encoding: 'base64',
});
