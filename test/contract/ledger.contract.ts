// The LeadLedger contract (functions/ports.ts): every lead's timeline, searchable, on every host
// alike. Each case runs on a fresh, empty ledger whose clock stands at `NOW`.
import { afterEach, describe, expect, it } from 'vitest';
import { LedgerQueryError } from '../../functions/ledger/search-terms.ts';
import { inTimelineOrder, summariseLead } from '../../functions/ledger/status.ts';
import type { LeadLedger, LedgerLead, LedgerQuery } from '../../functions/ports.ts';
import type { LedgerEvent, LedgerReceived } from '../../schemas/generated/ledger-event.ts';
import { deliveredLife, ledgerEvent, ledgerLeadId, minutesAfter } from '../support/ledger-events.ts';

export interface LedgerFixture {
  ledger: LeadLedger;
  end(): Promise<void>;
}

/** How a runner builds a fresh, empty ledger: its clock (epoch ms) and, when given, its retention. */
export type LedgerFactory = (options: { now: number; retentionDays?: number }) => Promise<LedgerFixture>;

/** The ledger's clock in every case; the leads are received in the ten days before it. */
export const NOW = Date.parse('2026-03-31T12:00:00.000Z');
const T0 = '2026-03-20T09:00:00.000Z';
const DAY_MS = 24 * 3600 * 1000;
const daysBefore = (days: number) => new Date(NOW - days * DAY_MS).toISOString();

const ids = (leads: readonly LedgerLead[]) => leads.map((lead) => lead.leadId);
const lead = (n: number) => ledgerLeadId(n);

/**
 * Four leads told apart by every search key: 1 and 2 share an email, 1 and 3 a phone and a
 * source, 1 and 4 a correlation id; 4 has no contact. Received a minute apart, 1 first.
 */
const FOUR: readonly LedgerReceived[] = [
  ledgerEvent.received(lead(1), minutesAfter(T0, 1), {
    source: 'typeform',
    correlationId: 'c-1',
    contact: { email: 'a@example.com', phone: '+14155550101' },
  }),
  ledgerEvent.received(lead(2), minutesAfter(T0, 2), {
    source: 'webflow',
    correlationId: 'c-2',
    contact: { email: 'a@example.com', phone: '+14155550102' },
  }),
  ledgerEvent.received(lead(3), minutesAfter(T0, 3), {
    source: 'typeform',
    correlationId: 'c-3',
    contact: { email: 'b@example.com', phone: '+14155550101' },
  }),
  ledgerEvent.received(lead(4), minutesAfter(T0, 4), {
    source: 'hubspot-forms',
    correlationId: 'c-1',
    contact: {},
  }),
];

const UNICODE_TEXTS: readonly (readonly [string, string])[] = [
  ['emoji and a ZWJ sequence with a skin tone', '🙂👩🏽‍💻 Ada'],
  ['right-to-left Arabic', 'مرحبا بالعالم، أحمد'],
  ['right-to-left Hebrew with a mark', 'שלום עולם\u200F דנה'],
  [
    'combining marks (decomposed, so normalising would change the bytes)',
    'Zoe\u0308 Jose\u0301 \u0915\u094D\u0937',
  ],
];

export function ledgerContract(name: string, create: LedgerFactory): void {
  describe(`LeadLedger contract: ${name}`, () => {
    const open: LedgerFixture[] = [];
    afterEach(async () => {
      for (const fixture of open.splice(0)) await fixture.end();
    });

    async function ledgerAt(retentionDays?: number): Promise<LeadLedger> {
      const fixture = await create({ now: NOW, ...(retentionDays === undefined ? {} : { retentionDays }) });
      open.push(fixture);
      return fixture.ledger;
    }

    /** Every page of a search, following `next` until it is absent (at most 50 pages). */
    async function allPages(ledger: LeadLedger, query: LedgerQuery): Promise<LedgerLead[][]> {
      const pages: LedgerLead[][] = [];
      let cursor: string | undefined;
      do {
        const page = await ledger.search({ ...query, ...(cursor === undefined ? {} : { cursor }) });
        pages.push(page.leads);
        cursor = page.next;
      } while (cursor !== undefined && pages.length < 50);
      return pages;
    }

    describe('append and timeline', () => {
      it("gives a lead's events in timeline order, and the lead summarised from all of them, whatever order they came in", async () => {
        // Prepare: newest first, in two appends, among another lead's events.
        const ledger = await ledgerAt();
        const life = deliveredLife(lead(1), T0);
        const other = deliveredLife(lead(2), minutesAfter(T0, 1));
        const shuffled = [...life].reverse();

        // Act
        await ledger.append([...shuffled.slice(0, 3), ...other.slice(0, 2)]);
        await ledger.append([...other.slice(2), ...shuffled.slice(3)]);
        const timeline = await ledger.timeline(lead(1));

        // Assess
        const [received] = life as [LedgerReceived];
        expect(timeline).toEqual({ lead: summariseLead(received, life), events: inTimelineOrder(life) });
        expect(timeline?.events.map((event) => event.kind)).toEqual([
          'received',
          'mapped',
          'routed',
          'attempt',
          'attempt',
          'attempt',
        ]);
        expect(timeline?.lead).toMatchObject({
          leadId: lead(1),
          status: 'delivered',
          destinations: { hubspot: 'delivered', slack: 'delivered' },
          receivedAt: T0,
          updatedAt: new Date(Date.parse(T0) + 3000).toISOString(),
        });
      });

      it('keeps an event appended twice once, whether twice in one append or again later', async () => {
        // Prepare
        const ledger = await ledgerAt();
        const life = deliveredLife(lead(1), T0);

        // Act
        await ledger.append([...life, ...life]);
        await ledger.append(life);
        await ledger.append([structuredClone(life[3] as LedgerEvent)]);
        const timeline = await ledger.timeline(lead(1));
        const recent = await ledger.recent({ since: T0 });

        // Assess
        expect(timeline?.events).toHaveLength(life.length);
        expect(recent).toHaveLength(life.length);
      });

      it('tells apart events at one instant by kind, destination and attempt', async () => {
        // Prepare
        const ledger = await ledgerAt();
        const at = minutesAfter(T0, 1);
        const events: LedgerEvent[] = [
          ledgerEvent.received(lead(1), T0),
          ledgerEvent.attempt(lead(1), at, 'hubspot', 1, 'retry', 'timeout'),
          ledgerEvent.attempt(lead(1), at, 'hubspot', 2, 'retry', 'timeout'),
          ledgerEvent.attempt(lead(1), at, 'slack', 1, 'retry', 'timeout'),
          ledgerEvent.deadLettered(lead(1), at, 'salesforce'),
          ledgerEvent.redriven(lead(1), at, 'salesforce'),
        ];

        // Act
        await ledger.append(events);
        const timeline = await ledger.timeline(lead(1));

        // Assess
        expect(timeline?.events).toHaveLength(events.length);
        expect(new Set(timeline?.events.map((event) => JSON.stringify(event)))).toEqual(
          new Set(events.map((event) => JSON.stringify(event))),
        );
      });

      it('has no timeline for a lead without a received event, and a whole one once it comes, last', async () => {
        // Prepare
        const ledger = await ledgerAt();
        const [received, ...rest] = deliveredLife(lead(1), T0) as [LedgerReceived, ...LedgerEvent[]];
        await ledger.append(rest);

        // Act
        const before = await ledger.timeline(lead(1));
        const unknown = await ledger.timeline(lead(99));
        await ledger.append([received]);
        const after = await ledger.timeline(lead(1));

        // Assess
        expect(before).toBeUndefined();
        expect(unknown).toBeUndefined();
        expect(after?.events).toHaveLength(rest.length + 1);
        expect(after?.lead.status).toBe('delivered');
      });

      it('refuses a batch with an event whose time is not a time, appending none of it', async () => {
        // Prepare
        const ledger = await ledgerAt();
        const [received, mapped] = deliveredLife(lead(1), T0) as [LedgerEvent, LedgerEvent];

        // Act
        const appending = ledger.append([received, { ...mapped, at: 'yesterday' }]);

        // Assess
        await expect(appending).rejects.toThrow(/"yesterday"/);
        expect(await ledger.timeline(lead(1))).toBeUndefined();
      });

      it('appends nothing for an empty list', async () => {
        // Prepare
        const ledger = await ledgerAt();

        // Act
        await ledger.append([]);

        // Assess
        expect(await ledger.search({})).toEqual({ leads: [] });
        expect(await ledger.recent({ since: daysBefore(30) })).toEqual([]);
      });
    });

    describe('search', () => {
      it.each<[string, LedgerQuery, number[]]>([
        ['no criteria: every lead', {}, [4, 3, 2, 1]],
        ['an email', { email: 'a@example.com' }, [2, 1]],
        ['an email as a person types it', { email: '  A@Example.COM ' }, [2, 1]],
        ['a phone in E.164', { phone: '+14155550101' }, [3, 1]],
        ['a phone as a person types it', { phone: '(415) 555-0101' }, [3, 1]],
        ['a correlation id', { correlationId: 'c-1' }, [4, 1]],
        ['a source', { source: 'typeform' }, [3, 1]],
        ['a lead id', { leadId: lead(2) }, [2]],
        ['an email and a source, both holding', { email: 'a@example.com', source: 'typeform' }, [1]],
        ['a phone and a source of which only one holds', { phone: '+14155550101', source: 'webflow' }, []],
        ['a lead id and a source that is not its', { leadId: lead(2), source: 'typeform' }, []],
        ['an email no lead has', { email: 'nobody@example.com' }, []],
        ['a lead id the ledger does not hold', { leadId: lead(99) }, []],
      ])('finds, newest first, the leads matching %s', async (_, query, expected) => {
        // Prepare
        const ledger = await ledgerAt();
        await ledger.append([...FOUR].reverse());

        // Act
        const page = await ledger.search(query);

        // Assess
        expect(ids(page.leads)).toEqual(expected.map(lead));
        expect(page.next).toBeUndefined();
      });

      it.each<[string, LedgerQuery, number[]]>([
        ['since, inclusive', { since: minutesAfter(T0, 2) }, [4, 3, 2]],
        ['until, exclusive', { until: minutesAfter(T0, 2) }, [1]],
        ['since and until', { since: minutesAfter(T0, 2), until: minutesAfter(T0, 4) }, [3, 2]],
        ['since written with an offset', { since: '2026-03-20T10:02:00+01:00' }, [4, 3, 2]],
        ['since and a source', { since: minutesAfter(T0, 2), source: 'typeform' }, [3]],
        ['until and an email', { until: minutesAfter(T0, 2), email: 'a@example.com' }, [1]],
        ['until before since', { since: minutesAfter(T0, 3), until: minutesAfter(T0, 1) }, []],
      ])('bounds receivedAt by %s', async (_, query, expected) => {
        // Prepare
        const ledger = await ledgerAt();
        await ledger.append(FOUR);

        // Act
        const page = await ledger.search(query);

        // Assess
        expect(ids(page.leads)).toEqual(expected.map(lead));
      });

      it('gives each lead summarised as its own timeline says', async () => {
        // Prepare: delivered, quarantined, failed at one destination, and matched by no route.
        const ledger = await ledgerAt();
        const at = (minutes: number) => minutesAfter(T0, minutes);
        const events: LedgerEvent[] = [
          ...deliveredLife(lead(1), at(1)),
          ledgerEvent.received(lead(2), at(2)),
          ledgerEvent.quarantined(lead(2), at(2)),
          ledgerEvent.received(lead(3), at(3)),
          ledgerEvent.routed(lead(3), at(3), ['hubspot', 'salesforce']),
          ledgerEvent.attempt(lead(3), at(4), 'hubspot', 1, 'delivered'),
          ledgerEvent.attempt(lead(3), at(4), 'salesforce', 1, 'rejected', 'INVALID_EMAIL'),
          ledgerEvent.deadLettered(lead(3), at(5), 'salesforce'),
          ledgerEvent.received(lead(4), at(6)),
          ledgerEvent.routed(lead(4), at(6), [], ['hubspot']),
        ];
        await ledger.append(events);

        // Act
        const { leads } = await ledger.search({});

        // Assess
        expect(leads.map((found) => [found.leadId, found.status])).toEqual([
          [lead(4), 'unrouted'],
          [lead(3), 'failed'],
          [lead(2), 'quarantined'],
          [lead(1), 'delivered'],
        ]);
        for (const found of leads) {
          const own = events.filter((event) => event.leadId === found.leadId);
          const received = own.find((event): event is LedgerReceived => event.kind === 'received');
          if (!received) throw new Error(`no received event for ${found.leadId}`);
          expect(found).toEqual(summariseLead(received, own));
        }
      });

      it.each<[string, LedgerQuery]>([
        ['no criteria', {}],
        ['a source', { source: 'typeform' }],
        ['a source and since', { source: 'typeform', since: T0 }],
      ])(
        'pages through leads by %s with the cursor, with no repeats and no gaps, among leads received at one instant',
        async (_, query) => {
          // Prepare: 8 leads; 3 received at one instant, 2 at another.
          const ledger = await ledgerAt();
          const times = [0, 1, 5, 5, 5, 6, 6, 9].map((minutes) => minutesAfter(T0, minutes));
          await ledger.append(times.map((at, i) => ledgerEvent.received(lead(i + 1), at)));

          // Act
          const pages = await allPages(ledger, { ...query, limit: 3 });
          const whole = await ledger.search(query);

          // Assess
          const paged = pages.flat();
          expect(pages.map((page) => page.length)).toEqual([3, 3, 2]);
          expect(new Set(ids(paged)).size).toBe(8);
          expect(ids(paged)).toEqual(ids(whole.leads));
          const receivedAt = paged.map((found) => found.receivedAt);
          expect(receivedAt).toEqual([...receivedAt].sort().reverse());
        },
      );

      it('gives no cursor on a last page that is exactly full', async () => {
        // Prepare
        const ledger = await ledgerAt();
        await ledger.append([1, 2, 3, 4].map((n) => ledgerEvent.received(lead(n), minutesAfter(T0, n % 2))));

        // Act
        const first = await ledger.search({ limit: 2 });
        const second = await ledger.search({ limit: 2, cursor: first.next as string });

        // Assess
        expect(first.next).toBeDefined();
        expect(first.leads).toHaveLength(2);
        expect(second.leads).toHaveLength(2);
        expect(second.next).toBeUndefined();
        expect(new Set([...ids(first.leads), ...ids(second.leads)])).toEqual(new Set([1, 2, 3, 4].map(lead)));
      });

      it('gives 50 leads a page unless asked, and never more than 200', async () => {
        // Prepare: 205 leads, a minute apart.
        const ledger = await ledgerAt();
        await ledger.append(
          Array.from({ length: 205 }, (_, i) => ledgerEvent.received(lead(i + 1), minutesAfter(T0, i))),
        );

        // Act
        const byDefault = await ledger.search({});
        const tooMany = await ledger.search({ limit: 1000 });
        const rest = await ledger.search({ limit: 1000, cursor: tooMany.next as string });

        // Assess
        expect(byDefault.leads).toHaveLength(50);
        expect(byDefault.leads[0]?.leadId).toBe(lead(205));
        expect(byDefault.next).toBeDefined();
        expect(tooMany.leads).toHaveLength(200);
        expect(tooMany.next).toBeDefined();
        expect(ids(rest.leads)).toEqual([5, 4, 3, 2, 1].map(lead));
        expect(rest.next).toBeUndefined();
      });

      it('refuses a cursor it did not give out', async () => {
        // Prepare
        const ledger = await ledgerAt();
        await ledger.append(FOUR);

        // Act
        const searching = ledger.search({ cursor: 'not-a-cursor' });

        // Assess
        await expect(searching).rejects.toBeInstanceOf(LedgerQueryError);
      });
    });

    describe('recent', () => {
      /** Three leads' lives across an hour and a day boundary: 22:30 to 00:30 the next day. */
      function acrossMidnight(): LedgerEvent[] {
        return [1, 2, 3].flatMap((n) =>
          deliveredLife(lead(n), minutesAfter('2026-03-20T22:30:00.000Z', (n - 1) * 60)),
        );
      }

      it('gives every lead’s events at or after since, oldest first, across hours and days', async () => {
        // Prepare
        const ledger = await ledgerAt();
        const events = acrossMidnight();
        await ledger.append([...events].reverse());
        const since = minutesAfter('2026-03-20T22:30:00.000Z', 60);

        // Act
        const recent = await ledger.recent({ since });

        // Assess: lead 2 received exactly at since, so its received event is included.
        const expected = events.filter((event) => event.at >= since);
        expect(recent).toHaveLength(expected.length);
        expect(new Set(recent.map((event) => JSON.stringify(event)))).toEqual(
          new Set(expected.map((event) => JSON.stringify(event))),
        );
        expect(recent.map((event) => event.at)).toEqual(recent.map((event) => event.at).sort());
        expect(recent[0]).toEqual(ledgerEvent.received(lead(2), since));
        expect(new Set(recent.map((event) => event.leadId))).toEqual(new Set([lead(2), lead(3)]));
      });

      it('gives at most limit events, the oldest', async () => {
        // Prepare
        const ledger = await ledgerAt();
        const events = acrossMidnight();
        await ledger.append(events);

        // Act
        const recent = await ledger.recent({ since: T0, limit: 4 });

        // Assess
        expect(recent.map((event) => JSON.stringify(event))).toEqual(
          inTimelineOrder(events)
            .slice(0, 4)
            .map((event) => JSON.stringify(event)),
        );
      });

      it('gives 1,000 events unless asked, and never more than 5,000', async () => {
        // Prepare: 5,001 attempts of one lead, a second apart.
        const ledger = await ledgerAt();
        const attempts = Array.from({ length: 5001 }, (_, i) =>
          ledgerEvent.attempt(
            lead(1),
            new Date(Date.parse(T0) + i * 1000).toISOString(),
            'hubspot',
            i + 1,
            'retry',
          ),
        );
        await ledger.append([ledgerEvent.received(lead(1), T0), ...attempts]);

        // Act
        const byDefault = await ledger.recent({ since: minutesAfter(T0, 0) });
        const tooMany = await ledger.recent({ since: T0, limit: 10_000 });

        // Assess
        expect(byDefault).toHaveLength(1000);
        expect(byDefault.at(-1)).toEqual(attempts[998]);
        expect(tooMany).toHaveLength(5000);
        expect(tooMany.at(-1)).toEqual(attempts[4998]);
      });
    });

    describe('Unicode', () => {
      it.each(UNICODE_TEXTS)('keeps %s byte for byte in every event it is in', async (_, text) => {
        // Prepare
        const ledger = await ledgerAt();
        const received = ledgerEvent.received(lead(1), T0, {
          correlationId: `c-${text}`,
          contact: {
            email: 'zoë@bücher.example',
            phone: '+972501234567',
            name: text,
            company: `${text} Ltd`,
          },
        });
        const events: LedgerEvent[] = [
          received,
          ledgerEvent.quarantined(lead(1), minutesAfter(T0, 1), `no mapping for ${text}`),
          ledgerEvent.attempt(lead(1), minutesAfter(T0, 2), 'hubspot', 1, 'rejected', `HubSpot: ${text}`),
          ledgerEvent.deadLettered(lead(1), minutesAfter(T0, 3), 'hubspot', `INVALID: ${text}`),
        ];

        // Act
        await ledger.append(events);
        const timeline = await ledger.timeline(lead(1));
        const byCorrelation = await ledger.search({ correlationId: `c-${text}` });
        const recent = await ledger.recent({ since: T0 });

        // Assess
        const utf8 = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('hex');
        expect(timeline?.events.map(utf8)).toEqual(events.map(utf8));
        expect(recent.map(utf8)).toEqual(events.map(utf8));
        expect(ids(byCorrelation.leads)).toEqual([lead(1)]);
        expect(utf8(byCorrelation.leads[0]?.contact)).toBe(utf8(received.contact));
        expect(byCorrelation.leads[0]?.correlationId).toBe(`c-${text}`);
      });

      it.each([
        ['as stored', 'zoë@bücher.example'],
        ['in capitals', 'ZOË@BÜCHER.EXAMPLE'],
        ['decomposed (e and a combining diaeresis)', 'zoe\u0308@bu\u0308cher.example'],
      ])('finds a lead by an internationalised email typed %s', async (_, typed) => {
        // Prepare
        const ledger = await ledgerAt();
        await ledger.append([
          ledgerEvent.received(lead(1), T0, { contact: { email: 'zoë@bücher.example' } }),
          ledgerEvent.received(lead(2), minutesAfter(T0, 1), { contact: { email: 'zoe@bucher.example' } }),
        ]);

        // Act
        const page = await ledger.search({ email: typed });

        // Assess
        expect(ids(page.leads)).toEqual([lead(1)]);
        expect(page.leads[0]?.contact.email).toBe('zoë@bücher.example');
      });
    });

    describe('retention', () => {
      it.each<[string, number | undefined, number, number]>([
        ['the default 30 days', undefined, 31, 29],
        ['7 days when so configured', 7, 8, 6],
      ])(
        'keeps leads and events for %s, and nothing older',
        async (_, retentionDays, expiredDays, keptDays) => {
          // Prepare
          const ledger = await ledgerAt(retentionDays);
          const expired = deliveredLife(lead(1), daysBefore(expiredDays));
          const kept = deliveredLife(lead(2), daysBefore(keptDays));
          await ledger.append([...expired, ...kept]);

          // Act
          const expiredTimeline = await ledger.timeline(lead(1));
          const keptTimeline = await ledger.timeline(lead(2));
          const found = await ledger.search({});
          const byEmail = await ledger.search({ email: `${lead(1)}@example.com` });
          const sinceLongAgo = await ledger.search({ since: daysBefore(60) });
          const recent = await ledger.recent({ since: daysBefore(60) });

          // Assess
          expect(expiredTimeline).toBeUndefined();
          expect(keptTimeline?.events).toHaveLength(kept.length);
          expect(ids(found.leads)).toEqual([lead(2)]);
          expect(byEmail.leads).toEqual([]);
          expect(ids(sinceLongAgo.leads)).toEqual([lead(2)]);
          expect(recent).toHaveLength(kept.length);
          expect(recent.every((event) => event.leadId === lead(2))).toBe(true);
        },
      );
    });

    describe('erase', () => {
      it('removes every lead with the email or the phone, with all their events, and leaves the others', async () => {
        // Prepare: FOUR with a whole life each; 1 and 2 share the email, 1 and 3 the phone.
        const ledger = await ledgerAt();
        const lives = FOUR.map((received) => [
          received,
          ...deliveredLife(received.leadId, received.at).slice(1),
        ]);
        await ledger.append(lives.flat());
        const eventsOf = (n: number) => (lives[n - 1] ?? []).length;

        // Act
        const byEmail = await ledger.erase({ email: 'a@example.com' });
        const byPhone = await ledger.erase({ phone: '+14155550101' });
        const again = await ledger.erase({ email: 'a@example.com', phone: '+14155550101' });

        // Assess
        expect(byEmail).toEqual({ leads: 2, events: eventsOf(1) + eventsOf(2) });
        expect(byPhone).toEqual({ leads: 1, events: eventsOf(3) });
        expect(again).toEqual({ leads: 0, events: 0 });
        for (const n of [1, 2, 3]) expect(await ledger.timeline(lead(n))).toBeUndefined();
        expect(ids((await ledger.search({})).leads)).toEqual([lead(4)]);
        expect((await ledger.search({ email: 'a@example.com' })).leads).toEqual([]);
        const recent = await ledger.recent({ since: T0 });
        expect(recent.every((event) => event.leadId === lead(4))).toBe(true);
        expect(recent).toHaveLength(eventsOf(4));
      });

      it('removes leads past the retention too (they are still stored until swept)', async () => {
        // Prepare
        const ledger = await ledgerAt(7);
        await ledger.append(deliveredLife(lead(1), daysBefore(8)));
        await ledger.append(deliveredLife(lead(2), daysBefore(1)));

        // Act
        const erased = await ledger.erase({ phone: '+14155550100' });

        // Assess: both leads carry the builder's phone.
        expect(erased.leads).toBe(2);
        expect((await ledger.search({})).leads).toEqual([]);
      });

      it('matches the email however the received event spelled it', async () => {
        // Prepare
        const ledger = await ledgerAt();
        await ledger.append([
          ledgerEvent.received(lead(1), T0, { contact: { email: 'Ada.Lovelace@Example.COM' } }),
        ]);

        // Act
        const erased = await ledger.erase({ email: 'ada.lovelace@example.com' });

        // Assess
        expect(erased).toEqual({ leads: 1, events: 1 });
        expect(await ledger.timeline(lead(1))).toBeUndefined();
      });
    });
  });
}
