// The QuarantineStore contract (functions/ports.ts): a payload that could not be mapped is kept
// whole until someone replays it, on every host alike.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { QuarantinedPayload, QuarantineStore } from '../../functions/ports.ts';

/** A fresh, empty store per test. */
export interface QuarantineStoreFixture {
  store: QuarantineStore;
  end(): Promise<void>;
}

/** A quarantined payload as ingest keeps it; `text` goes into the body, a header and the reason. */
function quarantined(leadId: string, receivedAt: string, text = 'Ada'): QuarantinedPayload {
  return {
    leadId,
    source: 'typeform',
    deliveryId: `delivery-${leadId}`,
    receivedAt,
    reason: { code: 'no_contact', message: `no email or phone for ${text}` },
    contentType: 'application/json; charset=utf-8',
    headers: { 'user-agent': 'Typeform Webhooks', 'x-form-title': text },
    body: Buffer.from(JSON.stringify({ form_response: { answers: [{ text }] } }), 'utf8').toString('base64'),
  };
}

export function quarantineStoreContract(name: string, create: () => Promise<QuarantineStoreFixture>): void {
  describe(`QuarantineStore contract: ${name}`, () => {
    let fixture: QuarantineStoreFixture;
    beforeEach(async () => {
      fixture = await create();
    });
    afterEach(async () => {
      await fixture.end();
    });

    it('keeps a payload whole and gives it back by lead id', async () => {
      // Prepare
      const entry = quarantined('lead_a', '2026-03-01T00:00:00.000Z');

      // Act
      await fixture.store.put(entry);
      const read = await fixture.store.get('lead_a');

      // Assess
      expect(read).toEqual(entry);
    });

    it('answers undefined for a lead id it does not hold', async () => {
      // Prepare
      await fixture.store.put(quarantined('lead_a', '2026-03-01T00:00:00.000Z'));

      // Act
      const read = await fixture.store.get('lead_unknown');

      // Assess
      expect(read).toBeUndefined();
    });

    it('overwrites the entry of a lead id put again, keeping one', async () => {
      // Prepare
      const replaced = quarantined('lead_a', '2026-03-01T00:00:00.000Z', 'first');
      const replacement = quarantined('lead_a', '2026-03-02T00:00:00.000Z', 'second');

      // Act
      await fixture.store.put(replaced);
      await fixture.store.put(replacement);

      // Assess
      expect(await fixture.store.get('lead_a')).toEqual(replacement);
      expect(await fixture.store.list()).toEqual([replacement]);
    });

    it('lists every entry whole, oldest first by receivedAt', async () => {
      // Prepare: put in an order that is neither by time nor by id.
      const entries = [
        quarantined('lead_a', '2026-03-02T00:00:00.000Z'),
        quarantined('lead_c', '2026-03-01T00:00:00.000Z'),
        quarantined('lead_b', '2026-03-03T00:00:00.000Z'),
      ];
      for (const entry of entries) await fixture.store.put(entry);

      // Act
      const listed = await fixture.store.list();

      // Assess
      expect(listed).toEqual([entries[1], entries[0], entries[2]]);
    });

    it('removes an entry by lead id and leaves the others', async () => {
      // Prepare
      const kept = quarantined('lead_b', '2026-03-02T00:00:00.000Z');
      await fixture.store.put(quarantined('lead_a', '2026-03-01T00:00:00.000Z'));
      await fixture.store.put(kept);

      // Act
      await fixture.store.remove('lead_a');
      await fixture.store.remove('lead_unknown');

      // Assess
      expect(await fixture.store.get('lead_a')).toBeUndefined();
      expect(await fixture.store.list()).toEqual([kept]);
    });

    it.each([
      ['emoji and a ZWJ sequence with a skin tone', '🙂👩🏽‍💻 Ada'],
      ['right-to-left Arabic', 'مرحبا بالعالم، أحمد'],
      ['right-to-left Hebrew with a mark', 'שלום עולם\u200F דנה'],
      [
        'combining marks (decomposed, so normalising would change the bytes)',
        'Zoe\u0308 Jose\u0301 \u0915\u094D\u0937',
      ],
    ])('keeps %s in the body, the headers and the reason byte for byte', async (_, text) => {
      // Prepare
      const entry = quarantined('lead_u', '2026-03-01T00:00:00.000Z', text);

      // Act
      await fixture.store.put(entry);
      const read = await fixture.store.get('lead_u');
      const [listed] = await fixture.store.list();

      // Assess
      expect(read).toEqual(entry);
      expect(listed).toEqual(entry);
      expect(Buffer.from(read?.body ?? '', 'base64').equals(Buffer.from(entry.body, 'base64'))).toBe(true);
      expect(
        Buffer.from(read?.headers?.['x-form-title'] ?? '', 'utf8').equals(Buffer.from(text, 'utf8')),
      ).toBe(true);
      expect(read?.reason.message).toBe(`no email or phone for ${text}`);
    });

    describe('erase', () => {
      /** A quarantined body as a sender wrote it: the contact values in its own spelling. */
      const withBody = (leadId: string, contentType: string, body: string): QuarantinedPayload => ({
        ...quarantined(leadId, '2026-03-01T00:00:00.000Z'),
        contentType,
        body: Buffer.from(body, 'utf8').toString('base64'),
      });

      it('removes the entries whose payload carries the email or the phone, as the sender spelled them', async () => {
        // Prepare
        await fixture.store.put(
          withBody(
            'lead_json',
            'application/json',
            JSON.stringify({ contact: { mail: ' Ada@Example.com ' } }),
          ),
        );
        await fixture.store.put(
          withBody('lead_form', 'application/x-www-form-urlencoded', 'tel=%28415%29+555-0101&name=Ada'),
        );
        await fixture.store.put(
          withBody(
            'lead_text',
            'application/json',
            JSON.stringify({ note: 'call me on +1 415 555 0101 please' }),
          ),
        );
        await fixture.store.put(
          withBody(
            'lead_other',
            'application/json',
            JSON.stringify({ mail: 'grace@example.com', tel: '4155550102' }),
          ),
        );

        // Act
        const byEmail = await fixture.store.erase({ email: 'ada@example.com' }, 'US');
        const byPhone = await fixture.store.erase({ phone: '+14155550101' }, 'US');

        // Assess
        expect(byEmail).toBe(1);
        expect(byPhone).toBe(2);
        expect((await fixture.store.list()).map((entry) => entry.leadId)).toEqual(['lead_other']);
        expect(await fixture.store.get('lead_json')).toBeUndefined();
      });

      it('removes nothing and says 0 when no payload carries the keys', async () => {
        // Prepare
        await fixture.store.put(quarantined('lead_a', '2026-03-01T00:00:00.000Z'));

        // Act
        const erased = await fixture.store.erase({ email: 'nobody@example.com', phone: '+14155550199' });

        // Assess
        expect(erased).toBe(0);
        expect(await fixture.store.list()).toHaveLength(1);
      });
    });
  });
}
