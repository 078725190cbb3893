// Leads: one search box (the server's `q` tells an email, a phone, a lead id and a correlation id
// apart), optional source and time filters, pages by `next`; and one lead's timeline.
import { actionButton, describeRedrive, describeReplay, redriveLead, replay } from './actions.js';
import { api, query } from './api.js';
import { bdi, byId, details, h, keepingFocus, replace, say, table, time, whileBusy } from './dom.js';
import { eventFacts, eventTitle } from './events.js';
import { destinationStatuses, eventMarkerKey, marker } from './markers.js';

const PAGE = 50;

export function createLeadsView({ leadHref }) {
  const form = byId('search-form');
  const input = byId('search-q');
  const source = byId('search-source');
  const since = byId('search-since');
  const until = byId('search-until');
  const status = byId('leads-status');
  const results = byId('leads-results');
  const more = byId('leads-more');
  let criteria = {};
  let next;
  let loadedOnce = false;

  const contactCell = (lead) =>
    h(
      'a',
      { href: leadHref(lead.leadId), class: 'lead-link' },
      h('span', { class: 'contact-main' }, bdi(lead.contact?.email ?? lead.contact?.phone ?? lead.leadId)),
      lead.contact?.name ? h('span', { class: 'contact-sub' }, bdi(lead.contact.name)) : null,
      lead.contact?.company ? h('span', { class: 'contact-sub' }, bdi(lead.contact.company)) : null,
    );

  const columns = [
    { label: 'Received', cell: (lead) => time(lead.receivedAt, { short: true }), class: 'nowrap' },
    { label: 'Source', cell: (lead) => lead.source, class: 'nowrap' },
    { label: 'Contact', cell: contactCell, class: 'grow' },
    { label: 'Status', cell: (lead) => marker(lead.status) },
    { label: 'Destinations', cell: (lead) => destinationStatuses(lead.destinations) },
  ];

  const search = async ({ append = false } = {}) => {
    say(status, 'Searching…', 'busy');
    try {
      const page = await api(
        `/leads${query({ ...criteria, limit: PAGE, cursor: append ? next : undefined })}`,
      );
      next = page.next;
      const rows = page.leads ?? [];
      const existing = results.querySelector('tbody');
      if (append && existing) {
        const extra = table(columns, rows, { rowProps: (lead) => ({ 'data-lead': lead.leadId }) });
        existing.append(...extra.querySelector('tbody').children);
      } else if (rows.length === 0) {
        replace(results);
      } else {
        replace(
          results,
          table(columns, rows, {
            caption: 'Leads found',
            rowProps: (lead) => ({ 'data-lead': lead.leadId }),
          }),
        );
      }
      const count = results.querySelectorAll('tbody tr').length;
      say(status, describeResults(count, Boolean(next)), count ? '' : 'bad');
      more.hidden = !next;
    } catch (error) {
      say(status, error.message, 'bad');
    }
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    criteria = {
      q: input.value.trim(),
      source: source.value,
      since: isoFromLocal(since.value),
      until: isoFromLocal(until.value),
    };
    search();
  });
  more.addEventListener('click', () => whileBusy(more, () => search({ append: true })));

  return {
    /** The latest leads the first time the section opens. */
    opened() {
      if (!loadedOnce) {
        loadedOnce = true;
        search();
      }
    },
    /** The source filter's options, from the overview's catalog. */
    setSources(names) {
      const chosen = source.value;
      replace(
        source,
        h('option', { value: '' }, 'All sources'),
        names.map((name) => h('option', { value: name }, name)),
      );
      source.value = names.includes(chosen) ? chosen : '';
    },
  };
}

function describeResults(count, hasMore) {
  if (count === 0)
    return 'No lead matches. An email matches whatever its case; a phone number matches with or without its country code.';
  return `${count} lead${count === 1 ? '' : 's'}${hasMore ? ', more below' : ''}, newest first.`;
}

/** A datetime-local value (the viewer's local time) as ISO 8601, or undefined when empty. */
function isoFromLocal(value) {
  if (!value) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** One lead's timeline: its summary, what can be repaired, and every event in order. */
export function createTimelineView({ backToLeads }) {
  const title = byId('lead-title');
  const status = byId('lead-status');
  const summaryBox = byId('lead-summary');
  const actions = byId('lead-actions');
  // Outside the re-rendered part: what a repair did stays while its events arrive.
  const result = byId('lead-action-result');
  const events = byId('lead-events');
  byId('lead-back').addEventListener('click', backToLeads);
  const report = (outcome) => say(result, outcome.text, outcome.tone);
  let current;
  let refreshTimer;
  let loading = Promise.resolve();

  const clear = () => {
    for (const box of [summaryBox, actions, events]) replace(box);
  };
  const load = async (leadId) => {
    try {
      const timeline = await api(`/leads/${encodeURIComponent(leadId)}`);
      if (current !== leadId) return;
      replace(title, 'Lead ', h('code', {}, timeline.lead.leadId));
      replace(summaryBox, ...leadSummary(timeline.lead));
      keepingFocus(actions, () => replace(actions, ...repairPanel(timeline.lead, report)));
      replace(events, timeline.events.map(timelineStep));
      say(status, '');
    } catch (error) {
      if (current !== leadId) return;
      clear();
      say(
        status,
        error.status === 404
          ? `No lead ${leadId} in the ledger (it may be older than the retention).`
          : error.message,
        'bad',
      );
    }
  };

  return {
    open(leadId) {
      if (current !== leadId) {
        current = leadId;
        replace(title, 'Lead ', h('code', {}, leadId));
        clear();
        say(result, '');
        say(status, 'Loading…', 'busy');
      }
      loading = load(leadId);
      return loading;
    },
    close() {
      current = undefined;
    },
    /** A ledger event arrived: reload the open timeline when it is this lead's. */
    changed(event) {
      if (!current || event.leadId !== current) return;
      clearTimeout(refreshTimer);
      refreshTimer = setTimeout(() => {
        loading = loading.then(() => (current ? load(current) : undefined));
      }, 250);
    },
  };
}

/** Who the lead is, where it came from and where it stands. */
export function leadSummary(lead) {
  const contact = lead.contact ?? {};
  return [
    h('div', { class: 'summary-status' }, marker(lead.status)),
    details([
      ['Email', contact.email ? bdi(contact.email) : undefined],
      ['Phone', contact.phone ? bdi(contact.phone) : undefined],
      ['Name', contact.name ? bdi(contact.name) : undefined],
      ['Company', contact.company ? bdi(contact.company) : undefined],
      ['Source', lead.source],
      ['Received', time(lead.receivedAt)],
      ['Last change', time(lead.updatedAt)],
      ['Destinations', destinationStatuses(lead.destinations)],
      ['Correlation id', h('code', {}, lead.correlationId)],
      ['Delivery id', h('code', {}, lead.deliveryId)],
    ]),
  ];
}

/** One event on the timeline: its marker, what it was, when, and its facts. */
export function timelineStep(event) {
  return h(
    'li',
    { class: 'step', 'data-kind': eventMarkerKey(event), 'data-event': event.kind },
    h(
      'div',
      { class: 'step-head' },
      marker(eventMarkerKey(event)),
      h('h3', {}, eventTitle(event)),
      time(event.at),
    ),
    eventFacts(event),
  );
}

/** What a person can do for this lead: replay it when quarantined, redrive it where it was dead-lettered. */
export function repairPanel(lead, report) {
  const buttons = [];
  if (lead.status === 'quarantined') {
    buttons.push(
      actionButton(
        'Replay with the current config',
        async () => describeReplay(await replay(lead.leadId)),
        report,
        { 'data-action': 'replay' },
      ),
    );
  }
  for (const [destination, state] of Object.entries(lead.destinations ?? {})) {
    if (state !== 'dead-lettered') continue;
    const run = async () => {
      const answer = await redriveLead(destination, lead.leadId);
      return answer
        ? describeRedrive(answer)
        : { text: `This lead is not in ${destination}'s dead-letter queue any more.`, tone: 'bad' };
    };
    buttons.push(
      actionButton(`Redrive to ${destination}`, run, report, {
        'data-destination': destination,
        'data-action': `redrive-${destination}`,
      }),
    );
  }
  if (buttons.length === 0) return [];
  return [
    h('h3', {}, 'Repair'),
    h(
      'p',
      { class: 'hint' },
      lead.status === 'quarantined'
        ? "Fix this source's mapping in the config file first: the host applies a saved, valid config without a restart."
        : 'Fix what the destination refused first (the reason is on the timeline below), then send the lead again.',
    ),
    h('div', { class: 'button-row' }, buttons),
  ];
}
