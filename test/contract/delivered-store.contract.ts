// The DeliveredStore contract (functions/ports.ts): which leads a destination already received,
// per destination, with the ref each got.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DeliveredStore } from '../../functions/ports.ts';

/** A fresh, empty store per test. */
export interface DeliveredStoreFixture {
  store: DeliveredStore;
  end(): Promise<void>;
}

const ids = (count: number, from = 0) =>
  Array.from({ length: count }, (_, index) => `lead_${String(from + index).padStart(32, '0')}`);

export function deliveredStoreContract(name: string, create: () => Promise<DeliveredStoreFixture>): void {
  describe(`DeliveredStore contract: ${name}`, () => {
    let fixture: DeliveredStoreFixture;
    beforeEach(async () => {
      fixture = await create();
    });
    afterEach(async () => {
      await fixture.end();
    });

    it('finds nothing in a new store', async () => {
      // Act
      const found = await fixture.store.find('slack', ids(3));

      // Assess
      expect(found.size).toBe(0);
    });

    it('finds what was recorded, with its ref when it had one, and only that', async () => {
      // Prepare
      const [a, b, c] = ids(3);
      await fixture.store.record('slack', [
        {
          leadId: a as string,
          ref: { id: '1796189755.760000', url: 'https://acme.slack.com/archives/C1/p1' },
        },
        { leadId: b as string },
      ]);

      // Act
      const found = await fixture.store.find('slack', [a, b, c] as string[]);

      // Assess
      expect([...found.entries()].sort()).toEqual(
        [
          [a, { id: '1796189755.760000', url: 'https://acme.slack.com/archives/C1/p1' }],
          [b, undefined],
        ].sort(),
      );
    });

    it('keeps destinations apart', async () => {
      // Prepare
      const [lead] = ids(1);
      await fixture.store.record('slack', [{ leadId: lead as string }]);

      // Act
      const elsewhere = await fixture.store.find('slack-ops', [lead as string]);

      // Assess
      expect(elsewhere.size).toBe(0);
    });

    it('records and finds more leads than one batch call takes (DynamoDB: 25 writes, 100 reads)', async () => {
      // Prepare
      const many = ids(130);
      await fixture.store.record(
        'slack',
        many.map((leadId) => ({ leadId, ref: { id: leadId.slice(-6) } })),
      );

      // Act
      const found = await fixture.store.find('slack', [...many, ...ids(5, 1000)]);

      // Assess
      expect(found.size).toBe(130);
      expect(found.get(many[129] as string)).toEqual({ id: (many[129] as string).slice(-6) });
    });

    it('records a lead again without complaint, keeping the newer ref', async () => {
      // Prepare
      const [lead] = ids(1) as [string];
      await fixture.store.record('slack', [{ leadId: lead, ref: { id: 'first' } }]);

      // Act
      await fixture.store.record('slack', [{ leadId: lead, ref: { id: 'second' } }]);

      // Assess
      expect((await fixture.store.find('slack', [lead])).get(lead)).toEqual({ id: 'second' });
    });
  });
}
