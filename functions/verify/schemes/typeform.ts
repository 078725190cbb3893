import { malformedHeader, requireHeader } from '../headers.ts';
import { assertAnySignatureMatches, computeHmac } from '../signature.ts';
import type { SignatureScheme } from '../types.ts';

const PREFIX = 'sha256=';

/**
 * Typeform: `Typeform-Signature: sha256=<base64 HMAC-SHA256(body)>`, keyed with the webhook's secret.
 * No timestamp is signed, so there is no replay window; the delivery id (event_id) lives in the body.
 */
export const typeform: SignatureScheme = {
  verify(request, options) {
    const header = requireHeader(request, 'Typeform-Signature');
    if (!header.startsWith(PREFIX)) throw malformedHeader('Typeform-Signature', 'sha256=<base64>');
    assertAnySignatureMatches([header.slice(PREFIX.length)], options.secrets, (secret) =>
      computeHmac('sha256', secret, [request.body], 'base64'),
    );
    return {};
  },
  sign(request, secret) {
    return { 'typeform-signature': `${PREFIX}${computeHmac('sha256', secret, [request.body], 'base64')}` };
  },
};
