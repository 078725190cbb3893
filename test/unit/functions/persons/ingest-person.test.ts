import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../../adapters/embedded/database.ts';
import { createEmbeddedLedger } from '../../../../adapters/embedded/ledger.ts';
import { createEmbeddedPersonDirectory } from '../../../../adapters/embedded/person-directory.ts';
import { createLogger } from '../../../../functions/observability/logger.ts';
import { PERSON_ID_PATTERN } from '../../../../functions/persons/keys.ts';
import { type PersonDirectory, PublishError } from '../../../../functions/ports.ts';
import { createReplay } from '../../../../functions/quarantine/replay.ts';
import type { LedgerEvent } from '../../../../schemas/generated/ledger-event.ts';
import { validateLeadReceived } from '../../../../schemas/validate.ts';
import { MemoryPersistenceLayer, recordingPublisher } from '../ingest/fakes.ts';
import { CONFIG, GOOD_LEAD, ingestHarness, NOW, signedEvent } from '../ingest/ingest-setup.ts';

const json = (value: unknown) => JSON.stringify(value);
const GRACE_PHONE = '+14155550132';

function withDirectory() {
  const database = openDatabase();
  const persons = createEmbeddedPersonDirectory(database);
  const ledger = createEmbeddedLedger(database, { now: () => NOW.getTime() });
  // A clock a second further on each time it is read: every lead is received after the one before.
  let clock = NOW.getTime();
  const harness = ingestHarness({
    persons,
    ledger,
    decideRoutes: () => ({ matched: [], unmatched: [] }),
    now: () => {
      clock += 1000;
      return new Date(clock);
    },
  });
  const mapped = async (leadId: string) =>
    (await ledger.timeline(leadId))?.events.find(
      (event): event is Extract<LedgerEvent, { kind: 'mapped' }> => event.kind === 'mapped',
    );
  return { database, persons, ledger, harness, mapped };
}

describe('ingest gives every lead its person', () => {
  it('sets personId on the published lead and in the ledger’s mapped step', async () => {
    // Prepare
    const { harness, mapped, persons } = withDirectory();

    // Act
    const answer = await harness.handle(signedEvent('form', json(GOOD_LEAD)));

    // Assess
    expect(answer.statusCode).toBe(202);
    const [event] = harness.published.events;
    expect(validateLeadReceived(event)).toBe(true);
    expect(event?.lead.personId).toMatch(PERSON_ID_PATTERN);
    const step = await mapped(event?.lead.id as string);
    expect(step?.personId).toBe(event?.lead.personId);
    expect(step?.mergedFrom).toBeUndefined();
    expect(step?.fields).not.toContain('personId');
    expect((await persons.resolve({ phone: GRACE_PHONE }, '2026-03-03T00:00:00.000Z')).personId).toBe(
      event?.lead.personId,
    );
  });

  it('keeps the person id for a redelivery and for the same person’s next delivery', async () => {
    // Prepare
    const { harness } = withDirectory();
    const first = signedEvent('form', json(GOOD_LEAD), { deliveryId: 'msg_1' });

    // Act
    await harness.handle(first);
    const redelivered = await harness.handle(first);
    await harness.handle(
      signedEvent('form', json({ ...GOOD_LEAD, company: 'Navy' }), { deliveryId: 'msg_2' }),
    );

    // Assess
    expect(redelivered.statusCode).toBe(200);
    const [one, two, extra] = harness.published.events;
    expect(extra).toBeUndefined();
    expect(two?.lead.id).not.toBe(one?.lead.id);
    expect(two?.lead.personId).toBe(one?.lead.personId);
  });

  it('gives a retry after a failed publish the person id the first attempt resolved', async () => {
    // Prepare: the bus fails once, then takes the event.
    const database = openDatabase();
    const persons = createEmbeddedPersonDirectory(database);
    const published = recordingPublisher();
    let calls = 0;
    const harness = ingestHarness({
      persons,
      publish: async (events) => {
        calls++;
        if (calls === 1) throw new PublishError(events.length, 'bus unavailable');
        await published(events);
      },
    });
    const event = signedEvent('form', json(GOOD_LEAD), { deliveryId: 'msg_retry' });

    // Act
    const refused = await harness.handle(event);
    const resolvedMeanwhile = await persons.resolve(
      { email: 'grace.hopper@compilers.example' },
      '2026-03-02T10:00:00.000Z',
    );
    const retried = await harness.handle(event);

    // Assess
    expect(refused.statusCode).toBe(503);
    expect(retried.statusCode).toBe(202);
    expect(resolvedMeanwhile.created).toBe(false);
    expect(published.events[0]?.lead.personId).toBe(resolvedMeanwhile.personId);
  });

  it('gives a phone-only lead and a later email-and-phone lead of the same person one id', async () => {
    // Prepare
    const { harness, mapped } = withDirectory();

    // Act
    await harness.handle(signedEvent('form', json({ phone: '+1 415 555 0132', first_name: 'Grace' })));
    await harness.handle(signedEvent('form', json(GOOD_LEAD)));
    await harness.handle(signedEvent('form', json({ email: GOOD_LEAD.email })));

    // Assess
    const [byPhone, both, byEmail] = harness.published.events;
    expect(byPhone?.lead.email).toBeUndefined();
    expect(byPhone?.lead.personId).toMatch(PERSON_ID_PATTERN);
    expect(both?.lead.personId).toBe(byPhone?.lead.personId);
    expect(byEmail?.lead.personId).toBe(byPhone?.lead.personId);
    expect((await mapped(both?.lead.id as string))?.mergedFrom).toBeUndefined();
  });

  it('records a merge in the mapped step when a lead joins two known persons', async () => {
    // Prepare: the phone's person first seen, then the email's.
    const { harness, mapped } = withDirectory();
    await harness.handle(signedEvent('form', json({ phone: '+1 415 555 0132' })));
    await harness.handle(signedEvent('form', json({ email: GOOD_LEAD.email })));

    // Act
    await harness.handle(signedEvent('form', json(GOOD_LEAD)));

    // Assess
    const [byPhone, byEmail, both] = harness.published.events;
    expect(byEmail?.lead.personId).not.toBe(byPhone?.lead.personId);
    expect(both?.lead.personId).toBe(byPhone?.lead.personId);
    expect((await mapped(both?.lead.id as string))?.mergedFrom).toBe(byEmail?.lead.personId);
  });

  it('answers 503 and publishes nothing when the directory cannot resolve, then succeeds on the retry', async () => {
    // Prepare
    const real = createEmbeddedPersonDirectory(openDatabase());
    let down = true;
    const flaky: PersonDirectory = {
      resolve: async (keys, at) => {
        if (down) throw new Error('ProvisionedThroughputExceededException');
        return real.resolve(keys, at);
      },
      forget: (keys) => real.forget(keys),
    };
    const harness = ingestHarness({ persons: flaky });
    const event = signedEvent('form', json(GOOD_LEAD), { deliveryId: 'msg_down' });

    // Act
    const refused = await harness.handle(event);
    down = false;
    const retried = await harness.handle(event);

    // Assess
    expect(refused.statusCode).toBe(503);
    expect(JSON.parse(refused.body)).toMatchObject({ error: { code: 'temporarily_unavailable' } });
    expect(refused.body).not.toContain('grace');
    expect(retried.statusCode).toBe(202);
    expect(harness.published.events).toHaveLength(1);
    expect(harness.published.events[0]?.lead.personId).toMatch(PERSON_ID_PATTERN);
  });

  it('publishes leads without a personId when no directory is wired', async () => {
    // Prepare
    const harness = ingestHarness();

    // Act
    await harness.handle(signedEvent('form', json(GOOD_LEAD)));

    // Assess
    expect(harness.published.events[0]?.lead).not.toHaveProperty('personId');
  });
});

describe('quarantine replay resolves the person the same way', () => {
  it('gives a replayed lead the person its email already has', async () => {
    // Prepare: a lead of Ada, then a quarantined one (the strict mapping fails on a numeric name).
    const database = openDatabase();
    const persons = createEmbeddedPersonDirectory(database);
    const harness = ingestHarness({ persons });
    await harness.handle(signedEvent('form', json({ email: 'ada@engines.example' })));
    const answer = await harness.handle(
      signedEvent('strict', json({ contact: { email: 'ada@engines.example', name: 1815 } })),
    );
    const { leadId } = JSON.parse(answer.body) as { leadId: string };
    const publish = recordingPublisher();
    const ledger = createEmbeddedLedger(database, { now: () => NOW.getTime() });
    const strict = CONFIG.sources.strict as (typeof CONFIG.sources)[string];
    const replay = createReplay({
      config: {
        ...CONFIG,
        sources: {
          ...CONFIG.sources,
          strict: { ...strict, mapping: { jsonata: '{ "email": contact.email }' } },
        },
      },
      quarantine: harness.quarantine,
      idempotencyStore: new MemoryPersistenceLayer(harness.idempotency.records),
      publish,
      persons,
      ledger: {
        ledger,
        logger: createLogger({ logLevel: 'SILENT' }),
        by: 'test',
        decideRoutes: () => ({ matched: [], unmatched: [] }),
      },
    });

    // Act
    const result = await replay(leadId);

    // Assess
    expect(answer.statusCode).toBe(202);
    expect(result).toEqual({ status: 'replayed', leadId });
    const personId = harness.published.events[0]?.lead.personId;
    expect(personId).toMatch(PERSON_ID_PATTERN);
    expect(publish.events[0]?.lead.personId).toBe(personId);
    const mappedStep = (await ledger.timeline(leadId))?.events.find((event) => event.kind === 'mapped');
    expect(mappedStep).toMatchObject({ replay: true, personId });
  });
});
