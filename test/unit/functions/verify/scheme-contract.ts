import { describe, expect, it } from 'vitest';
import { normaliseHeaders } from '../../../../functions/verify/headers.ts';
import {
  type SignatureScheme,
  type VerificationErrorCode,
  type VerifyOptions,
  type WebhookRequest,
  WebhookVerificationError,
} from '../../../../functions/verify/types.ts';

/** What the shared contract needs to know about one scheme. */
export interface SchemeUnderTest {
  scheme: SignatureScheme;
  /** The signature header as the vendor spells it (as it appears in "Missing … header"). */
  signatureHeader: string;
  /** The separate timestamp header as the vendor spells it, when there is one. */
  timestampHeader?: string;
  /** Whether the scheme signs a timestamp (so a replay window applies). */
  timestamped: boolean;
  /** The delivery id header, when the scheme reports one. */
  deliveryIdHeader?: string;
  /** Whether the signature covers that delivery id header (only a signed id may deduplicate). */
  deliveryIdSigned?: boolean;
  secret: string;
  otherSecret: string;
  method?: string;
  url?: string;
}

export const NOW = new Date('2026-11-21T12:00:00.000Z');
export const TOLERANCE_SECONDS = 300;
export const BODY = Buffer.from(
  '{"event_id":"01J","email":"ada@example.com","note":"caf\u00e9 \u2713"}',
  'utf8',
);

/** A request signed by `scheme` with `secret` at `signedAt`: the correct case every test starts from. */
export function signedRequest(
  subject: Pick<SchemeUnderTest, 'scheme' | 'method' | 'url'>,
  secret: string,
  signedAt: Date = NOW,
  body: Buffer = BODY,
): WebhookRequest {
  const base = {
    method: subject.method ?? 'POST',
    url: subject.url ?? 'https://hooks.example.com/webhooks/forms?team=sales',
    body,
  };
  const headers = subject.scheme.sign({ ...base, deliveryId: 'delivery-42' }, secret, signedAt);
  return { ...base, headers: normaliseHeaders({ 'content-type': 'application/json', ...headers }) };
}

export function options(secrets: readonly string[], now: Date = NOW): VerifyOptions {
  return { secrets, toleranceSeconds: TOLERANCE_SECONDS, now };
}

/** Runs `act` and returns the WebhookVerificationError it threw (fails the test otherwise). */
export function verificationError(act: () => unknown): WebhookVerificationError {
  try {
    act();
  } catch (error) {
    expect(error).toBeInstanceOf(WebhookVerificationError);
    return error as WebhookVerificationError;
  }
  throw new Error('expected a WebhookVerificationError, but verification passed');
}

function withoutHeader(request: WebhookRequest, name: string): WebhookRequest {
  const headers = { ...request.headers };
  delete headers[name.toLowerCase()];
  return { ...request, headers };
}

function tamper(body: Buffer): Buffer {
  const copy = Buffer.from(body);
  copy[copy.length - 2] = (copy[copy.length - 2] ?? 0) ^ 0x01;
  return copy;
}

const seconds = (n: number) => new Date(NOW.getTime() + n * 1000);

/** The cases every scheme must pass: build a correct request, then break exactly one thing. */
export function describeSchemeContract(name: string, subject: SchemeUnderTest): void {
  describe(`${name}: shared contract`, () => {
    it('accepts a request it signed itself', () => {
      // Prepare
      const request = signedRequest(subject, subject.secret);
      // Act
      const delivery = subject.scheme.verify(request, options([subject.secret]));
      // Assess
      if (subject.deliveryIdHeader !== undefined) {
        expect(delivery.deliveryId).toBe(request.headers[subject.deliveryIdHeader.toLowerCase()]);
        expect(delivery.deliveryIdSigned).toBe(subject.deliveryIdSigned ?? false);
      } else {
        expect(delivery.deliveryId).toBeUndefined();
      }
      if (subject.timestamped) {
        expect(Math.abs((delivery.timestamp?.getTime() ?? 0) - NOW.getTime())).toBeLessThan(1000);
      } else {
        expect(delivery.timestamp).toBeUndefined();
      }
    });

    it('accepts the second secret during a rotation', () => {
      const request = signedRequest(subject, subject.secret);
      expect(() =>
        subject.scheme.verify(request, options([subject.otherSecret, subject.secret])),
      ).not.toThrow();
    });

    it.each<{ case: string; mutate: (request: WebhookRequest) => WebhookRequest; secrets?: string[] }>([
      { case: 'wrong secret', mutate: (request) => request, secrets: ['not-the-secret'] },
      {
        case: 'two wrong secrets',
        mutate: (request) => request,
        secrets: ['not-the-secret', 'nor-this-one'],
      },
      { case: 'tampered body', mutate: (request) => ({ ...request, body: tamper(request.body) }) },
      {
        case: 'appended body byte',
        mutate: (request) => ({ ...request, body: Buffer.concat([request.body, Buffer.from(' ')]) }),
      },
    ])('refuses $case with signature_invalid, naming no secret', ({ mutate, secrets }) => {
      // Prepare
      const request = mutate(signedRequest(subject, subject.secret));
      const tried = secrets ?? [subject.secret];
      const verifyWith = secrets === undefined ? options([subject.secret]) : options(secrets);
      // Act
      const error = verificationError(() => subject.scheme.verify(request, verifyWith));
      // Assess
      expect(error.code).toBe('signature_invalid');
      expect(error.message).toBe(
        `No matching signature found (${tried.length} secret${tried.length === 1 ? '' : 's'} tried)`,
      );
      for (const secret of [...tried, subject.secret]) expect(error.message).not.toContain(secret);
    });

    it('refuses everything when no secret is configured', () => {
      const error = verificationError(() =>
        subject.scheme.verify(signedRequest(subject, subject.secret), options([])),
      );
      expect(error.code).toBe('signature_invalid');
    });

    it(`refuses a request without ${subject.signatureHeader}`, () => {
      const request = withoutHeader(signedRequest(subject, subject.secret), subject.signatureHeader);
      const error = verificationError(() => subject.scheme.verify(request, options([subject.secret])));
      expect(error.code).toBe('signature_missing');
      expect(error.message).toBe(`Missing ${subject.signatureHeader} header`);
    });

    it.each<{ case: string; rename: (name: string) => string }>([
      { case: 'UPPER', rename: (header) => header.toUpperCase() },
      {
        case: 'Title-Case',
        rename: (header) => header.replace(/(^|-)([a-z])/g, (_, dash, c) => dash + c.toUpperCase()),
      },
      { case: 'lower', rename: (header) => header.toLowerCase() },
    ])('accepts header names in $case once normalised', ({ rename }) => {
      // Prepare
      const signed = signedRequest(subject, subject.secret);
      const raw = Object.fromEntries(
        Object.entries(signed.headers).map(([key, value]) => [rename(key), value]),
      );
      // Act
      const request = { ...signed, headers: normaliseHeaders(raw) };
      // Assess
      expect(() => subject.scheme.verify(request, options([subject.secret]))).not.toThrow();
    });

    if (subject.timestamped) {
      it.each<{ case: string; signedAt: Date; code: VerificationErrorCode; message: string }>([
        {
          case: 'stale',
          signedAt: seconds(-912),
          code: 'timestamp_too_old',
          message: 'Webhook timestamp is 912 s old; the tolerance is 300 s',
        },
        {
          case: 'from the future',
          signedAt: seconds(400),
          code: 'timestamp_in_future',
          message: 'Webhook timestamp is 400 s in the future; the tolerance is 300 s',
        },
      ])('refuses a $case delivery', ({ signedAt, code, message }) => {
        const request = signedRequest(subject, subject.secret, signedAt);
        const error = verificationError(() => subject.scheme.verify(request, options([subject.secret])));
        expect(error.code).toBe(code);
        expect(error.message).toBe(message);
      });

      it('refuses a correctly signed delivery whose timestamp is beyond the range of a Date', () => {
        // Prepare: sign at a time a Date cannot hold (past 8.64e15 ms); sign only reads getTime (Zendesk: toISOString).
        const beyondDate = {
          getTime: () => 8_640_000_000_001_000,
          toISOString: () => '+275760-09-13T00:00:01.000Z',
        } as unknown as Date;
        const request = signedRequest(subject, subject.secret, beyondDate);
        // Act
        const error = verificationError(() => subject.scheme.verify(request, options([subject.secret])));
        // Assess
        expect(error.code).toBe('timestamp_invalid');
      });

      it.each([
        { case: 'just inside the window, old', offset: -299 },
        { case: 'just inside the window, ahead', offset: 299 },
      ])('accepts a delivery $case', ({ offset }) => {
        const request = signedRequest(subject, subject.secret, seconds(offset));
        expect(() => subject.scheme.verify(request, options([subject.secret]))).not.toThrow();
      });
    }

    if (subject.timestampHeader !== undefined) {
      const timestampHeader = subject.timestampHeader;
      it(`refuses a request without ${timestampHeader}`, () => {
        const request = withoutHeader(signedRequest(subject, subject.secret), timestampHeader);
        const error = verificationError(() => subject.scheme.verify(request, options([subject.secret])));
        expect(error.code).toBe('timestamp_missing');
        expect(error.message).toBe(`Missing ${timestampHeader} header`);
      });

      // The last three are integers, but beyond what a Date holds: they must not skip the replay window.
      it.each([
        'yesterday',
        '12.5',
        '-1',
        '0x10',
        '1e9',
        '99999999999999999',
        '9999999999999999',
        '8640000000000001',
      ])(`refuses a ${timestampHeader} of %j`, (value) => {
        const signed = signedRequest(subject, subject.secret);
        const request = { ...signed, headers: { ...signed.headers, [timestampHeader.toLowerCase()]: value } };
        const error = verificationError(() => subject.scheme.verify(request, options([subject.secret])));
        expect(error.code).toBe('timestamp_invalid');
      });
    }
  });
}
