import { describe, expect, it } from 'vitest';
import { replayableHeaders } from '../../functions/ingest/ingest.ts';
import { GOOD_LEAD, ingestHarness, signedEvent } from '../unit/functions/ingest/ingest-setup.ts';

/** Headers no quarantined payload may keep: credentials under a sender's own names, and where it came from. */
const NEVER_STORED: Record<string, string> = {
  'x-apikey': 'k-123',
  'x-acme-auth': 'Basic YTpi',
  'x-acme-sig': 'deadbeef',
  'x-forwarded-for': '203.0.113.7',
  forwarded: 'for=203.0.113.7',
  'x-real-ip': '203.0.113.7',
  authorization: 'Bearer x',
  cookie: 'session=1',
};

describe('the headers a quarantined payload keeps for its replay', () => {
  it.each(Object.keys(NEVER_STORED))('never keeps %s', (name) => {
    // Act
    const kept = replayableHeaders({ 'content-type': 'application/json', [name]: NEVER_STORED[name] ?? '' });

    // Assess
    expect(kept).toEqual({ 'content-type': 'application/json' });
  });

  it('keeps what a mapping may read: the content type, the client, and the senders’ event, topic and id headers', () => {
    // Prepare
    const headers = {
      'Content-Type': 'application/json',
      'user-agent': 'GitHub-Hookshot/1',
      'webhook-id': 'msg_1',
      'x-github-event': 'push',
      'x-github-delivery': 'd-1',
      'x-shopify-topic': 'customers/create',
      'x-shopify-event-id': 'e-1',
    };

    // Act
    const kept = replayableHeaders(headers);

    // Assess
    expect(kept).toEqual(headers);
  });

  it('is what ingest stores with a payload it quarantines', async () => {
    // Prepare: a signed delivery that cannot be mapped (no email or phone), with extra headers.
    const harness = ingestHarness();
    const event = signedEvent('form', JSON.stringify({ ...GOOD_LEAD, email: undefined, phone: undefined }));
    event.headers = { ...event.headers, ...NEVER_STORED, 'user-agent': 'acme-forms/2' };

    // Act
    const answer = await harness.handle(event);

    // Assess
    expect(JSON.parse(answer.body)).toMatchObject({ status: 'quarantined' });
    const stored = [...harness.quarantine.entries.values()][0]?.headers ?? {};
    expect(Object.keys(stored).sort()).toEqual([
      'content-type',
      'user-agent',
      'webhook-id',
      'webhook-timestamp',
    ]);
  });
});
