// What a ledger event (schemas/generated/ledger-event.ts) says, in words: one line for the feed,
// and every fact for the timeline.
import { bytes, details, duration, h, safeLink } from './dom.js';

/** One sentence for the feed. */
export function summary(event) {
  switch (event.kind) {
    case 'received':
      return `from ${event.source}`;
    case 'mapped':
      return `${event.fields?.length ?? 0} fields${event.replay ? ', by a replay' : ''}`;
    case 'quarantined':
      return event.message;
    case 'routed':
      return event.matched.length ? `to ${event.matched.join(', ')}` : 'no destination matched';
    case 'attempt':
      return attemptSummary(event);
    case 'enriched':
      return `${event.destination}, attempt ${event.attempt}: ${event.outcome}${event.reason ? ` (${event.reason})` : ''}`;
    case 'dead-lettered':
      return `at ${event.destination} after ${event.attempts} attempt${event.attempts === 1 ? '' : 's'}: ${event.reason}`;
    case 'redriven':
      return `to ${event.destination}'s queue, by ${event.by}`;
    case 'replayed':
      return event.outcome === 'published'
        ? `by ${event.by}: mapped and published`
        : `by ${event.by}: ${event.reason ?? 'the mapping still fails'}`;
    default:
      return '';
  }
}

function attemptSummary(event) {
  const at = `${event.destination}, attempt ${event.attempt}`;
  switch (event.outcome) {
    case 'delivered':
      return `${at}${event.recordId ? `: record ${event.recordId}` : ''}`;
    case 'retry':
      return `${at}${event.retryAfterSeconds !== undefined ? `, again in ${duration(event.retryAfterSeconds)}` : ''}: ${event.reason ?? ''}`;
    default:
      return `${at}: ${event.reason ?? ''}`;
  }
}

/** Every fact of an event, for its place on the timeline. */
export function eventFacts(event) {
  switch (event.kind) {
    case 'received':
      return details([
        ['Source', event.source],
        ['Delivery id', code(event.deliveryId)],
        ['Correlation id', code(event.correlationId)],
        ['Size', bytes(event.bytes)],
        ['Content type', event.contentType],
      ]);
    case 'mapped':
      return details([
        [
          'Fields',
          event.fields?.length ? h('span', { class: 'chips' }, event.fields.map(chip)) : 'none',
          { wide: true },
        ],
        ['Person', event.personId ? h('code', {}, event.personId) : undefined],
        [
          'Merged',
          event.mergedFrom
            ? h('span', {}, [
                'this lead joined ',
                h('code', {}, event.mergedFrom),
                ' to this person: its CRM records stay apart',
              ])
            : undefined,
          { wide: true },
        ],
        ['By', event.replay ? 'a replay of the quarantined payload' : undefined],
      ]);
    case 'quarantined':
      return details([
        ['Reason', event.message, { wide: true }],
        ['Code', code(event.code)],
      ]);
    case 'routed':
      return details([
        ['Matched', event.matched.length ? h('span', { class: 'chips' }, event.matched.map(chip)) : 'none'],
        [
          'Not matched',
          event.unmatched?.length
            ? h(
                'ul',
                { class: 'plain' },
                event.unmatched.map((route) =>
                  h(
                    'li',
                    { 'data-unmatched': route.destination },
                    h('strong', {}, route.destination),
                    ': ',
                    route.why,
                  ),
                ),
              )
            : undefined,
          { wide: true },
        ],
      ]);
    case 'attempt':
      return details([
        ['Destination', event.destination],
        ['Attempt', String(event.attempt)],
        ['Outcome', event.outcome],
        [
          'Record',
          event.recordId
            ? event.recordUrl
              ? safeLink(event.recordUrl, event.recordId)
              : code(event.recordId)
            : event.recordUrl
              ? safeLink(event.recordUrl, event.recordUrl)
              : undefined,
        ],
        [
          'Retry after',
          event.retryAfterSeconds !== undefined ? duration(event.retryAfterSeconds) : undefined,
        ],
        ['Reason', event.reason, { wide: true }],
      ]);
    case 'enriched':
      return details([
        ['Stage', event.destination],
        ['Attempt', String(event.attempt)],
        ['Outcome', event.outcome === 'fetched' ? "fetched the person's data" : event.outcome],
        [
          'Retry after',
          event.retryAfterSeconds !== undefined ? duration(event.retryAfterSeconds) : undefined,
        ],
        ['Reason', event.reason, { wide: true }],
      ]);
    case 'dead-lettered':
      return details([
        ['Destination', event.destination],
        ['Attempts', String(event.attempts)],
        ['Reason', event.reason, { wide: true }],
      ]);
    case 'redriven':
      return details([
        ['Destination', event.destination],
        ['By', event.by],
      ]);
    case 'replayed':
      return details([
        ['By', event.by],
        ['Outcome', event.outcome === 'published' ? 'mapped and published' : 'still quarantined'],
        ['Reason', event.reason, { wide: true }],
      ]);
    default:
      return details([]);
  }
}

/** The word a kind of event gets as the title of its place on the timeline. */
export function eventTitle(event) {
  switch (event.kind) {
    case 'received':
      return 'Received';
    case 'mapped':
      return 'Mapped';
    case 'quarantined':
      return 'Quarantined';
    case 'routed':
      return 'Routed';
    case 'attempt':
      return `Attempt at ${event.destination}`;
    case 'enriched':
      return `Fetch from ${event.destination.replace(/^enrich:/, '')}`;
    case 'dead-lettered':
      return `Dead-lettered at ${event.destination}`;
    case 'redriven':
      return `Redriven at ${event.destination}`;
    case 'replayed':
      return 'Replayed';
    default:
      return event.kind;
  }
}

const code = (text) => (text ? h('code', {}, text) : undefined);
const chip = (text) => h('span', { class: 'chip' }, text);

/** A stable identity for an event, so one arriving twice (stream and catch-up) is shown once. */
export function eventKey(event) {
  return [
    event.leadId,
    event.kind,
    event.at,
    event.destination ?? '',
    event.attempt ?? '',
    event.outcome ?? '',
  ].join('|');
}
