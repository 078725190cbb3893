import { hmacScheme } from './hmac.ts';

/** Intercom: `X-Hub-Signature: sha1=<hex HMAC-SHA1(body)>`, keyed with the app's client secret. */
export const intercom = hmacScheme({
  header: 'X-Hub-Signature',
  algorithm: 'sha1',
  encoding: 'hex',
  prefix: 'sha1=',
});
