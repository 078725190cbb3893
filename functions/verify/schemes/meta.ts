import { hmacScheme } from './hmac.ts';

/**
 * Meta (Facebook/Instagram lead ads): `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(body)>`, keyed with the
 * app secret. No timestamp and no delivery id header; the GET subscription handshake is answerMetaHandshake.
 */
export const meta = hmacScheme({
  header: 'X-Hub-Signature-256',
  algorithm: 'sha256',
  encoding: 'hex',
  prefix: 'sha256=',
});
