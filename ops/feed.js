// Live feed: every ledger event as it is appended, newest first, pausable. Each line opens its
// lead's timeline.
import { byId, h, replace, time } from './dom.js';
import { eventKey, summary } from './events.js';
import { eventMarkerKey, marker } from './markers.js';

/** The feed keeps this many lines; older ones fall off the bottom. */
const KEEP = 300;

export function createFeedView({ openLead }) {
  const list = byId('feed-list');
  const empty = byId('feed-empty');
  const pauseButton = byId('feed-pause');
  const pausedNotice = byId('feed-paused');
  const arrivedNotice = byId('feed-arrived');

  const seen = new Set();
  /** Newest first: what is on screen, as {event, item}. */
  const shown = [];
  const waiting = [];
  /** Who each lead is, from its `received` event, so later lines can say so too. */
  const contacts = new Map();
  let paused = false;

  const describeWho = (event) => {
    const contact = event.kind === 'received' ? event.contact : contacts.get(event.leadId);
    return contact?.email ?? contact?.phone ?? contact?.name ?? event.leadId;
  };

  const line = (event) =>
    h(
      'li',
      { 'data-lead': event.leadId, 'data-kind': eventMarkerKey(event) },
      h(
        'button',
        {
          type: 'button',
          class: 'feed-line',
          title: `${summary(event)}\n(open the timeline of ${event.leadId})`,
          onclick: () => openLead(event.leadId),
        },
        marker(eventMarkerKey(event)),
        h('span', { class: 'feed-time' }, time(event.at, { short: true })),
        h('span', { class: 'feed-who' }, h('bdi', {}, describeWho(event))),
        h('span', { class: 'feed-what' }, h('bdi', {}, summary(event))),
      ),
    );

  const show = (event, { fresh = false } = {}) => {
    const item = line(event);
    if (fresh) item.classList.add('fresh');
    // Newest first by the event's own time; a late catch-up event finds its place.
    let index = 0;
    while (index < shown.length && shown[index].event.at > event.at) index++;
    const before = shown[index]?.item ?? null;
    list.insertBefore(item, before);
    shown.splice(index, 0, { event, item });
    while (shown.length > KEEP) shown.pop()?.item.remove();
    empty.hidden = true;
  };

  const updatePause = () => {
    pauseButton.textContent = paused ? `Resume${waiting.length ? ` (${waiting.length} new)` : ''}` : 'Pause';
    pauseButton.setAttribute('aria-pressed', String(paused));
    pausedNotice.hidden = !paused;
    replace(
      pausedNotice,
      waiting.length
        ? `Paused. ${waiting.length} new event${waiting.length === 1 ? '' : 's'} arrived; they appear when you resume.`
        : 'Paused. New events are counted and appear when you resume.',
    );
  };

  pauseButton.addEventListener('click', () => {
    paused = !paused;
    arrivedNotice.hidden = true;
    if (!paused && waiting.length) {
      const count = waiting.length;
      for (const event of waiting.splice(0)) show(event, { fresh: true });
      replace(arrivedNotice, `${count} event${count === 1 ? '' : 's'} arrived while paused (highlighted).`);
      arrivedNotice.hidden = false;
    }
    updatePause();
  });
  updatePause();

  return {
    /** Adds an event unless it was seen before (a stream event and its catch-up copy). */
    add(event) {
      if (!event || typeof event.leadId !== 'string' || typeof event.kind !== 'string') return;
      const key = eventKey(event);
      if (seen.has(key)) return;
      seen.add(key);
      // Sets iterate oldest first: forget the oldest keys, far below what is still on screen.
      if (seen.size > KEEP * 20) for (const old of [...seen].slice(0, KEEP * 10)) seen.delete(old);
      if (event.kind === 'received' && event.contact) contacts.set(event.leadId, event.contact);
      if (paused) {
        waiting.push(event);
        updatePause();
      } else {
        show(event);
      }
    },
    get paused() {
      return paused;
    },
  };
}
