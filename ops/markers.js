// One marker per state, each a glyph and a word as well as a colour, so no state is told by
// colour alone. The glyph is decoration (aria-hidden); the word is what a screen reader says.
import { h } from './dom.js';

/** tone: ok (delivered), bad (failed), warn (needs a look), info (moved on), muted (a step). */
const MARKERS = {
  accepted: { glyph: '↓', label: 'Accepted', tone: 'info' },
  mapped: { glyph: '≡', label: 'Mapped', tone: 'muted' },
  fetched: { glyph: '⇣', label: 'Fetched', tone: 'info' },
  quarantined: { glyph: '⚠', label: 'Quarantined', tone: 'warn' },
  routed: { glyph: '→', label: 'Routed', tone: 'muted' },
  delivered: { glyph: '✓', label: 'Delivered', tone: 'ok' },
  retry: { glyph: '↻', label: 'Retried', tone: 'warn' },
  retrying: { glyph: '↻', label: 'Retrying', tone: 'warn' },
  rejected: { glyph: '⊗', label: 'Rejected', tone: 'bad' },
  blocked: { glyph: '⊘', label: 'Blocked', tone: 'bad' },
  'dead-lettered': { glyph: '✕', label: 'Dead-lettered', tone: 'bad' },
  redriven: { glyph: '↺', label: 'Redriven', tone: 'info' },
  replayed: { glyph: '↺', label: 'Replayed', tone: 'info' },
  'still-quarantined': { glyph: '⚠', label: 'Still quarantined', tone: 'warn' },
  pending: { glyph: '⋯', label: 'Pending', tone: 'muted' },
  'in-progress': { glyph: '⋯', label: 'In progress', tone: 'muted' },
  unrouted: { glyph: '○', label: 'Unrouted', tone: 'muted' },
  failed: { glyph: '✕', label: 'Failed', tone: 'bad' },
};

/** The marker a ledger event gets in the feed and on the timeline. */
export function eventMarkerKey(event) {
  switch (event.kind) {
    case 'received':
      return 'accepted';
    case 'attempt':
    case 'enriched':
      return event.outcome;
    case 'replayed':
      return event.outcome === 'published' ? 'replayed' : 'still-quarantined';
    default:
      return event.kind;
  }
}

/** A badge: glyph, word, tone. `key` is a lead status, a destination status or an event marker key. */
export function marker(key, { label } = {}) {
  const known = MARKERS[key] ?? { glyph: '•', label: key, tone: 'muted' };
  return h(
    'span',
    { class: `marker tone-${known.tone}`, 'data-marker': key },
    h('span', { class: 'glyph', 'aria-hidden': 'true' }, known.glyph),
    h('span', { class: 'word' }, label ?? known.label),
  );
}

/** Each destination's status as a small list: "hubspot ✓ Delivered". */
export function destinationStatuses(destinations) {
  const names = Object.keys(destinations ?? {});
  if (names.length === 0) return h('span', { class: 'muted' }, 'none');
  return h(
    'ul',
    { class: 'dest-statuses' },
    names.map((name) =>
      h(
        'li',
        { 'data-destination': name },
        h('span', { class: 'dest-name' }, name),
        marker(destinations[name]),
      ),
    ),
  );
}
