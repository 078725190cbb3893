import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../../functions/observability/logger.ts';
import { PublishError } from '../../../../functions/ports.ts';
import { captureOutput, webhookEvent } from './fakes.ts';
import { ingestHarness, SECRETS, signedEvent } from './ingest-setup.ts';

/** Personal data and secrets that go in; none may come out in a log line or an ops alert. */
const PERSON = {
  email: 'margaret.hamilton@apollo.example',
  first_name: 'Margaret',
  last_name: 'Hamiltonova',
  company: 'Apollo Guidance Ltd',
  phone: '+1 617 555 0199',
  message: 'Call Margaret on her mobile',
};
const NEEDLES = [
  PERSON.email,
  PERSON.first_name,
  PERSON.last_name,
  PERSON.company,
  '617 555 0199',
  '+16175550199',
  '6175550199',
  ...Object.values(SECRETS),
];

describe('ingest logs', () => {
  it('carry no email, phone, name or secret on any path: accepted, quarantined, refused, failed', async () => {
    // Prepare
    let publishFails = false;
    const harness = ingestHarness({
      logger: createLogger({ logLevel: 'DEBUG' }),
      publish: async () => {
        if (publishFails) throw new PublishError(1, `ValidationException: ${PERSON.email}`);
      },
      quarantine: {
        put: async () => Promise.reject(new Error(`storage refused ${PERSON.email} ${PERSON.phone}`)),
        get: async () => undefined,
        list: async () => [],
        remove: async () => undefined,
        erase: async () => 0,
      },
    });
    const json = (value: unknown) => JSON.stringify(value);
    const answers: number[] = [];
    // Act
    const output = await captureOutput(async () => {
      const send = async (event: Parameters<typeof harness.handle>[0]) =>
        answers.push((await harness.handle(event)).statusCode);
      await send(signedEvent('form', json(PERSON)));
      await send(
        signedEvent('form', json({ ...PERSON, email: `${PERSON.first_name}@@apollo`, phone: undefined })),
      );
      await send(signedEvent('form', json(PERSON), { contentType: 'text/csv' }));
      await send(
        webhookEvent({ source: 'form', body: json(PERSON), headers: { 'content-type': 'application/json' } }),
      );
      await send(
        webhookEvent({
          source: 'meta',
          method: 'GET',
          query: `hub.mode=subscribe&hub.verify_token=${SECRETS.META_VERIFY_TOKEN}&hub.challenge=7`,
        }),
      );
      await send(
        webhookEvent({
          source: 'meta',
          method: 'GET',
          query: 'hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=7',
        }),
      );
      publishFails = true;
      await send(signedEvent('form', json(PERSON)));
    });
    // Assess: every path ran, and logged something, so the absence below means something.
    expect(answers).toEqual([202, 500, 415, 401, 200, 403, 503]);
    // (Log messages themselves come out as "[redacted]": the redactor treats the key `message` as PII.)
    expect(output).toContain('"status":"accepted"');
    expect(output).toContain('"code":"temporarily_unavailable"');
    expect(output).toContain('storage refused');
    for (const needle of NEEDLES) expect(output).not.toContain(needle);
  });

  it('and ops alerts for quarantined payloads carry no personal data either', async () => {
    // Prepare
    const harness = ingestHarness();
    // Act
    await harness.handle(
      signedEvent(
        'form',
        JSON.stringify({ ...PERSON, email: `${PERSON.first_name}@@apollo`, phone: undefined }),
      ),
    );
    // Assess
    expect(harness.alerts.alerts).toHaveLength(1);
    const alerts = JSON.stringify(harness.alerts.alerts);
    for (const needle of NEEDLES) expect(alerts).not.toContain(needle);
  });
});
